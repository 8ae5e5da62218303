"""Everyone in the mailbox who is not a customer writing in English: press, a law firm,
investors, job seekers, vendors, spam, and customers writing in Spanish, German or French.
"""

from __future__ import annotations

from execdesk.demo import bank_other as bo
from execdesk.demo.compose import pdf_bytes
from execdesk.demo.details import details
from execdesk.demo.draft import NEUTRAL_CLOSINGS, Draft, Writer, fill, join_parts, when_in_period
from execdesk.demo.people import Person, make_person


class OtherMail(Writer):
    """Whole texts from bank_other, each used once a month, with drawn details."""

    def press(self, n: int) -> Draft:
        rng = self.rng
        outlet, domain, title, subject, text = bo.PRESS[n % len(bo.PRESS)]
        person = make_person(rng, domain=domain, work=True)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        sig = f"{person.name}\n{title}, {outlet}\n{d['phone']}"
        greeting = rng.choice(("Hello,", "Good afternoon,", f"Dear Mr. {d['exec_last']},"))
        body = join_parts([greeting, fill(text, d), rng.choice(("Thank you,", "Best,", "Many thanks,")), sig])
        return Draft("press", "media_inquiry", "other", person, when, fill(subject, d), body, {"media"}, voice=False)

    def legal(self) -> Draft:
        rng = self.rng
        _firm, domain, lawyer, subject, text = bo.LEGAL
        person = make_person(rng, first=lawyer.split()[0], last=lawyer.split()[1], domain=domain, work=True)
        when = when_in_period(rng, self.sc, person, day_lo=8, day_hi=16)
        d = details(rng, self.sc, person, when)
        client = make_person(rng)
        d.update(client=client.name, file_no=str(rng.randrange(10000, 99999)), lawyer=lawyer)
        body = fill(text, d)
        pdf = pdf_bytes([line for line in body.splitlines() if line.strip()][:40])
        draft = Draft(
            "legal",
            "legal_notice",
            "account",
            person,
            when,
            fill(subject, d),
            body,
            {"legal_threat", "urgent"},
            fmt="alternative",
            voice=False,
        )
        draft.attachments.append(("Notice_of_Claim.pdf", "application/pdf", pdf))
        return draft

    def investor(self, n: int) -> Draft:
        rng = self.rng
        person = make_person(rng)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        subject, text = bo.INVESTOR[n % len(bo.INVESTOR)]
        body = self._frame([fill(text, d)], person, d, formal=True, closings=NEUTRAL_CLOSINGS)
        return Draft("investor", "investor", "conduct", person, when, subject, body)

    def job_seeker(self, n: int) -> Draft:
        rng = self.rng
        person = make_person(rng)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        subject, text = bo.JOBS[n % len(bo.JOBS)]
        parts = [fill(text, d), "Thank you for your time and consideration."]
        body = self._frame(parts, person, d, formal=True, closings=NEUTRAL_CLOSINGS)
        draft = Draft("job_seeker", "job_seeker", "other", person, when, subject, body)
        if n % 2 == 0:
            cv = pdf_bytes([person.name, person.place, d["phone"], "", "Experience", "Education", "Skills"])
            draft.attachments.append((f"{person.last}_{person.first}_CV.pdf", "application/pdf", cv))
        return draft

    def solicitation(self, n: int) -> Draft:
        rng = self.rng
        company, domain, subject, text = bo.SALES[n % len(bo.SALES)]
        person = make_person(rng, domain=domain, work=True)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        body = join_parts([fill(text, d), f"{person.name}\n{company}"])
        headers = [("List-Unsubscribe", f"<https://{domain}/unsubscribe>")] if n % 3 == 0 else []
        return Draft(
            "solicitation",
            "solicitation",
            "other",
            person,
            when,
            subject,
            body,
            headers=headers,
            fmt=rng.choice(("html", "alternative")),
            voice=False,
        )

    def spam(self, n: int) -> Draft:
        rng = self.rng
        subject, addr, text = bo.SPAM[n % len(bo.SPAM)]
        local, domain = addr.split("@")
        person = Person(
            local.split(".")[0].capitalize(),
            "",
            addr,
            "",
            "",
            rng.choice(("+00:00", "+01:00", "-07:00", "+08:00")),
            None,
            3,
        )
        when = when_in_period(rng, self.sc, person)
        headers = [("Precedence", "bulk")] if n % 2 == 0 else []
        if "Unsubscribe" in text:
            headers.append(("List-Unsubscribe", f"<https://{domain}/unsub>"))
        subject = subject.replace("{domain}", self.sc.company.domain)
        return Draft(
            "spam",
            "spam",
            "other",
            person,
            when,
            subject,
            text,
            headers=headers,
            fmt=rng.choice(("html", "alternative", "plain")),
            voice=False,
        )

    def foreign(self, n: int) -> Draft:
        rng = self.rng
        lang, subject, text, *_ = (*bo.FOREIGN[n % len(bo.FOREIGN)],)
        first, last = rng.choice(bo.FOREIGN_NAMES[lang])
        person = make_person(rng, first=first, last=last)
        when = when_in_period(rng, self.sc, person)
        d = details(rng, self.sc, person, when)
        d["month_es"] = bo.MONTHS_ES.get(d["month1"], d["month1"])
        body = fill(text, d) + f"\n{person.name}"
        intent = "praise" if subject in ("Felicitaciones a su empleada", "Merci") else "complaint"
        topic = {"es": "billing", "de": "billing", "fr": "billing"}[lang]
        if "señal" in subject or "Couverture" in subject:
            topic = "service"
        elif "Kundendienst" in subject:
            topic = "account"
        elif intent == "praise":
            topic = "support"
        return Draft(f"foreign/{lang}", intent, topic, person, when, fill(subject, d), body, voice=False)
