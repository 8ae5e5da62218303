# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``churn`` rules: will leave / has left."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, W, make_rule

_ACCOUNTISH = r"(?:account|service|contract|subscription|membership|plan|policy|order|line|relationship|business|card|loan|broadband|package)s?"
_CONSUMER_ACCOUNT = r"(?:account|service|subscription|membership|plan|policy|card|broadband|package|line)s?"

RULES: tuple[Rule, ...] = (
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
        "churn.from_now_on",
        "churn",
        r"\b(?:only|exclusively)\s+from\s+now\s+on\b",
        0.75,
        person=None,
        needs=r"@\w+\s+(?:only|exclusively)\s+from\s+now\s+on$",
        needs_in="clause",
    ),
    # leaving the addressed company by its handle ("I want to ... leave @brand"), said as an intention
    make_rule(
        "churn.leave_handle",
        "churn",
        r"\b(?:leave|leaving|ditch\w*|dump\w*|drop(?:ping)?)\s+@\w+",
        0.75,
        person=None,  # "Time to leave @brand": the sender's, with no pronoun
        needs=r"\b(?:want\w*|going|gonna|will|['’]ll|plan\w*|time|decided|about|ready|need|should|thinking (?:of|about))\b",
        needs_in="clause",
    ),
    # buying from someone else: "I usually shop elsewhere", "we will take our business elsewhere" (decision 0232)
    make_rule(
        "churn.elsewhere",
        "churn",
        r"\b(?:shop\w*|buy\w*|bought|order\w*|fly\w*|flew|bank\w*|eat\w*|tak\w+ (?:my|our) (?:business|money|custom))\s+elsewhere\b",
        0.75,
    ),
    # a competitor addressed: "you just gained a customer"
    make_rule(
        "churn.gained_customer",
        "churn",
        r"\b(?:you(?:['’]ve)?|u|y['’]?all)\s+(?:just\s+|have\s+just\s+|now\s+)?(?:gained|won|earned|got)\s+(?:yourselfs?\s+|yourselves\s+)?"
        r"(?:a|another|one more)\s+(?:new\s+|loyal\s+)?customer\b",
        0.75,
        person=None,
    ),
    # tweets' own churn markers: "#DeleteUber", "#boycottX", "#goodbyeX"
    make_rule(
        "churn.hashtag",
        "churn",
        r"#(?:delete(?!d\b)|boycott|ditch|goodbye|byebye)\w*",
        0.7,
        person=None,
        negatable=False,
    ),
    # the loyalty or bank card destroyed ("time to cut up my card"); "shred the old badge cards" is office cleaning
    make_rule(
        "churn.cut_card",
        "churn",
        rf"\b(?:cut(?:ting)?\s+up|shred\w*)\s+(?:my|our)\s+{W}{{0,2}}(?:card|membership)s?\b",
        0.75,
        person=None,
    ),
    make_rule(
        "churn.stopped_buying",
        "churn",
        r"\b(?:stopped|quit)\s+(?:buying|ordering|using|shopping|flying|banking)\b",
        0.75,
    ),
    make_rule(
        "churn.sell_shares",
        "churn",
        r"\b(?:sold|sell|selling|dump\w*|unload\w*|liquidat\w*|cash\w* out|get\w* rid of)\s+"
        + W
        + r"{0,4}?(?:shares?|stocks?|stake|holdings?|position|options)\b"
        r"|\b(?:stay or (?:bail|get) out|bail(?:ing)? out|pull(?:ing)? (?:my|our) money out)\b",
        0.8,
        person="subject",
    ),
    make_rule(
        "churn.leave_job",
        "churn",
        r"\b(?:resign(?:ed|ing)?|hand(?:ed|ing)? in my (?:notice|resignation)|(?:accept\w*|tak\w+|took)\s+(?:an?\s+|that\s+|the\s+|another\s+)?"
        + W
        + r"{0,2}(?:offer|position|job)\s+(?:with|at|from|elsewhere)"
        r"|(?:instinct|plan\w*|decided|decision|intend|going|want|time)\s+to\s+(?:leave|move on|quit)(?!\s+(?:me|us|a|an|it|this|that|the|your|him|her|them|word|messages?)\b)|look\w* for (?:another|a new|other) (?:job|employment|position|company))\b",
        0.8,
    ),
    make_rule(
        "churn.done_with",
        "churn",
        r"\b(?:I'm|I’m|I am|we are|we're)\s+(?:\w+\s+)?(?:done with|leaving|through with)\s+(?:you|your|this company|\w+\b)|\b(?:ex|former)-?\s?customer\b"
        r"|\b(?:I'm|I’m|I am|we're|we are)\s+(?:so\s+|just\s+)?done\s*(?:[.!]|$)",
        0.7,
    ),
)
