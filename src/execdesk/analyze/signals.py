# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""Signal detectors: each rule reports what it saw (strength 0..1 + evidence span), nothing more.

A rule is a pattern over a *verb/object core* ("sue", "legal action", "cancel ... account")
plus scope checks written once for all rules: who speaks (a first-person subject in the
sentence, so lawsuits by others do not fire), negation in the clause before the core ("I am
not going to sue"; "not hesitate to sue" still fires), and quoting (quoted lines, forwarded
mail and text in double quotes are masked). What a hit is worth is decided by the policy in
the configuration (priority.py), not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from execdesk.analyze.model import Evidence, SignalHit
from execdesk.analyze.scan import FastPattern, Scan, register
from execdesk.analyze.text import FIRST_PERSON, SECOND_PERSON, TextView, is_negated

W = r"(?:[\w'’-]+[^\S\n]+)"  # one word and its space, for bounded gaps: W{0,3}


@dataclass(frozen=True, slots=True)
class Rule:
    """One named detector.

    ``person``: "first" (I/we/my... in the sentence), "second" (you/your in the clause before
    the core), "first_or_this" (first person, or "this letter/e-mail"), or None.
    ``negatable``: a negator in the clause before the core cancels the hit.
    ``unless``: a pattern in the sentence that cancels the hit (e.g. support for the company).
    ``word_may_be_a_name``: the core word is also a first name ("Sue"): written Title-case inside a
    sentence (a greeting, a sign-off, a list of names) it is the name, not the verb.
    ``condition_cancels``: a hit inside an if/unless clause is a hypothesis ("If I have not heard back by
    Friday, I'll assume it's fine"), not a report.
    ``requires``: a pattern that matches inside every match of ``pattern`` (a part every alternative of it
    ends with, decision 0215): where it matches nowhere in the text, ``run_rules`` skips the rule without
    trying its candidates. It only saves time; it must never change what the rule finds (tested).
    ``needs``: the opposite of ``unless``: a pattern that must be found around the match for the hit to
    count, in the scope ``needs_in`` names: "sentence", "clause" (the clause up to and including the
    match) or "near" (``NEAR_CHARS`` either side, inside the sentence). Decision 0223: a count of
    times is an escalation only beside a contact ("called you three times", not "met four times").
    """

    name: str
    signal: str
    pattern: re.Pattern[str]
    strength: float
    person: str | None = "first"
    negatable: bool = True
    unless: re.Pattern[str] | None = None
    word_may_be_a_name: bool = False
    condition_cancels: bool = False
    requires: re.Pattern[str] | None = None
    needs: re.Pattern[str] | None = None
    needs_in: str = "sentence"


NEAR_CHARS = 40  # Rule.needs_in == "near": this many characters either side of the match


def _r(
    name: str,
    signal: str,
    pattern: str,
    strength: float,
    person: str | None = "first",
    negatable: bool = True,
    unless: str | None = None,
    word_may_be_a_name: bool = False,
    condition_cancels: bool = False,
    requires: str | None = None,
    needs: str | None = None,
    needs_in: str = "sentence",
) -> Rule:
    pattern = pattern.replace(r"\s", r"[^\S\n]")  # a rule never spans lines (subject/body, list items)
    if requires is not None:
        requires = requires.replace(r"\s", r"[^\S\n]")
    return Rule(
        name,
        signal,
        re.compile(pattern, re.I),
        strength,
        person,
        negatable,
        re.compile(unless, re.I) if unless else None,
        word_may_be_a_name,
        condition_cancels,
        re.compile(requires, re.I) if requires is not None else None,
        re.compile(needs, re.I) if needs is not None else None,
        needs_in,
    )


_LEGAL_OBJ = (
    r"(?:legal|court|judicial)\s+(?:action|proceedings?|steps|remedies|recourse|measures|route|options?|claims?)"
)
_LAWYER = r"(?:attorney|lawyer|legal counsel|counsel|solicitor|law firm|legal team|legal advi[cs]e)s?"
_LAWYER_ONE = r"(?:attorney|lawyer|solicitor)(?!s)"  # "our lawyer" (a family's, a small firm's), not "our lawyers"
_BODIES = (
    r"(?:FCC|FTC|CFPB|BBB|Better Business Bureau|SEC|Securities and Exchange Commission|Federal Trade Commission"
    r"|Federal Communications Commission|Consumer Financial Protection Bureau|attorneys?[- ]general|AG'?s? office"
    r"|ombuds(?:man|person|men)|public (?:utility|utilities|service) commission|PUC|FERC|regulators?|regulatory"
    r" (?:body|authority|agency)|congress(?:man|woman|ional)?|(?:my |our |the )?(?:state |us |u\.s\. )?senators?"
    r"|(?:my |our )(?:state )?(?:representative|rep|MP|assemblyman|council(?:man|woman|or))|department of (?:labor|justice)"
    r"|DOL|DOJ|consumer (?:protection|affairs) (?:agency|office|bureau|department)|trading standards|ofcom|ofgem|FCA"
    r"|state insurance (?:commissioner|department)|labor board|NLRB|EEOC|OSHA)"
)
_OFFICIAL_SENDER = (
    r"(?:Congress of the United States|House of Representatives|United States Senate|U\.S\. Senate"
    r"|(?:House|Senate) Committee on|Subcommittee on|Committee on (?:Energy|Government|Commerce|Finance|Banking|Governmental)"
    r"|Office of the Attorney General"
    r"|letter from (?:Rep\.|Representative|Senator|Sen\.|Congressman|Congresswoman|Chairman|the Committee|the SEC|the Attorney))"
)
# "public" as a place ("make it public", "to the public"), not an adjective before its noun ("public utilities")
_PUBLIC_NOUN = (
    r"public(?!\s+(?!(?:and|or|about|with|if|unless|as|so|now|soon|today|tomorrow|too|again|before|after|because|but"
    r"|then|immediately|when|until|in|on|at|by|for|via|through|myself|ourselves)\b)[a-z])"
)
_PUBLIC_PLACE = (
    r"(?:online|on(?:to)? (?:the )?(?:internet|web|net|facebook|twitter|instagram|youtube|reddit|tiktok|linkedin|social media"
    r"|(?:my|a) blog|every (?:forum|site|platform)|review sites?|yelp|trustpilot)|to (?:the )?(?:press|media|newspapers?|news(?: outlets| media)?"
    rf"|papers|reporters?|journalists?|tv|television|{_PUBLIC_NOUN}|local news)|publicly|{_PUBLIC_NOUN}|viral)"
)
_MEDIA_ROLE = (
    r"(?:reporter|journalist|correspondent|columnist|editor|producer|writer|blogger|anchor|news ?caster|stringer)"
)
_MEDIA_WORK = r"(?:story|article|piece|feature|profile|report|book|column|segment|documentary|program|programme|series|broadcast|newsletter)"
_ACCOUNTISH = r"(?:account|service|contract|subscription|membership|plan|policy|order|line|relationship|business|card|loan|broadband|package)s?"
_CONSUMER_ACCOUNT = r"(?:account|service|subscription|membership|plan|policy|card|broadband|package|line)s?"
_HEALTH = (
    r"(?:cancer|chemo\w*|tumou?r|leukemia|stroke|heart (?:attack|condition|disease|surgery)|diabet\w*|epilep\w*|disabilit\w*"
    r"|disabled|handicap\w*|wheelchair|blind|deaf|dialysis|terminal(?:ly)? ill|illness|ill health|diseases?|diesease|surgery"
    # a stay in hospital, not hospitals as institutions or customers ("the hospitals HP controls")
    r"|hospitali[sz]\w*|hospital(?!\s+(?:industry|sector|systems?|chains?|groups?|clients?|customers?|market|accounts?|deals?|contracts?|compan\w+|business))"
    r"|medical (?:condition|bills|treatment|care|benefits|coverage)|medication|sick leave|depress\w*|anxiety"
    r"|mental health|dementia|alzheimer\w*|pregnan\w*"
    r"|(?:work related |severe |immense |extreme |enormous |tremendous |unbearable |constant |under (?:a lot of |great )?)stress"
    r"|chronic(?:ally)?)"
)
_LOSS_OBJ = (
    r"(?:(?:life'?s? )?savings|retirement|401\s?\(?k\)?|pension|nest egg|everything|(?:my |our )?(?:home|house)|income"
    r"|college fund|school money|\$\s?\d[\d,.]*|[\d,.]+ (?:dollars|k)\b|all (?:of )?(?:my|our) money|fortune|wealth|investments?"
    r"|life|future|security)"
)
_CONTACT_WORDS = (
    r"\b(?:call\w*|phon\w*|rang|ring\w*|e-?mail\w*|writ\w*|wrote|letters?|contact\w*|ask\w*|told|tell\w*|complain\w*|report\w*"
    r"|tweet\w*|messag\w*|dms?|chat\w*|reach\w*|tried|tries|try\w*|attempt\w*|request\w*|spoke|speak\w*|talk\w*|visit\w*"
    r"|explain\w*|follow\w* up|sent|send\w*|transfer\w*|been (?:in|to|back)|went (?:in|to|back)|gone (?:in|to|back))\b"
)
# replies owed to a circular sent round (a memo, a survey, an invitation) are office work, not a failed contact
_CIRCULAR_REPLY = (
    r"\b(?:respond\w*|repl\w*|answer\w*|return\w*)\s+(?:to\s+)?(?:this|the|my|our|that)\s+(?:\w+\s+)?"
    r"(?:memo|memorandum|survey|questionnaire|poll|invitation|invite|rsvp|announcement|circular|bulletin|form)s?\b"
)
# contacts the sender received ("we have had many calls", "received several requests from the field")
_INCOMING = (
    r"\b(?:receiv\w*|fielded|had|have had|get|got|getting|gotten|taken)\s+(?:so\s+|very\s+|a\s+)?"
    r"(?:second|third|several|multiple|numerous|many|countless|repeated|lots of|a lot of)\s+(?:\w+\s+)?"
    r"(?:calls|e-?mails|letters|messages|requests|inquiries|enquiries|complaints|queries)\b"
)
# the company's own contact channels and staff, as customers name them (decision 0232)
_STAFF = (
    r"(?:staff|agents?|reps?|representatives?|advis[eo]rs?|operators?|support|customer (?:service|support|care)"
    r"|call cent(?:er|re)|helpline|help desk|service desk|(?:live |web ?)chat)"
)
# the company or its staff as the one reached: "contacting you", "calling customer service", "the store"
_COMPANY_REACHED = (
    rf"(?:you|u|ya|y['’]?all|your|the (?:store|shop|branch|company|{_STAFF}|support team|head office)|{_STAFF})"
)
# the staff a customer met, counted: "4 different people", "three agents" (escalation.many_staff)
_STAFF_MET = (
    r"(?:different\s+(?:people|persons|agents|reps|representatives|advis[eo]rs|employees|departments|numbers)"
    r"|agents|reps|representatives|advis[eo]rs|customer service (?:reps|agents|representatives))"
)
_INSULT = (
    r"(?:idiots?|morons?|imbeciles?|stupid|dumb|crooks?|crooked|thie(?:f|ves)|liars?|lying|criminals?|scum\w*|sleaz\w*"
    r"|scoundrels?|pigs?|swine|vermin|parasites?|clowns?|incompetent|losers?|jerks?|hypocrites?|frauds?|cheats?|snakes?"
    r"|weasels?|vultures?|gangsters?|crooks|evil|disgusting|pathetic|shameless|sick|greedy|bastards?|assholes?|trash|garbage"
    r"|useless|worthless|a joke|disgrace\w*)"
)

RULES: tuple[Rule, ...] = (
    # legal_threat: the sender's own legal action
    _r("legal_threat.sue", "legal_threat", r"\b(?:sue|suing|sued)\b", 0.9, person="subject", word_may_be_a_name=True),
    _r(
        "legal_threat.legal_action",
        "legal_threat",
        rf"\b(?:take|taking|took|bring|pursue|pursuing|initiate|commence|seek|seeking|start|starting|consider(?:ing)?|explor\w+|begin|begun)\s+{W}{{0,3}}{_LEGAL_OBJ}",
        0.85,
        person="subject",
    ),
    _r(
        "legal_threat.legal_action_passive",
        "legal_threat",
        rf"\b{_LEGAL_OBJ}\s+(?:will|shall|is going to|may)\s+be\s+(?:taken|pursued|initiated|commenced)|\bresult in {_LEGAL_OBJ}",
        0.8,
        person=None,
    ),
    _r(
        "legal_threat.file_suit",
        "legal_threat",
        r"\b(?:file|filing|filed|join|joining|joined|bring|start|part of|sign(?:ed)? up for)\s+"
        + W
        + r"{0,3}(?:law\s?suits?|suit|class[- ]action|legal claim|claim in court|small claims)",
        0.85,
        person="subject",
    ),
    _r(
        "legal_threat.lawyer",
        "legal_threat",
        # "our lawyers/attorneys" with no verb of bringing them in is a company's own legal department
        rf"\b(?:my\s+{W}{{0,1}}{_LAWYER}|our\s+{W}{{0,1}}{_LAWYER_ONE}|(?:contact\w*|consult\w*|retain\w*|hir\w+|engag\w+|call\w*|speak\w* (?:to|with)|talk\w* (?:to|with)|get|got|getting|see|seeing|involve\w*)\s+(?:an?|my|our|the)?\s*{W}{{0,1}}{_LAWYER})\b",
        0.8,
    ),
    _r(
        "legal_threat.court_claim",
        "legal_threat",
        r"\b(?:(?:file|filing|filed|submit\w*|send\w*|sent)\s+(?:a |my |our |the )?proofs? of claim|petition\w*\s+the\s+(?:bankruptcy\s+)?court"
        r"|(?:participat\w*|take part|join\w*)\s+in\s+(?:the\s+)?(?:bankruptcy|legal|court)\s+proceedings|claim against (?:you|enron|the company|your company)"
        r"|(?:my|our)\s+(?:\w+\s+){0,3}?(?:claims?|lawsuits?|suits?)\s+(?:to|in|before|against)\s+(?:the\s+)?(?:\w+\s+)?(?:court|judge))\b",
        0.8,
    ),
    _r(
        "legal_threat.see_you_in_court", "legal_threat", r"\b(?:see|meet)\s+(?:you|u)\s+in\s+court\b", 0.95, person=None
    ),
    _r(
        "legal_threat.take_to_court",
        "legal_threat",
        r"\btake\s+(?:you|u|them|this|it|the company|\w+)\s+to\s+court\b",
        0.9,
        person="subject",
    ),
    # regulator: complained to an official body, or the sender is one
    _r(
        "regulator.complained",
        "regulator",
        # verb forms only: "information", "notification", "writer" name no act of the sender's
        r"\b(?:complain(?:s|ed|ing|ts?)?|report(?:s|ed|ing)?|fil(?:e|ed|ing)|lodg\w*|writ(?:e|es|ing|ten)|wrote|contact(?:s|ed|ing)?"
        r"|forward(?:s|ed|ing)?|send|sent|escalat\w*|notif(?:y|ied|ies|ying)|inform(?:s|ed|ing)?|alert(?:s|ed|ing)?|call(?:s|ed|ing)?"
        r"|go(?:ing)? to|went to|cc'?d?|copy(?:ing)?|copied|get(?:ting)? in touch with)\b"
        rf"[^.!?\n]{{0,60}}?\b{_BODIES}\b",
        0.85,
        # a regulated company's own filings and reports to its regulator are business, not a complaint
        unless=r"\b(?:support\w*|on your behalf|in (?:your )?defen[cs]e|to defend|thank\w*|testify\w*|testimony|8-K|10-K|10-Q"
        r"|on file with|form \w+ filing|\bform with|hart-scott|HSR|pray\w*"
        r"|comments|briefs?|tariffs?|applications?|motions?|protests?|rehearing|rate case|interventions?|disclosures?"
        r"|prospectus|registration statement|filings)\b",
        person="subject",
        requires=rf"\b{_BODIES}\b",  # every match ends with the body's name
    ),
    # an official body writing formally is a legal notice by LABELS.md's definition (strength decides the intent)
    _r(
        "regulator.official_sender",
        "regulator",
        rf"\b{_OFFICIAL_SENDER}",
        0.85,
        person=None,
        negatable=False,
        # someone relays the body's letter or subpoena: the body is not the one writing (decision 0223)
        unless=r"\b(?:asked me to (?:send|forward|pass|circulate)|(?:you|we|they|each of you|all of you) (?:have |has |had |may have )?(?:recently )?received)\b",
    ),
    # going_public: will publish / has published
    _r(
        "going_public.publish",
        "going_public",
        r"\b(?:post\w*|publish\w*|shar(?:e|ed|ing)|tweet\w*|blog\w*|upload\w*|put(?:ting)?|broadcast\w*|releas\w*|leak\w*"
        rf"|tell\w*|told|send|sending|sent|forward\w*|tak\w+ (?:this|it)|spread\w*|mak\w+ (?:this|it))\b[^.!?\n]{{0,50}}?\b{_PUBLIC_PLACE}\b"
        r"|\bgo(?:ing)? public with\b",
        0.85,
        person="subject",
    ),
    _r(
        "going_public.world_will_know",
        "going_public",
        r"\b(?:the (?:whole )?world|everyone|everybody|the public|all my (?:friends|followers|contacts)|the media|people)\s+"
        r"(?:will|is going to|are going to|shall|needs? to|should|deserves? to)\s+(?:\w+\s+)?(?:know|hear|see|find out|learn)\b"
        # what they will learn: this matter or the company's conduct ("about this", "how you treat..."), or nothing
        # more ("The world will know."); "everyone should see the new schedule" is an office instruction
        r"(?=\s*(?:[.!?;:]|$)|\s+(?:about|of)\s+(?:this|it|that|you|your|what|how|the (?:truth|way))\b"
        r"|\s+(?:what|how)\s+(?:you|your|this|they|the company)\b|\s+the truth\b|\s+(?:it|this)\s*(?:[.!?;:,]|$))",
        0.85,
        person=None,
    ),
    _r(
        "going_public.contact_press",
        "going_public",
        r"\b(?:contact\w*|call\w*|alert\w*|writ\w* to|wrote to|e-?mail\w* to|tip\w* off|go(?:ing)? to|went to|talk\w* to|speak\w* to)"
        r"\s+(?:the |a |my |local |every )?(?:press|media|news(?:papers?)?|reporters?|journalists?|tv stations?|consumer (?:show|programme|program)s?|watchdogs?)\b",
        0.85,
        person="subject",
    ),
    # media: the sender is a journalist
    _r(
        "media.role",
        "media",
        rf"\b(?:I am|I'm|I’m|as|I work as|I write as|my name is \w+ \w+,?)\s+(?:an?\s+|the\s+)?{W}{{0,3}}{_MEDIA_ROLE}\b",
        0.9,
        person=None,
    ),
    _r(
        "media.writing_story",
        "media",
        rf"\b(?:I am|I'm|I’m|we are|we're|am|are)\s+(?:currently\s+|now\s+)?(?:writing|working on|preparing|doing|researching|producing|reporting)"
        rf"\s+(?:an?|the|this|our|my)\s+{W}{{0,3}}{_MEDIA_WORK}\b",
        0.9,
        person=None,
    ),
    _r(
        "media.interview",
        "media",
        r"\b(?:request(?:ing)?|like to (?:request|schedule|arrange|do|conduct|set up|have)|interested in|seeking|set up|schedule|invite you (?:for|to))"
        r"\s+(?:an?\s+|the\s+)?" + W + r"{0,2}interviews?\b|\b(?:to|would like to) interview (?:you|mr\.?|him|her)\b",
        0.85,
        person=None,
    ),
    _r(
        "media.publishing",
        "media",
        r"\b(?:we|I)\s+(?:will|are going to|plan to|would like to)\s+(?:be\s+)?(?:publish\w*|run\w*|air\w*|broadcast\w*)\b[^.!?\n]{0,60}"
        r"\b(?:\w+\.com|magazine|newspaper|paper|issue|edition|show|program|site|website|column)\b",
        0.85,
        person=None,
    ),
    _r(
        "media.audience",
        "media",
        r"\b(?:our|my) (?:readers|viewers|listeners|audience|subscribers)\b|\bon the record\b|\bfor (?:a|our|my) (?:story|article|piece|segment)\b"
        r"|\b(?:my|our) deadline\b",
        0.7,
        person=None,
    ),
    # churn: will leave / has left
    _r(
        "churn.cancel",
        "churn",
        # the sender's own account ("cancel my subscription", "cancel the service"); a contract or deal spoken of
        # impersonally ("terminate the supply contract") is business (decision 0223)
        rf"\b(?:cancel\w*|terminat\w*|clos(?:e|ed|ing)|discontinu\w*|drop(?:ped|ping)?|end(?:ed|ing)?|quit(?:ting)?|get(?:ting)? rid of)\s+(?:my|our)\s+{W}{{0,2}}{_ACCOUNTISH}\b"
        rf"|\b(?:cancel\w*|discontinu\w*)\s+(?:the|this)\s+{W}{{0,2}}{_CONSUMER_ACCOUNT}\b",
        0.85,
        person="subject",
        requires=rf"\b{_ACCOUNTISH}\b",  # every alternative ends with an account-like word
    ),
    _r(
        "churn.closed",
        "churn",
        rf"\b{_ACCOUNTISH}\s+(?:\w+\s+){{0,2}}?(?:closed|cancel+ed|terminated|disconnected)\b",
        0.85,
        person="subject",
        # "my account was closed", not "the contract was terminated" (business spoken of impersonally)
        needs=r"\b(?:my|our)\b",
        needs_in="clause",
        requires=r"\b(?:closed|cancel+ed|terminated|disconnected)\b",
    ),
    _r(
        "churn.will_cancel",
        "churn",
        r"\b(?:I|we)\b(?:'ll|'m| will| am| are| have| want to| need to| plan to| going to)?"
        r"[^.!?\n]{0,25}?\b(?:cancel(?:l?ing|l?ed)?|disconnect(?:ing|ed)?)\b(?!\s+(?:the|our|this|a|an|that|my)\s+(?:\S+\s+){0,2}?"
        r"(?:party|meeting|event|trip|call|conference|dinner|visit|order|deal|transaction|trade|project|purchase|sale|booking|flight|reservation|ride|taxi|appointment)s?\b)"
        # the same without a determiner ("trying to cancel award booking") (decision 0232)
        r"(?!\s+(?:\S+\s+)?(?:party|meeting|event|trip|order|booking|flight|reservation|ride|taxi|appointment)s?\b)",
        0.85,
        person="subject",
        # "we think the deal will be cancelled", "we were disconnected": something else is cancelled, not by the sender;
        # "If I cancel I pay $5" asks about the terms of leaving, it does not announce it (decision 0232)
        unless=r"\b(?:be|been|being|is|was|were|get|got)\s+(?:cancel\w*|disconnect\w*)|\bif\s+(?:I|we)\s+(?:\w+\s+)?(?:cancel|disconnect)\w*\b",
        requires=r"\b(?:cancel(?:l?ing|l?ed)?|disconnect(?:ing|ed)?)\b",
    ),
    _r(
        "churn.switch",
        "churn",
        r"\b(?:switch(?:ing|ed)? (?:from|away|over|provider|carrier|network|to (?:another|a different|a new))|port(?:ed|ing)? (?:my|our) (?:number|line)s?|tak\w+ (?:my|our) (?:business|money|custom)|mov\w+ (?:my|our) (?:business|money|account|accounts|service))\b"
        r"|\b(?:find\w*|look\w* (?:around )?for|shop\w* (?:around )?for|consider\w* (?:getting|switching to)|go(?:ing)? with|try\w*|use|using|join\w*)\s+(?:an?\s+)?(?:another|different|new|other)\s+"
        r"(?:\w+\s+){0,3}?(?:provider|carrier|company|bank|airline|service|supplier|network|isp|brand)s?\b"
        # "go another brand", "buy a different brand" (advice or plan to leave); "considering getting a new kind
        # of phone" (another make of what the company sold) (decision 0232)
        r"|\b(?:go|going|went|buy\w*|bought|get|getting|pick\w*|choos\w*|chose)\s+(?:with\s+|for\s+|to\s+)?(?:an?\s+)?(?:another|different|other)\s+"
        r"(?:\w+\s+){0,2}?(?:provider|carrier|bank|airline|network|isp|brand)s?\b"
        r"|\bconsider\w*\s+(?:getting|buying|switching to|going with|moving to)\s+(?:an?\s+)?(?:another|different|new|other)\s+(?:kind|type|make|brand)\s+of\b"
        r"|\bswitch(?:ing|ed)?\s+(?:over\s+)?to\s+@\w+",
        0.8,
        person=None,
    ),
    _r(
        "churn.never_again",
        "churn",
        r"\b(?:never|won't ever|will not ever|not ever)\s+(?:\w+\s+){0,2}?(?:buy\w*|order\w*|fly\w*|us(?:e|ing)|shop\w*|bank\w*|invest\w*|do(?:ing)? business|recommend\w*|com(?:e|ing) back|go(?:ing)? back|return\w*|stay\w*|eat\w*)\b"
        r"[^.!?\n]{0,40}?\b(?:again|ever|anymore|any more|from|with)\b|\b(?:not|never)\s+(?:going|coming)\s+back\b|\bstop being (?:a|your) customer\b"
        r"|\b(?:lost|losing) (?:my|our|a|\d+|two|three|another) (?:\w+ )?(?:business|custom|customers?)\b"
        # "I don't want to be a customer anymore" (decision 0232)
        r"|\b(?:don['’]t|do not|no longer)\s+(?:want to\s+)?(?:be\s+)?(?:a|your)\s+customer(?:\s+(?:of (?:yours|you|@\w+)|anymore|any more|again))?(?=\s*(?:[.!?,;]|$))",
        0.8,
        person=None,
        negatable=False,
    ),
    # the sender commits to a competitor ("@brand only from now on"); a tweet names brands by handle (decision 0232)
    _r(
        "churn.from_now_on",
        "churn",
        r"\b(?:only|exclusively)\s+from\s+now\s+on\b",
        0.75,
        person=None,
        needs=r"@\w+\s+(?:only|exclusively)\s+from\s+now\s+on$",
        needs_in="clause",
    ),
    # leaving the addressed company by its handle ("I want to ... leave @brand"), said as an intention
    _r(
        "churn.leave_handle",
        "churn",
        r"\b(?:leave|leaving|ditch\w*|dump\w*|drop(?:ping)?)\s+@\w+",
        0.75,
        person=None,  # "Time to leave @brand": the sender's, with no pronoun
        needs=r"\b(?:want\w*|going|gonna|will|['’]ll|plan\w*|time|decided|about|ready|need|should|thinking (?:of|about))\b",
        needs_in="clause",
    ),
    # buying from someone else: "I usually shop elsewhere", "we will take our business elsewhere" (decision 0232)
    _r(
        "churn.elsewhere",
        "churn",
        r"\b(?:shop\w*|buy\w*|bought|order\w*|fly\w*|flew|bank\w*|eat\w*|tak\w+ (?:my|our) (?:business|money|custom))\s+elsewhere\b",
        0.75,
    ),
    # a competitor addressed: "you just gained a customer"
    _r(
        "churn.gained_customer",
        "churn",
        r"\b(?:you(?:['’]ve)?|u|y['’]?all)\s+(?:just\s+|have\s+just\s+|now\s+)?(?:gained|won|earned|got)\s+(?:yourselfs?\s+|yourselves\s+)?"
        r"(?:a|another|one more)\s+(?:new\s+|loyal\s+)?customer\b",
        0.75,
        person=None,
    ),
    # tweets' own churn markers: "#DeleteUber", "#boycottX", "#goodbyeX"
    _r(
        "churn.hashtag",
        "churn",
        r"#(?:delete(?!d\b)|boycott|ditch|goodbye|byebye)\w*",
        0.7,
        person=None,
        negatable=False,
    ),
    # the loyalty or bank card destroyed ("time to cut up my card"); "shred the old badge cards" is office cleaning
    _r(
        "churn.cut_card",
        "churn",
        rf"\b(?:cut(?:ting)?\s+up|shred\w*)\s+(?:my|our)\s+{W}{{0,2}}(?:card|membership)s?\b",
        0.75,
        person=None,
    ),
    _r(
        "churn.stopped_buying",
        "churn",
        r"\b(?:stopped|quit)\s+(?:buying|ordering|using|shopping|flying|banking)\b",
        0.75,
    ),
    _r(
        "churn.sell_shares",
        "churn",
        r"\b(?:sold|sell|selling|dump\w*|unload\w*|liquidat\w*|cash\w* out|get\w* rid of)\s+"
        + W
        + r"{0,4}?(?:shares?|stocks?|stake|holdings?|position|options)\b"
        r"|\b(?:stay or (?:bail|get) out|bail(?:ing)? out|pull(?:ing)? (?:my|our) money out)\b",
        0.8,
        person="subject",
    ),
    _r(
        "churn.leave_job",
        "churn",
        r"\b(?:resign(?:ed|ing)?|hand(?:ed|ing)? in my (?:notice|resignation)|(?:accept\w*|tak\w+|took)\s+(?:an?\s+|that\s+|the\s+|another\s+)?"
        + W
        + r"{0,2}(?:offer|position|job)\s+(?:with|at|from|elsewhere)"
        r"|(?:instinct|plan\w*|decided|decision|intend|going|want|time)\s+to\s+(?:leave|move on|quit)(?!\s+(?:me|us|a|an|it|this|that|the|your|him|her|them|word|messages?)\b)|look\w* for (?:another|a new|other) (?:job|employment|position|company))\b",
        0.8,
    ),
    _r(
        "churn.done_with",
        "churn",
        r"\b(?:I'm|I’m|I am|we are|we're)\s+(?:\w+\s+)?(?:done with|leaving|through with)\s+(?:you|your|this company|\w+\b)|\b(?:ex|former)-?\s?customer\b"
        r"|\b(?:I'm|I’m|I am|we're|we are)\s+(?:so\s+|just\s+)?done\s*(?:[.!]|$)",
        0.7,
    ),
    # escalation: wants someone senior, or earlier contacts failed
    _r(
        "escalation.senior",
        "escalation",
        r"\b(?:speak\w*|talk\w*|get through|escalat\w*|refer\w*|pass(?:ed)? (?:this|it|me|my \w+)(?: on| along)?|put me through|connect me)\s+(?:\w+\s+){0,3}?(?:to|with)\s+(?:a |an |the |your |someone |somebody |anyone )?(?:\w+\s+)?"
        r"(?:supervisor|manager|management|senior|superior|someone in charge|person in charge|higher up|executive|ceo|president|head of|director|owner)\b"
        r"|\b(?:get in touch|get in contact|reach|speak|talk)\s+(?:with\s+|to\s+)?(?:someone|somebody|anyone)\s+"
        r"(?:higher|more senior|above (?:them|him|her)|(?:that|who) (?:matters|can actually help|is in charge))\b",
        0.85,
        person=None,
        # the sender asks for it ("I want to speak to", "please escalate", "how can I reach") or their own case is
        # what goes up ("escalate my complaint", "put me through"); "I talked with the president of X" and "we will
        # escalate the issue to the desk head" are office work (decision 0223)
        needs=r"\b(?:want\w*|wish\w*|would like|'d like|like to|need\w*|demand\w*|ask\w*|insist\w*|request\w*|let me|let us"
        r"|(?:can|could|may|shall) (?:I|we|you|u|someone|somebody)|please|pls|how (?:do|can|could|would) (?:I|we)|trying|tried|try"
        r"|refus\w*|allowed|able)\b|\b(?:escalat\w*|refer\w*|pass\w*|transfer\w*|put|connect|send|sent)\s+(?:me|us|my|our)\b",
        needs_in="clause",
    ),
    _r(
        "escalation.repeated",
        "escalation",
        r"\b(?:second|third|fourth|fifth|2nd|3rd|4th|5th|several|multiple|numerous|countless|repeated(?:ly)?|many)"
        r"\s+(?:times?|attempts?|calls?|e-?mails?|letters?|messages?|requests?|tries|occasions|tweets|dms|transfers)\b"
        r"|\b(?:three|four|five|six|seven|eight|nine|ten|a dozen)(?:\s+different)?\s+(?:times|attempts|tries)\b"
        r"|\b(?:a|any) number of (?:times|attempts|tries)\b",
        0.75,
        unless=_INCOMING,
        # "several times" counts only beside a contact ("called you several times"), not any repeated act
        needs=_CONTACT_WORDS,
        needs_in="near",
    ),
    # the same with a number written in digits ("7th time", "3 times"): anchored on the noun, the number is
    # checked behind it, so the word index can find the candidates (a leading \d would scan every position)
    _r(
        "escalation.repeated_count",
        "escalation",
        r"(?:(?<=\dth\s)|(?<=\dst\s)|(?<=\dnd\s)|(?<=\drd\s))\b(?:times?|attempts?|calls?|e-?mails?|letters?|messages?|requests?|tries|occasions|tweets|dms)\b"
        r"|(?:(?<=\d\s)|(?<=\d\+\s))\b(?:times|attempts|tries)\b",
        0.75,
        unless=r"\btimes (?:a|per|each|every) (?:day|week|month|quarter|year)\b|" + _INCOMING,
        needs=_CONTACT_WORDS,
        needs_in="near",
    ),
    _r(
        "escalation.nobody_answered",
        "escalation",
        # caring is an attitude, not a contact that failed ("no one seems to care about the valuation")
        r"\b(?:no one|nobody|no-one|noone|none of (?:you|them|your staff))\s+(?:\w+\s+){0,2}?(?:respond\w*|answer\w*|repl\w*|call\w*|got back|gets back|get back|help\w*|return\w*|contact\w*|fix\w*|bother\w*|seems to"
        # "no one is able to solve this" (decision 0232)
        r"|solv\w*|sort\w*|(?:is|was|has been|seems)\s+able\s+to)(?!\s+care)",
        0.85,
        person=None,
        negatable=False,
        condition_cancels=True,
        unless=_CIRCULAR_REPLY,
    ),
    # nobody cares: an attitude, an escalation only beside the sender's attempt to reach the company ("trying to tell
    # your staff ... and no one seems to care"), not in a remark on a business problem (decision 0223)
    _r(
        "escalation.nobody_cares",
        "escalation",
        r"\b(?:no one|nobody|no-one|noone)\s+(?:\w+\s+){0,2}?(?:cares?|cared|caring)\b",
        0.75,
        person=None,
        negatable=False,
        condition_cancels=True,
        needs=_CONTACT_WORDS,
        requires=r"\bcar(?:es?|ed|ing)\b",
    ),
    _r(
        "escalation.no_response",
        "escalation",
        r"\b(?:still|never|yet to|have not|haven't|has not|hasn't|did not|didn't|not|no)\s+(?:\w+\s+){0,2}?(?:heard back|heard anything|heard from|(?:received|gotten|got|had|seen)\s+(?:a|any|an)\s+(?:\w+\s+)?(?:response|reply|answer|call|refund|resolution|update)"
        r"|been (?:contacted|answered)|respon(?:ded|se)|replied|answered|called (?:me )?back|gotten back|got back)\b",
        0.85,
        person=None,
        negatable=False,
        condition_cancels=True,  # "if you have not already been contacted, please RSVP"
        unless=_CIRCULAR_REPLY,
    ),
    # an outcome that did not come ("not fixed", "not resolved") is the sender's grievance only when it is theirs or
    # the reader's (a person in the sentence) or still open ("still", "yet"); "the item was not resolved at the
    # meeting" is a minute (decision 0223)
    _r(
        "escalation.not_resolved",
        "escalation",
        r"\b(?:still|never|yet to|have not|haven't|has not|hasn't|did not|didn't|not|no)\s+(?:\w+\s+){0,2}?"
        r"(?:been (?:resolved|fixed|addressed|refunded|sorted)|resolved|fixed|sorted)\b",
        0.85,
        person=None,
        negatable=False,
        condition_cancels=True,
        needs=r"\b(?:I|I'm|I’m|I've|I’ve|me|my|we|we're|we've|us|our|you|your|you're|u|ur|still|yet|never)\b",
    ),
    _r(
        "escalation.ignored",
        "escalation",
        # ignored: the sender's contacts, or a bare participle ("lied to, ignored"); the passive is the next rule;
        # "the estimate ignored the options" is a judgement of a document (decision 0223)
        r"\b(?:ignor(?:ed|ing|es)\s+(?:me|us|my|our|all|every|each|the (?:\w+\s+)?(?:e-?mails?|letters?|calls?|requests?|complaints?|messages?|questions?|tweets?|dms?))\b"
        r"|ignored(?=\s*(?:[,.!?;]|$))|disregarded|brushed (?:me )?off|run-?around|hung up on (?:me|us)|transferred (?:me )?(?:\w+ ){0,2}(?:times|again)"
        r"|overlook(?:ed|ing|s)?\s+(?:\w+\s+)?(?:feedback|complaints|messages|tweets|dms|requests|e-?mails|me|us)"
        r"|(?:bounced|passed|shuffled|sent|transferred)\s+(?:me|us)\s+(?:back and forth|around|from one \w+ to (?:another|the next))"
        r"|on hold for|kept (?:me|us) (?:on hold|waiting)|been waiting (?:for )?(?:\d+|an?|two|three|several|over|more than)\s+\w+)\b",
        0.75,
        person=None,
        unless=r"\b(?:should|can|may|must|will) (?:be )?(?:safely )?(?:disregarded|ignored)\b|\bplease (?:disregard|ignore)\b",  # an instruction
    ),
    # a tweet's own markers of an unanswered contact ("#NoResponse", "#StillWaiting") (decision 0232)
    _r(
        "escalation.hashtag",
        "escalation",
        r"#(?:no_?response|no_?reply|no_?answer|ignored|still_?waiting|no_?callback)\b",
        0.75,
        person=None,
        negatable=False,
    ),
    # "20 min going round in circles" beside the sender's contact ("all I want to do is email about it")
    _r(
        "escalation.circles",
        "escalation",
        r"\b(?:going|go|goes|went|gone|sent|sending|pushed|passed|run(?:ning)?)\s+(?:a)?round\s+in\s+circles\b|\bfrom pillar to post\b",
        0.75,
        person=None,
        needs=_CONTACT_WORDS,
    ),
    # "I have been ignored", "we feel ignored": anchored on the word, the passive checked behind it (word index)
    _r(
        "escalation.ignored_passive",
        "escalation",
        r"\bignored\b",
        0.75,
        person=None,
        unless=r"\b(?:should|can|may|must|will) (?:be )?(?:safely )?(?:disregarded|ignored)\b|\bplease (?:disregard|ignore)\b",
        needs=r"\b(?:been|being|was|were|is|are|am|get|got|getting|feel|felt|keep|kept)\s+(?:\w+\s+)?ignored$",
        needs_in="clause",
    ),
    _r(
        "escalation.on_hold",
        "escalation",
        r"\b(?:min(?:ute)?s?|hours?|hrs?)\s+(?:of\s+(?:being\s+)?)?(?:on\s+)?hold\b"
        r"|\bon hold\b[^.!?\n]{0,30}?\b(?:\d+\+?\s*(?:min(?:ute)?s?|hours?|hrs?)|an hour|hours|forever|all day)\b",
        0.75,
        person=None,
    ),
    _r(
        "escalation.staff_unhelpful",
        "escalation",
        r"\b(?:staff|agents?|reps?|representatives?|support|customer (?:service|support|care)|service desk|people on the phone|call cent(?:er|re)|helpline|help desk|web ?chat|live chat)"
        r"\s+(?:\w+\s+){0,2}?(?:(?:was|were|is|are|has been|have been)\s+(?:so\s+|very\s+|extremely\s+|completely\s+|absolutely\s+)?(?:rude|unhelpful|useless|clueless|no help|of no help|incompetent|dismissive)"
        r"|(?:refused|hung up|hang(?:s|ing)? up|ignored|lied))\b"
        r"|\b(?:rude|unhelpful|useless|clueless|incompetent)\s+(?:staff|agents?|reps?|representatives?|customer (?:service|support|care)|support (?:staff|team|agents?))\b"
        # the staff met, as a pronoun ("I wait three hours and then they are rude"); "rude" and "unhelpful" are what
        # staff are, where "useless" is said of anything (decision 0232)
        r"|\b(?:they|she|he|y['’]?all|you guys)\s+(?:were|are|was|is|have been|has been)\s+(?:so\s+|very\s+|extremely\s+|really\s+|incredibly\s+)?(?:rude|unhelpful|dismissive)\b",
        0.75,
        person=None,
        negatable=False,  # the core may hold its own negation ("web chat are no help")
    ),
    _r(
        "escalation.still_waiting",
        "escalation",
        r"\b(?:still (?:waiting|no (?:answer|reply|response|resolution|word|refund|update))|no (?:resolution|follow[- ]?ups?) (?:yet|at all)|(?:remain|remains|stay\w*) silent|(?:got|get|gets|had) no (?:answer|reply|response))\b",
        0.75,
        person=None,
        negatable=False,
        condition_cancels=True,
    ),
    # the sender's own questions or letters left unanswered ("my letters went unanswered"); "the question of price
    # remains unanswered" is an open issue, not a contact (decision 0223)
    _r(
        "escalation.unanswered",
        "escalation",
        r"\bunanswered\b",
        0.75,
        person="first_clause",
        negatable=False,
        needs=r"\b(?:remain\w*|went|gone|go|goes|left|are|were|is|was|been|still|all)\s+(?:\w+\s+)?unanswered$",
        needs_in="clause",
    ),
    _r(
        "escalation.earlier_contact",
        "escalation",
        # "your/his/their earlier e-mail" is someone else's message, not the sender's unanswered one
        r"(?<!\byour\s)(?<!\bhis\s)(?<!\bher\s)(?<!\btheir\s)"
        r"\b(?:previous(?:ly)?|earlier|prior|(?<!\bthat\s)(?<!\bthis\s)(?<!\bthe\s)last|my last|already)\s+(?:\w+\s+){0,2}?(?:e-?mails?|letters?|messages?|requests?|calls?|complaints?|sub-?\s?mitted|sent|written|wrote|contacted|reported|raised|tweeted|called)",
        0.7,
        person="subject",  # "someone has already sent in an e-mail" is not the sender's contact
        # a pointer to what an earlier message said ("as I set out in my earlier note", "per my last e-mail",
        # "see my previous message") is a reference, not a contact that went unanswered (decision 0223)
        unless=r"\b(?:as|like)\s+(?:\w+\s+){0,4}?(?:in|per|from)\s+(?:my|our|the|an?)\s+(?:\w+\s+)?(?:previous|earlier|prior|last)\b"
        r"|\b(?:per|see)\s+(?:my|our)\s+(?:previous|earlier|prior|last)\b"
        r"|\bin\s+(?:my|our)\s+(?:previous|earlier|prior|last)\s+(?:e-?mail|note|message|memo|letter)\W+(?:I|we)\s+(?:\w+\s+)?"
        r"(?:said|mentioned|noted|explained|outlined|suggested|proposed|described|indicated|set out|stated|attached)\b",
    ),
    # an earlier contact with the company named as the start of what went wrong ("After contacting you about my
    # account, it was reactivated but ..."; "despite my many calls") (decision 0232)
    _r(
        "escalation.after_contact",
        "escalation",
        r"\b(?:after|despite|even after|since)\s+(?:\w+\s+)?(?:contacting|calling|phoning|ringing|e-?mailing|messaging|dm(?:ing|'ing)|tweeting"
        rf"|chatting (?:to|with)|speaking (?:to|with)|talking (?:to|with)|writing to|complaining to|reaching out to)\s+{_COMPANY_REACHED}\b"
        r"|\b(?:despite|in spite of|even after)\s+(?:my|our)\s+(?:\w+\s+)?(?:calls|e-?mails|letters|messages|complaints|requests|tweets|dms|visits|attempts)\b",
        0.75,
        person=None,
        unless=r"\b(?:thank\w*|appreciat\w*|great|awesome|quick(?:ly)?|promptly|helpful)\b",
        # and something went wrong after it: "After speaking with you, I called John" is office work
        needs=r"\b(?:but|still|again|yet|never|nothing|nobody|no one|no|not|without)\b|n['’]t\b",
    ),
    # what the staff answered, reported as the failure: "I filled in the forms but am told ...", "getting conflicting
    # answers from customer support", "4 different people said ...", "y'all gonna tell me to wait" (decision 0232)
    _r(
        "escalation.told_no",
        "escalation",
        r"\bbut\s+(?:I\s+|we\s+)?(?:am|['’]m|was|were|have been|['’]ve been|keep (?:being|getting)|kept being|get|got|getting|being)\s+(?:\w+\s+)?(?:told|informed)\b",
        0.7,
        condition_cancels=True,
        # what they were told is a refusal ("... but am told I am not providing enough"); "I wanted to come but was
        # told the room is full" is news ("and was told" was tried: it read reports of news as failed contacts)
        needs=r"\b(?:told|informed)\b[^.!?\n]{0,60}?(?:\b(?:not|no|never|nothing|cannot|unable|impossible|only)\b|n['’]t\b)",
    ),
    _r(
        "escalation.wrong_answers",
        "escalation",
        r"\b(?:conflicting|contradictory|contradicting|incorrect|wrong|false|misleading|inaccurate|mixed|different)\s+(?:information|info|answers?|advice|responses|replies|stories|instructions)\b",
        0.7,
        person=None,
        # received by the sender from the company: "from customer support", "you sent me", "getting ..."
        needs=rf"\bfrom\s+{_COMPANY_REACHED}\b|\b(?:you|u|y['’]?all|they|your \w+)\s+(?:\w+\s+)?(?:sent|gave|give|giving|told|tell|telling|provided)\b"
        r"|\b(?:getting|keep getting|(?:I|we) (?:got|get|received|was given|were given|have been given))\b|\b(?:telling|told) (?:me|us)\b",
    ),
    _r(
        "escalation.many_staff",
        "escalation",
        # a number in digits is checked behind the noun (a leading \d would be tried at every position, decision 0215)
        rf"\b(?:three|four|five|six|seven|eight|several|multiple)\s+{_STAFF_MET}\b|(?<=\d\s)\b{_STAFF_MET}\b",
        0.7,
        person=None,
        needs=_CONTACT_WORDS + r"|\b(?:said|says|no idea|help\w*)\b",
        needs_in="near",
    ),
    _r(
        "escalation.told_to_wait",
        "escalation",
        rf"\b(?:you|u|y['’]?all|ya|your\s+(?:\w+\s+)?{_STAFF})\s+(?:(?!(?:never|not|don|didn|won|wouldn)\b)[\w'’]+\s+){{0,2}}?(?:tell|tells|told|telling|say|says|said)\s+(?:me|us)\s+(?:to\s+|I\s+(?:have|need|must|should)\s+(?:to\s+)?)?"
        r"(?:wait|be patient|call back|try again|restart|reset|reinstall)\b"
        # told in the passive, only the help desk's stock answers: "I was told to wait" is also an office instruction
        r"|\b(?:I|we)\s+(?:was|were|am|are|['’]m|have been|['’]ve been|keep getting|got)\s+(?:\w+\s+)?told\s+to\s+(?:be patient|restart|reset|reinstall)\b",
        0.7,
        person=None,
        # the subject and verb are in the match, a negation among them is excluded there; "without internet for two
        # days and y'all tell me to wait" is no negation of the telling
        negatable=False,
    ),
    # the sender's contact, then nothing came of it, in one sentence: "I emailed support last week and heard nothing",
    # "I reported this a week ago and it's still broken", "they said they'd escalate it but nothing happened"
    _r(
        "escalation.contact_then_nothing",
        "escalation",
        r"\b(?:(?:I|we)\s+(?:(?:have|had|['’]ve|already|just|also)\s+){0,2}(?:sent|dm['’]?d|dmed|e-?mailed|messaged|called|phoned|rang|reported|contacted|tweeted|wrote|submitted"
        r"|raised|logged|opened|filed|chatted|spoke|talked|complained|visited)"
        r"|(?:they|you|u|y['’]?all|he|she)\s+(?:\w+\s+)?(?:said|promised|assured))\b"
        r"[^.!?\n]{0,80}?\b(?:still nothing|heard nothing|(?:nothing|none)\s+(?:has\s+)?(?:happened|changed|came|yet|since|back)|nothing\s*$|nothing\s+at\s+all"
        r"|still\s+(?:broken|not|no|nothing|the same|down|happening|waiting|having|getting|failing|showing|charging|being charged)|never\s+(?:heard|got|received|came|happened|replied|answered|called|responded)"
        r"|no\s+(?:reply|response|answer|word|update|news|call ?back|feedback)\s+(?:yet|since|at all)|crickets)\b",
        0.75,
        person=None,
        negatable=False,  # the outcome holds the negation
        condition_cancels=True,
    ),
    # time spent on a contact with the company: "I've been chatting with your support for an hour", "spent 2 hours on
    # the phone and still nothing"; "I was on the phone with the lawyers for an hour" is a working morning
    _r(
        "escalation.time_on_contact",
        "escalation",
        r"\b(?:been|was|were)\s+(?:\w+\s+)?(?:on the phone|on (?:live |web ?)?chat|chatting|in (?:the )?queue)\s+(?:with\s+(?:\w+\s+){0,3}?)?for\s+"
        r"(?:over\s+|more than\s+|almost\s+|nearly\s+|about\s+)?(?:\d+|an?|two|three|four|five|several|many)\s+(?:hours?|hrs?|mins?|minutes|days)\b"
        r"|\b(?:spent|spend|spending|wasted|wasting)\s+(?:over\s+|more than\s+|almost\s+|nearly\s+|about\s+)?(?:\d+|an?|two|three|four|five|several|many)\s+(?:hours?|hrs?|mins?|minutes|days)\s+"
        r"(?:on the phone|on (?:live |web ?)?chat|on hold|chatting|in (?:the )?queue|trying to (?:reach|contact|call|get through))\b",
        0.7,
        person=None,
        needs=rf"\b(?:you|your|u|ur|y['’]?all|{_STAFF}|still|again|nothing|no one|nobody|wasted|just to|only to)\b|@\w+",
    ),
    # "I have been trying to reach you for days"
    _r(
        "escalation.trying_to_reach",
        "escalation",
        r"\btrying\s+to\s+(?:reach|contact|call|get (?:through to|hold of|in touch with)|speak (?:to|with)|talk (?:to|with))\s+"
        r"(?:you|u|y['’]?all|your\s+(?:\w+\s+)?\w+|customer (?:service|support|care)|support|someone|anyone|somebody|@\w+)\s+"
        r"(?:\w+\s+){0,3}?(?:for|since)\s+(?:over\s+|more than\s+|almost\s+|the (?:last|past)\s+)?(?:\d+|an?|two|three|four|five|several|many|days|weeks|months|hours|ages)\b",
        0.75,
        person=None,
    ),
    # contacting the company is pointless ("why bother trying to contact the head office?")
    _r(
        "escalation.futile_contact",
        "escalation",
        r"\b(?:why (?:even )?bother|what['’]?s the point (?:of|in))\s+(?:even\s+)?(?:trying to\s+|to\s+)?"
        r"(?:contact\w*|call\w*|phon\w*|e-?mail\w*|messag\w*|tweet\w*|dm\w*|reach\w*|complain\w*|writ\w*|talk\w*|speak\w*|chat\w*)\b",
        0.7,
        person=None,
    ),
    # the contact channel itself fails ("live chat down", "the helpline is closed")
    _r(
        "escalation.channel_down",
        "escalation",
        r"\b(?:live chat|web ?chat|online chat|chat support|helpline|help line|phone lines?|phone support|customer (?:service|support|care) (?:line|number|phone)"
        r"|call cent(?:er|re)|support (?:line|number|chat))\s+(?:is\s+|are\s+|has been\s+|have been\s+|seems?\s+(?:to be\s+)?|keeps?\s+)?(?:still\s+|always\s+|completely\s+)?"
        r"(?:down|unavailable|offline|closed|not working|broken|not answering|not available|engaged)\b",
        0.7,
        person=None,
        negatable=False,  # the core holds its own negation ("not working")
    ),
    _r(
        "escalation.direct_attention",
        "escalation",
        r"\b(?:to your (?:direct |personal |immediate )attention|(?:writing|write|appeal(?:ing)?) (?:to )?you (?:directly|personally)|last resort|nowhere else to turn)\b",
        0.7,
        person=None,
    ),
    _r(
        "escalation.staff_failed",
        "escalation",
        r"\b(?:whenever|every time|each time)\s+(?:I|we)\s+(?:call|contact|email|e-mail|write|chat|ask|go)\b"
        r"|\b(?:your|the)\s+(?:staff|agents?|reps?|representatives?|support|customer (?:service|support|care)|team|people|store|call cent(?:er|re)|helpline)\s+(?:\w+\s+){0,2}?"
        r"(?:told|said|promised|claimed|refused|couldn['’]t|could not|can['’]t|cannot|won['’]t|wouldn['’]t|didn['’]t|did not|failed|keeps?|hung up|gave)\b",
        0.75,
        person=None,
    ),
    # a contact attempt and its failure in one clause ("called the store, no answer", "no help by calling"),
    # and a promised call-back that never came
    _r(
        "escalation.contact_failed",
        "escalation",
        r"\b(?:called|calling|rang|phoned|phoning|emailed|e-mailed|emailing|chatted|chatting|contacted|contacting|messaged|dm(?:ed|'d)|tweeted|wrote|written|spoke|spoken|talked|visited"
        r"|tried (?:calling|to call|to reach|contacting|to contact))"
        r"\b[^.!?\n]{0,40}?\b(?:no answer|no help|no luck|no reply|no response|(?:got|getting|get) nowhere|hitting (?:a )?walls?|hit a wall|to no avail|in vain)\b"
        r"|\bno (?:help|answer|luck|response|reply) (?:by|from|when|after) (?:calling|phoning|e-?mailing|chatting|the phone|phone|live chat|web ?chat)\b"
        # help sought through a channel, and nothing came of it ("got help by phone with no luck") (decision 0232)
        rf"|\b(?:by|over the|on the|via|through|with)\s+(?:phone|telephone|e-?mail|dms?|{_STAFF})\b[^.!?\n]{{0,25}}?"
        r"\b(?:no luck|no help|to no avail|(?:got|get|getting) nowhere|in vain|no joy|no success|no answer|no reply|no response)\b"
        r"|\bcall\w* (?:me |you |us )?back\b[^.!?\n]{0,40}?\bbut\b[^.!?\n]{0,20}?\b(?:never|didn['’]t|did not|haven['’]t|have not|hasn['’]t|has not|no one|nobody)\b"
        # a promised contact that never came ("a callback that never came") (decision 0232)
        r"|\b(?:call ?backs?|calls? back|repl(?:y|ies)|responses?|technicians?|engineers?|e-?mails?)\s+(?:that|which)\s+never\s+(?:came|happened|arrived|showed)\b"
        # kept being passed on or cut off ("I keep getting transferred", "your chat agent disconnected me")
        r"|\b(?:I|we)\s+(?:keep|kept)\s+(?:getting|being)\s+(?:transferred|passed|bounced|disconnected|cut off)\b"
        r"|\b(?:agent|rep|representative|chat|advis[eo]r|operator|they|you)\s+(?:\w+\s+)?(?:disconnected|cut off)\s+(?:me|us|the (?:call|chat))\b",
        0.75,
        person=None,
        negatable=False,
        condition_cancels=True,
    ),
    # vulnerable: the sender's own hardship
    _r(
        "vulnerable.health",
        "vulnerable",
        rf"\b{_HEALTH}\b",
        0.75,
        unless=r"\bdeaf ears\b|\b(?:his|her|their) (?:surgery|illness|cancer|stroke|heart attack)\b"
        r"|\b(?:disabled (?:my|the|our|your|it|this|that)|(?:is|was|gets|got|been) disabled)\b(?! (?:person|people|child|son|daughter|veteran|parent))",
    ),
    _r(
        "vulnerable.age",
        "vulnerable",
        r"\b(?:I am|I'm|we are|we're|at age|at the age of|aged|age)\s+(?:now\s+)?(?:[5-9]\d)\b|\b(?:elderly|senior citizens?|pensioners?|retirees?|retired (?:employees?|person|people)|on a fixed income|widow(?:ed|er)?|I am retired|I'm retired)\b"
        r"|\b(?:chose|took|taking) (?:early )?retirement\b",
        0.7,
    ),
    _r(
        "vulnerable.financial_loss",
        "vulnerable",
        rf"\b(?:lost|losing|lose|wiped out|gone|vanished|evaporated|pocketed)\b[^.!?\n]{{0,45}}?\b{_LOSS_OBJ}",
        0.8,
        # money lost on a deal, a trade or a book is the business's loss, unless the sentence names the sender's own
        # savings ("we could lose $2 million on the position" vs "I lost $40,000 in my 401k") (decision 0223)
        unless=r"(?s)^(?!.*\b(?:savings|retirement|401|pension|college|home|house|family|kids|children|nest egg)).*"
        r"\b(?:deals?|trades?|trading|(?:long|short|open|trading|net) positions?|contracts?|projects?|desk|book|quarter|revenues?|earnings|p&l|margins?"
        r"|hedges?|transactions?|portfolio|mark-to-market|bids?|customers?|clients?|plants?|budget)\b",
    ),
    # the loss told object first: "my hard earned money I lost in a cyber crime" (decision 0232)
    _r(
        "vulnerable.money_lost",
        "vulnerable",
        r"\b(?:my|our)\s+(?:[\w'’-]+\s+){0,3}?(?:money|savings|pension|retirement|funds|income|nest egg)\s+(?:that\s+|which\s+)?(?:I|we)\s+(?:have\s+|had\s+|just\s+)?lost\b",
        0.8,
        unless=r"\b(?:deals?|trades?|trading|positions?|contracts?|projects?|desk|book|quarter|portfolio|hedges?)\b",
    ),
    _r(
        "vulnerable.cannot_pay",
        "vulnerable",
        r"\b(?:can(?:no|'|’)t|cannot|unable to|could not|couldn't|can no longer|no longer able to|not able to|do not have the (?:money|means|financial))\s+(?:\w+\s+){0,2}?"
        # "support" only of people ("cannot support the valuations" is a business judgement)
        r"(?:pay|afford|feed|support (?:my|our|a|the) (?:family|families|kids|children|wife|husband|household|parents|mother|father)"
        r"|support (?:myself|ourselves|us|them)|make ends meet|retire|live|survive|security)\b",
        0.8,
        negatable=False,
    ),
    _r(
        "vulnerable.hardship",
        "vulnerable",
        r"\b(?:(?:I|we)(?:'m|’m|'re|’re| am| are| was| were| went| have gone| had to| filed| face| faced| facing)\s+(?:\w+\s+){0,5}?bankrupt\w*|personal bankruptcy|foreclos\w*|evict\w*|homeless|unemployed|out of work"
        r"|penniless|destitute|hardship|(?:personal|financial) disaster|ruin(?:ed)?|devastat\w*|desperate|struggl\w*|suffer\w*|"
        r"(?:impact|hurt|affect|harm|destroy)\w* (?:my|our) (?:family|kids|children|future|retirement)|no longer (?:be )?going to college)\b",
        0.65,
        unless=r"\b(?:those|others|people|all|everyone|families|victims) (?:who|that) (?:are |were |have )?(?:suffer\w*|struggl\w*)",
    ),
    _r(
        "vulnerable.distress",
        "vulnerable",
        r"\b(?:(?:I|we|me|I'm|I’m|I am|we are)\s+(?:\w+\s+){0,2}?(?:cry|cried|crying|in tears|sobb\w*)|emotional(?:ly)? (?:wreck|drained|distress)|getting emotional|nervous breakdown|sleepless nights|can(?:no|'|’)t sleep"
        r"|(?:hurricane|flood|fire|tornado|earthquake|storm)\s+(?:\w+\s+){0,2}?(?:destroyed|damaged|took|wiped)"
        # the same told in the passive: "my house was destroyed by Hurricane Irma" (decision 0232)
        r"|(?:house|home|apartment|flat|property|car|belongings|everything)\s+(?:was|were|got|has been|had been|have been)\s+(?:\w+\s+)?"
        r"(?:destroyed|flooded|damaged|burn(?:ed|t) down|wiped out|washed away)\s+(?:by|in)\s+(?:the\s+|a\s+)?(?:\w+\s+)?(?:hurricane|flood\w*|fire|wildfire|tornado|earthquake|storm))\b",
        0.7,
    ),
    # recovery from addiction, as the sender describes themself, often in the third person ("they sent drink coupons
    # to an almost 4 year sober former alcoholic"); someone else's recovery is not the sender's (decision 0232)
    _r(
        "vulnerable.recovery",
        "vulnerable",
        r"\b(?:sober|recovering|former|ex-?)\s*(?:alcoholic|addict)s?\b|\bin recovery from\b",
        0.7,
        person=None,
        # someone else's ("his brother, a former addict"); a relative the sender writes for ("my son is a recovering
        # addict") is the sender's matter by LABELS.md
        unless=r"\b(?:his|her|their)\b",
    ),
    # the sender as a victim of violence ("I was just assaulted by a delivery person"); "we were attacked in the
    # press" is a business idiom, so "attacked" counts only as "physically attacked" (decision 0232)
    _r(
        "vulnerable.victim",
        "vulnerable",
        r"\b(?:I|we|my (?:son|daughter|child|kid|husband|wife|mother|father|mom|dad))\s+(?:was|were|got|have been|had been|['’]ve been|has been)\s+(?:just\s+|nearly\s+|badly\s+|seriously\s+)?"
        r"(?:assaulted|mugged|beaten(?: up)?|injured|groped|(?:physically|sexually) (?:attacked|assaulted|abused|harassed))\b",
        0.75,
        person=None,
    ),
    _r(
        "vulnerable.bereavement",
        "vulnerable",
        r"\b(?:passed away|died|death of|funeral|bereave\w*|lost my (?:wife|husband|son|daughter|mother|father|mom|dad|child|baby|brother|sister|partner))\b",
        0.75,
    ),
    # safety: threat of physical harm, fear for safety, self-harm
    _r(
        "safety.threat",
        "safety",
        r"\b(?:I|we)(?:'ll|’ll| will| am going to| are going to| gonna|'m going to|’m going to| shall| would| could| might| want to)\s+(?:\w+\s+){0,2}?"
        r"(?:kill|shoot|stab|bomb|blow up|burn down|hurt|harm|attack|beat up|murder|strangle|punch)\b",
        0.95,
        person=None,
        # "I'll shoot it over", "shoot for 100%", "shoot you an e-mail": office idioms, not threats
        unless=r"\bshoot\w*\s+(?:(?:it|this|that|them)\b|for\b|(?:you|me|him|her|us)\s+(?:an?|the)\s+(?:e-?mail|note|message|line|copy|draft|reply))",
    ),
    _r(
        "safety.concern",
        "safety",
        r"\b(?:concerned|worried|afraid|fear\w*|scared|frightened|terrified)\s+(?:\w+\s+){0,3}?(?:safety|lives|life|security|harm|violence|attack|physical)\b"
        r"|\b(?:death threats?|threatened (?:to kill|me|us|my)|received (?:a |several )?threats?|bomb threat)\b",
        0.85,
        person=None,
    ),
    _r(
        "safety.hazard",
        "safety",
        r"\b(?:unsafe|(?:not|isn't|is not|wasn't|aren't|never|n't) (?:a |an )?(?:\w+ )?safe|dangerous|fire hazard|gas leak|exposed wires?|carbon monoxide|caught fire|exploded|electric shock|injur(?:ed|y|ies))\b",
        0.7,
        negatable=False,
        unless=r"\b(?:escap\w*|avoid\w*|spared|without|free (?:of|from)|prevent\w*)\s+(?:\w+\s+){0,2}?injur",  # it did not happen
    ),
    _r(
        "safety.assault",
        "safety",
        r"\b(?:assault\w*|attack(?:ed|ing) (?:me|us|my|her|him)|punched|groped|rap(?:e|ed)|(?:with|has|had|pulled|carrying) an? (?:gun|knife|weapon)"
        r"|food poisoning|(?:nearly|almost|could have) died|hit my head|(?:car|bus|driver) crash(?:ed)?|crashed (?:the|his|her|our|my|into))\b",
        0.8,
    ),
    _r(
        "safety.self_harm",
        "safety",
        r"\b(?:kill (?:myself|ourselves)|suicid\w*|end (?:my|it) (?:life|all)|take my (?:own )?life|(?:don't|do not) want to live)\b",
        0.95,
        person=None,
        unless=r"\b(?:political|career|commercial|financial|professional|corporate|economic) suicide\b",
    ),
    # abusive: insults, curses, wishes of harm aimed at the recipient or staff
    _r(
        "abusive.curse",
        "abusive",
        # "fuck" and "fucking" are the next two rules: aimed at someone they are abuse, as an exclamation ("Fuck.") or
        # an intensifier ("it's fucking cold") they are not (LABELS.md: aimed at the recipient or staff; decision 0232)
        r"\b(?:fuck(?!(?:ing|in)?\b)\w*|f\*+k\w*|motherf\w*|cunts?|assholes?|arseholes?|dickheads?|bastards?|bitch\w*|damn (?:you|u|enron|them)|goddamn\w*|screw (?:you|u)|stfu)\b",
        0.8,
        person=None,
        negatable=False,
    ),
    _r(
        "abusive.curse_aimed",
        "abusive",
        # "fuck you", "fuck Enron", "why the fuck you ...": followed by its target, not by a stop ("Fuck.", "fuck,")
        r"\bfuck\b(?!\s*(?:[.!?,;:)]|$))"
        # the intensifier before its target: "fucking idiots", "fucking me again", "this fucking company"
        r"|\bfuck(?:ing|in)['’]?\s+(?:me|us|with|over|up|company|companies|staff|people|airlines?|banks?|drivers?|agents?|reps?"
        r"|idiots?|morons?|liars?|thie(?:f|ves)|crooks?|clowns?|jokes?|@\w+)\b",
        0.8,
        person=None,
        negatable=False,
    ),
    _r(
        "abusive.curse_at_you",
        "abusive",
        r"\bfuck(?:ing|in)\b",
        0.8,
        person=None,
        negatable=False,
        needs=r"\b(?:you|your|u|ur|y['’]?all|ya)\b",
        needs_in="near",
    ),
    _r(
        "abusive.insult",
        "abusive",
        rf"\b(?:you|your|you're|you are|you’re|u r|ur|u|yo)\s+(?:\w+,?\s+){{0,3}}?{_INSULT}\b|\b(?:what|such)\s+(?:an?\s+)?{_INSULT}\b"
        # "you suck", "is trash": anchored on the insult with the subject or verb checked behind it (fast to index)
        r"|(?:(?<=\byou\s)|(?<=\bu\s)|(?<=\bthey\s)|(?<=\byall\s)|(?<=\by'all\s)|(?<=\bguys\s))\bsucks?\b"
        r"|(?:(?<=\bis\s)|(?<=\bare\s))\b(?:trash|garbage|evil|scum)\b"
        r"|\b(?:honestly|absolutely|utter|complete|total)\s+(?:trash|garbage|evil|scum)\b"
        r"|\b(?:idiots|morons|imbeciles|clowns|losers)\s*[.!]",
        0.8,
        person=None,
        negatable=True,
        # "(you) suck(s)" holds "suck(s)" before a word end; every other alternative holds a whole _INSULT word
        # (trash, garbage, evil, scum, idiots... are among them)
        requires=rf"sucks?\b|\b{_INSULT}\b",
    ),
    # a hashtag is a label of its own: "no internet #brandsucks" is not negated by the "no" before it (decision 0232)
    _r("abusive.hashtag", "abusive", r"#\w*sucks\b", 0.8, person=None, negatable=False, requires=r"sucks\b"),
    _r(
        "abusive.wish_harm",
        "abusive",
        r"\b(?:may|hope|wish|pray(?:ing)?)\s+(?:that\s+)?(?:\w+\s+){0,5}?(?:die|rot|burn|suffer|perish|choke|go to hell|roast\w*)\b|\b(?:rot|burn|roast)\w*\s+in\s+hell\b|\bgo to hell\b|\bdie of\b",
        0.85,
        person=None,
        negatable=False,
    ),
    _r("abusive.hell", "abusive", r"\bwhat the (?:hell|fuck|heck)\b|\bthe hell\b", 0.6, person=None, negatable=False),
    # urgent: explicit deadline or time pressure
    _r(
        "urgent.asap",
        "urgent",
        r"\b(?:asap|a\.s\.a\.p\.?|as soon as (?:possible|you can)|urgent(?:ly)?|immediately|right away|without delay|time[- ]sensitive|time is of the essence|timing (?:\w+ ){0,3}important|emergency|at your earliest convenience)\b",
        0.75,
        person=None,
    ),
    _r(
        "urgent.deadline",
        "urgent",
        r"\b(?:by|before|no later than|until|due|deadline(?: is| of)?|ends? on|expires?(?: on)?)\s+(?:the\s+)?(?:end of (?:the |this |next )?(?:day|week|month|business)|close of business|cob|eod|tomorrow|tonight|today|noon|midnight"
        r"|this (?:afternoon|evening|week|morning)|(?:next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}|\d{1,2}(?:/|-)\d{1,2}|the (?:\d{1,2}(?:st|nd|rd|th)|first|end))\b",
        0.7,
        person=None,
    ),
    _r(
        "urgent.need_now",
        "urgent",
        r"\b(?:need|needs|needed|must|have to|require)\b[^.!?\n]{0,40}?\b(?:today|tonight|tomorrow|right now|this week|by \w+day)\b|\b(?:flight|appointment|surgery|exam|interview|closing) (?:is )?(?:tomorrow|today|tonight|in \d+ hours?)\b",
        0.65,
        person=None,
    ),
)

_PRONOUN = re.compile(
    r"\b(?:i|i'm|i’m|i've|i'll|i’ll|i'd|we|we're|we'll|we've|my|our|you|you're|u|he|she|they|they're|it"
    r"|this (?:letter|e-?mail|message|note|story|complaint|recording))\b",
    re.I,
)
_SENDER_SUBJECT = re.compile(r"^(?:i|i'm|i’m|i've|i'll|i’ll|i'd|we|we're|we'll|we've|my|our|this .*)$", re.I)


def _speaker_is_sender(clause: str, match: str, sentence: str) -> bool:
    """The nearest subject before the verb is the sender (I/we/my/this letter); without one, any first person.

    Pronouns inside the match count only when the match opens with one (rules written subject first,
    "we ... cancel"): in "take you to court" or "reporting you to the BBB" the "you" is the object
    (decision 0223). Without a pronoun, a noun phrase right before the verb ("The plaintiffs' lawyers
    filed", "a subsidiary that publishes") is someone else acting.
    """
    lead = _PRONOUN.match(match)
    last = None
    for last in _PRONOUN.finditer(clause + (lead.group(0) if lead else "")):  # noqa: B007 - we want the last one
        pass
    other = None if lead else _OTHER_SUBJECT.search(clause)
    if other is not None and (last is None or other.start() >= last.end()):
        return False  # a noun phrase after the last pronoun is the nearer subject ("our analyst says the auditors")
    if last is None:
        return bool(FIRST_PERSON.search(sentence) or _THIS_MESSAGE.search(sentence))
    return bool(_SENDER_SUBJECT.match(last.group(0)))


_AUX = r"(?:have|has|had|will|would|may|might|could|should|shall|is|are|was|were|be|been|also|just|already|now|recently|then|today|yesterday|reportedly|apparently)"
# a determiner-led noun phrase ending right before the verb, with at most a few auxiliaries between:
# "The lawyers for the bank have " (not "The only way left is to ": a copula is not a subject's end; not after a
# causative verb: in "I will have the lawyers file" the sender acts through them)
_OTHER_SUBJECT = re.compile(
    r"(?<!\bhave\s)(?<!\bhad\s)(?<!\bget\s)(?<!\blet\s)(?<!\bmake\s)(?<!\bask\s)(?<!\binstruct\s)\b(?:the|a|an|his|her|their|its|these|those|other|another|several|many|some)\s+"
    r"(?:(?!(?:to|is|are|was|were|be|that|which|who|than|me|us)\b)[\w'’.&-]+\s+){1,5}?"
    rf"(?:{_AUX}\s+){{0,3}}$",
    re.I,
)


_THIS_MESSAGE = re.compile(r"\bthis (?:letter|e-?mail|message|note|story|complaint|conversation|recording)\b", re.I)


@dataclass(slots=True)
class RuleTrace:
    """What one rule did on one message: fired (hit), or matched but was cancelled (why)."""

    rule: str
    signal: str
    fired: bool
    strength: float
    evidence: Evidence | None
    why: str = ""


def _evidence(view: TextView, start: int, end: int, limit: int = 240) -> Evidence:
    """The sentence around the match, trimmed around the match when long."""
    s, e = view.sentence_of(start)
    e = max(e, end)
    if e - s > limit:
        s = max(s, start - (limit - (end - start)) // 2)
        e = min(e, s + limit)
        s = min(s, start)
        e = max(e, end)
    text = view.text[s:e]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    return Evidence(text=text, start=s + lead, end=s + lead + len(text))


def _needs_scope(view: TextView, rule: Rule, start: int, end: int, s: int, e: int) -> str:
    """The text where ``rule.needs`` must be found (Rule.needs_in)."""
    if rule.needs_in == "clause":
        return view.clause_prefix(start) + view.text[start:end]
    if rule.needs_in == "near":
        return view.text[max(s, start - NEAR_CHARS) : min(max(e, end), end + NEAR_CHARS)]
    return view.text[s : max(e, end)]


def _cut_by_soft_break(text: str, start: int) -> bool:
    """The match starts right after a letter and "=" (a quoted-printable soft break left in the text, as in
    "is= sue" or "pur=sue"): it is the tail of a longer word."""
    i = start - 1
    if i >= 0 and text[i] == " ":
        i -= 1
    return i >= 1 and text[i] == "=" and text[i - 1].isalpha()


def _is_name_inside_sentence(word: str, before: str) -> bool:
    """``word`` is written like a name ("Sue", not "sue" or "SUE") and something precedes it in its sentence."""
    return word[:1].isupper() and word[1:].islower() and bool(before.strip())


def run_rules(
    view: TextView, enabled: set[str] | None = None, trace: bool = False, use_index: bool = True
) -> tuple[list[SignalHit], list[RuleTrace]]:
    """Run every rule; return the strongest hit per signal (with all its evidence) and, on request, a trace.

    ``use_index``: match only where the shared word index says a rule can start (scan.py);
    False scans with each plain regex (same results, slower; the tests compare the two).
    """
    best: dict[str, SignalHit] = {}
    traces: list[RuleTrace] = []
    text = view.text
    sc = view.scanner() if use_index else None
    for rule, fast in _INDEXED if sc is None else _plausible(sc):
        if enabled is not None and rule.signal not in enabled:
            continue
        if sc is not None and rule.requires is not None and sc.search(_REQUIRED[rule.name]) is None:
            continue  # a part every match holds is nowhere in the text (Rule.requires)
        pos = 0
        while (m := (sc.search(fast, pos) if sc is not None else rule.pattern.search(text, pos))) is not None:
            start, end = m.start(), m.end()
            pos = end if end > start else start + 1
            why = ""
            if view.is_masked(start, end):
                why = "quoted"
            else:
                s, e = view.sentence_of(start)
                sentence = text[s : max(e, end)]
                if _cut_by_soft_break(text, start):
                    why = "part of a word cut by a quoted-printable line break ('is= sue')"
                elif rule.word_may_be_a_name and _is_name_inside_sentence(m.group(0), text[s:start]):
                    why = "a name, not the verb (Title-case inside the sentence)"
                elif rule.condition_cancels and view.in_condition(start):
                    why = "a hypothesis (an if-clause), not a report"
                elif rule.negatable and is_negated(
                    view.clause_prefix(start) + m.group(0)[: -len(m.group(0).split()[-1])]
                ):
                    why = "negated"
                elif rule.person == "first" and not FIRST_PERSON.search(sentence):
                    why = "not the sender's own (no first person)"
                elif rule.person == "subject" and not _speaker_is_sender(
                    view.clause_prefix(start, 90), m.group(0), sentence
                ):
                    why = "not the sender's own (someone else is the subject)"
                elif rule.person == "first_clause" and not FIRST_PERSON.search(view.clause_prefix(start) + m.group(0)):
                    why = "not the sender's own (no first person in the clause)"
                elif rule.person == "first_or_this" and not (
                    FIRST_PERSON.search(sentence) or _THIS_MESSAGE.search(sentence)
                ):
                    why = "not the sender's own (no first person)"
                elif rule.person == "second" and not SECOND_PERSON.search(view.clause_prefix(start) + m.group(0)):
                    why = "not aimed at the recipient"
                elif rule.unless is not None and rule.unless.search(sentence):
                    why = "context says otherwise"
                elif rule.needs is not None and not rule.needs.search(_needs_scope(view, rule, start, end, s, e)):
                    why = "what makes it count is missing around it"
            if why:
                if trace:
                    traces.append(RuleTrace(rule.name, rule.signal, False, 0.0, _evidence(view, start, end), why))
                # a cancelled match may hide a later, overlapping one ("not going to sue, but I filed ... FCC")
                pos = start + 1
                continue
            ev = _evidence(view, start, end)
            if trace:
                traces.append(RuleTrace(rule.name, rule.signal, True, rule.strength, ev))
            hit = best.get(rule.signal)
            if hit is None:
                best[rule.signal] = SignalHit(rule.signal, rule.strength, [ev], rule.name)
            else:
                if all(x.start != ev.start for x in hit.evidence) and len(hit.evidence) < 3:
                    hit.evidence.append(ev)
                if rule.strength > hit.strength:
                    hit.strength, hit.rule = rule.strength, rule.name
                else:
                    # corroboration: a second independent hit adds a little
                    hit.strength = min(1.0, hit.strength + 0.05)
    return list(best.values()), traces


_INDEXED = tuple((r, register(r.pattern)) for r in RULES)
_REQUIRED = {r.name: register(r.requires) for r in RULES if r.requires is not None}
_RULE_OF_PID = {fast.pid: k for k, (_rule, fast) in enumerate(_INDEXED)}
_TRIED_ALWAYS = frozenset(k for k, (_rule, fast) in enumerate(_INDEXED) if fast.always or fast.find_keys)
# per rule, the pattern of the words every match holds (FastPattern.required): absent, the rule cannot match
_REQUIRED_PID = tuple(fast.required.pid if fast.required is not None else None for _rule, fast in _INDEXED)
_LAST_PID = max([*_RULE_OF_PID, *(p for p in _REQUIRED_PID if p is not None)])


def _plausible(sc: Scan) -> list[tuple[Rule, FastPattern]]:
    """The rules ``sc.may_match``, in RULES order: those with a word candidate in the text, and those
    always searched (no word key, or found with ``str.find``), less those whose required words are not
    in the text (``Scan.lacks_required``)."""
    if not sc.knows(_LAST_PID):  # the index was built before these rules were registered
        return [(rule, fast) for rule, fast in _INDEXED if sc.may_match(fast)]
    at = _RULE_OF_PID
    present = sc.word_pids()
    ks = _TRIED_ALWAYS.union([at[p] for p in present if p in at])
    return [_INDEXED[k] for k in sorted(ks) if _REQUIRED_PID[k] is None or _REQUIRED_PID[k] in present]


def signal_names() -> list[str]:
    """Every text signal some rule can report."""
    return sorted({r.signal for r in RULES})
