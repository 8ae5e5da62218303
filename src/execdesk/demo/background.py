"""The month's customer mail: complaints, requests, praise, suggestions, repeat writers.

Each text is assembled from parts (bank_customer) filled with freshly drawn details, then
framed and voiced (draft.py). The other kinds of mail come from ``OtherMail`` (others.py);
``Background`` is the one object the generator asks for a month's ordinary mail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from execdesk.demo import bank_customer as bc
from execdesk.demo import bank_other as bo
from execdesk.demo.compose import pdf_bytes, png_bytes
from execdesk.demo.details import details
from execdesk.demo.draft import NEUTRAL_CLOSINGS, POSITIVE_CLOSINGS, Draft, fill, join_parts, quote, when_in_period
from execdesk.demo.others import OtherMail
from execdesk.demo.people import Person, make_person, message_id

TOPIC_WEIGHTS = {"billing": 28, "service": 22, "product": 14, "support": 14, "account": 10, "pricing": 6, "privacy": 6}


class Background(OtherMail):
    """Draws the background drafts for one scenario with one RNG."""

    def complaint(self, person: Person | None = None, when: datetime | None = None, topic: str | None = None) -> Draft:
        rng = self.rng
        person = person or make_person(rng)
        when = when or when_in_period(rng, self.sc, person)
        topic = topic or rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]
        d = details(rng, self.sc, person, when)
        signals: set[str] = set()
        length = rng.choices(("short", "medium", "long"), weights=(2, 4, 4))[0]
        draw = self.deck.draw
        situation = fill(draw(bc.SITUATIONS[topic]), d)
        asks = bc.TOPIC_ASKS[topic] * 2 + bc.ASKS
        if length == "short":
            parts = [situation]
        else:
            parts = [fill(draw(bc.OPENERS), d), situation]
            attempt = fill(draw(bc.ATTEMPTS), d)
            if length == "long":
                other = rng.choice([t for t in bc.SITUATIONS if t != topic])
                extra = fill(draw(bc.SITUATIONS[other]), d)
                if rng.random() < 0.5:
                    extra = rng.choice(("And that's not all.", "There's more.")) + " " + extra
                else:
                    joiner = rng.choice(("On top of that,", "As if that weren't enough,", "And now"))
                    extra = f"{joiner} {extra[0].lower()}{extra[1:]}"
                parts += [attempt, extra]
                if rng.random() < 0.6:
                    timelines = [t for t in bc.TIMELINES if topic == "service" or "technician" not in t]
                    parts.insert(2, fill(rng.choice(timelines), d))
            else:
                parts.append(attempt)
            if attempt and rng.random() < 0.5:
                signals.add("escalation")
            parts.append(fill(draw(bc.STAKES), d))
        if rng.random() < 0.14:
            parts.insert(-1, fill(draw(bc.VULNERABLE), d))
            signals.add("vulnerable")
        if rng.random() < 0.32:
            kind = draw(tuple(bc.THREATS))
            parts.append(fill(draw(bc.THREATS[kind]), d))
            signals.add(
                {"legal": "legal_threat", "regulator": "regulator", "public": "going_public", "churn": "churn"}[kind]
            )
        if length == "long" and rng.random() < 0.5:
            first, second = rng.sample(bc.TOPIC_ASKS[topic] + bc.ASKS[:4], 2)
            third = rng.choice(
                (
                    "One person I can contact who will follow this through.",
                    "A written confirmation, so I don't have to do this again next month.",
                    "Some acknowledgement that this should never have taken so long.",
                )
            )
            lead = rng.choice(("What I would like:", "What I'm asking for:", "So, to be concrete:"))
            parts.append(fill(f"{lead}\n1. {first}\n2. {second}\n3. {third}", d))
        else:
            parts.append(fill(draw(asks), d))
        body = self._frame(parts, person, d, formal=length != "short")
        hint = next((subj for phrase, subj in bc.SUBJECT_HINTS if phrase in situation), None)
        subject = fill(hint if hint and rng.random() < 0.65 else rng.choice(bc.SUBJECTS[topic]), d)
        draft = Draft("complaint", "complaint", topic, person, when, subject, body, signals)
        if rng.random() < self.sc.format.attachment * 2 and topic in ("billing", "product", "service"):
            if rng.random() < 0.5:
                draft.attachments.append(("bill.pdf", "application/pdf", self._bill_pdf(person, d)))
            else:
                shot = f"IMG_{rng.randrange(1000, 9999)}.PNG"
                draft.attachments.append((shot, "image/png", png_bytes(rng)))
        return draft

    def _bill_pdf(self, person: Person, d: dict[str, str]) -> bytes:
        return pdf_bytes(
            [
                f"{self.sc.company.name} - Monthly statement",
                f"Account {d['account']}",
                person.name,
                f"Plan: {d['plan']}  {d['monthly']}.00",
                f"Device payment: {d['amount2']}",
                "International Day Pass  $12.00",
                "Surcharges and fees  $9.87",
                f"Total due: {d['amount']}",
            ]
        )

    def request(self, n: int) -> Draft:
        rng = self.rng
        person = make_person(rng)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        topic, subject, text = bc.REQUESTS[n % len(bc.REQUESTS)]
        body = self._frame(
            [fill(text, d), rng.choice(("Thank you.", "Thanks for any help.", ""))],
            person,
            d,
            formal=True,
            closings=NEUTRAL_CLOSINGS,
        )
        return Draft("request", "request", topic, person, when, fill(subject, d), body)

    def praise(self, n: int) -> Draft:
        rng = self.rng
        person = make_person(rng)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        text = fill(bc.PRAISE[n % len(bc.PRAISE)], d)
        subject = rng.choice(
            (
                "Thank you",
                "A compliment",
                "Great service",
                "Credit where it's due",
                f"Praise for your {d['town']} team",
                "Thanks!",
                "Just a thank you",
            )
        )
        body = self._frame([text], person, d, formal=rng.random() < 0.6, closings=POSITIVE_CLOSINGS)
        topic = "support" if "{agent}" in bc.PRAISE[n % len(bc.PRAISE)] else "service"
        return Draft("praise", "praise", topic, person, when, subject, body)

    def suggestion(self, n: int) -> Draft:
        rng = self.rng
        person = make_person(rng)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        lead = rng.choice(
            (
                "A suggestion from a long-time customer:",
                "An idea, for what it's worth.",
                "I don't have a complaint, just a suggestion.",
                "",
            )
        )
        body = self._frame(
            [lead, fill(bc.SUGGESTIONS[n % len(bc.SUGGESTIONS)], d)], person, d, formal=True, closings=POSITIVE_CLOSINGS
        )
        subject = rng.choice(("A suggestion", "Idea", f"Suggestion for {d['short']}", "Customer feedback"))
        return Draft("suggestion", "suggestion", "support", person, when, subject, body)

    def repeat_series(self) -> Iterator[Draft]:
        """One writer, two or three mails over the month; later ones escalate, some as replies."""
        rng = self.rng
        person = make_person(rng)
        first_day = rng.randint(1, max(1, self.sc.period.days - 14))
        first = self.complaint(person, when_in_period(rng, self.sc, person, day_lo=first_day, day_hi=first_day))
        first.message_id = message_id(rng, person.domain, person.msgid_style, first.when)
        first.kind = "complaint/repeat"
        yield first
        prev = first
        for i in range(rng.choice((1, 1, 2))):
            day = min(self.sc.period.days, (prev.when - self.sc.period.start).days + 1 + rng.randint(3, 9))
            when = when_in_period(rng, self.sc, person, day_lo=day, day_hi=day)
            if when <= prev.when:
                when = prev.when + timedelta(days=3, hours=rng.randrange(1, 9))
            ordinal = ("second", "third")[i]
            lead = rng.choice(
                (
                    f"This is my {ordinal} e-mail about this and I still have no answer.",
                    f"I wrote to you on {prev.when:%B} {prev.when.day}. Nobody has replied.",
                    f"Following up. It has been {(when - prev.when).days} days and nothing has changed.",
                    "Still waiting. Does anyone read these?",
                )
            )
            d = details(rng, self.sc, person, when)
            body_parts = [
                lead,
                fill(self.deck.draw(bc.ATTEMPTS), d) or "Nothing has been fixed.",
                fill(self.deck.draw(bc.ASKS), d),
            ]
            if i == 1:
                body_parts.insert(2, fill(rng.choice(bc.THREATS["regulator"] + bc.THREATS["churn"]), d))
            body = join_parts([*body_parts, person.first])
            as_reply = rng.random() < 0.6
            if as_reply:
                body += "\n\n" + quote(prev)
            subject = f"Re: {prev.subject}" if as_reply else f"{prev.subject} - {ordinal} request"
            draft = Draft("complaint/repeat", "complaint", prev.topic, person, when, subject, body, {"escalation"})
            draft.message_id = message_id(rng, person.domain, person.msgid_style, when)
            if as_reply:
                draft.in_reply_to = prev.message_id
                draft.references = [*prev.references, prev.message_id] if prev.message_id else []
            yield draft
            prev = draft

    def abusive(self) -> Draft:
        person = make_person(self.rng)
        when = when_in_period(self.rng, self.sc, person)
        d = details(self.rng, self.sc, person, when)
        subject, body = bo.ABUSIVE
        return Draft(
            "abusive",
            "complaint",
            "service",
            person,
            when,
            subject,
            fill(body, d),
            {"abusive"},
            fmt="plain",
            voice=False,
        )

    # -- everyone else -----------------------------------------------------------------------------
