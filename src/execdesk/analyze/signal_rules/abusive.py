# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``abusive`` rules: insults, curses, wishes of harm aimed at the recipient or staff."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

_INSULT = (
    r"(?:idiots?|morons?|imbeciles?|stupid|dumb|crooks?|crooked|thie(?:f|ves)|liars?|lying|criminals?|scum\w*|sleaz\w*"
    r"|scoundrels?|pigs?|swine|vermin|parasites?|clowns?|incompetent|losers?|jerks?|hypocrites?|frauds?|cheats?|snakes?"
    r"|weasels?|vultures?|gangsters?|crooks|evil|disgusting|pathetic|shameless|sick|greedy|bastards?|assholes?|trash|garbage"
    r"|useless|worthless|a joke|disgrace\w*)"
)

RULES: tuple[Rule, ...] = (
    make_rule(
        "abusive.curse",
        "abusive",
        # "fuck" and "fucking" are the next two rules: aimed at someone they are abuse, as an exclamation ("Fuck.") or
        # an intensifier ("it's fucking cold") they are not (LABELS.md: aimed at the recipient or staff; decision 0232)
        r"\b(?:fuck(?!(?:ing|in)?\b)\w*|f\*+k\w*|motherf\w*|cunts?|assholes?|arseholes?|dickheads?|bastards?|bitch\w*|damn (?:you|u|enron|them)|goddamn\w*|screw (?:you|u)|stfu)\b",
        0.8,
        person=None,
        negatable=False,
    ),
    make_rule(
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
    make_rule(
        "abusive.curse_at_you",
        "abusive",
        r"\bfuck(?:ing|in)\b",
        0.8,
        person=None,
        negatable=False,
        needs=r"\b(?:you|your|u|ur|y['’]?all|ya)\b",
        needs_in="near",
    ),
    make_rule(
        "abusive.insult",
        "abusive",
        rf"\b(?:you|your|you're|you are|you’re|u r|ur|u|yo)\s+(?:\w+,?\s+){{0,3}}?{_INSULT}\b|\b(?:what|such)\s+(?:an?\s+)?{_INSULT}\b"
        # "you suck", "is trash": anchored on the insult with the subject or verb checked behind it (fast to index)
        r"|(?:(?<=\byou\s)|(?<=\bu\s)|(?<=\bthey\s)|(?<=\byall\s)|(?<=\by'all\s)|(?<=\bguys\s))\bsucks?\b"
        r"|\b(?:idiots|morons|imbeciles|clowns|losers)\s*[.!]",
        0.8,
        person=None,
        negatable=True,
        # "(you) suck(s)" holds "suck(s)" before a word end; every other alternative holds a whole _INSULT word
        # (trash, garbage, evil, scum, idiots... are among them)
        requires=rf"sucks?\b|\b{_INSULT}\b",
    ),
    make_rule(
        "abusive.insult_predicate",
        "abusive",
        # "@brand is trash", "customer service is garbage", "utter scum": anchored on the insult with the verb or the
        # intensifier checked behind it (fast to index)
        r"(?:(?<=\bis\s)|(?<=\bare\s))\b(?:trash|garbage|evil|scum)\b"
        r"|\b(?:honestly|absolutely|utter|complete|total)\s+(?:trash|garbage|evil|scum)\b",
        0.8,
        person=None,
        negatable=True,
        # the sender's own things are not the recipient or staff: "My upload speeds are trash." (twcs 4056, DEV half)
        unless=r"\b(?:my|our)\s+(?:[\w'’-]+\s+){0,3}?(?:is|are|was|were)\s+(?:\w+\s+)?(?:trash|garbage|evil|scum)\b",
        requires=r"\b(?:trash|garbage|evil|scum)\b",
    ),
    # a hashtag is a label of its own: "no internet #brandsucks" is not negated by the "no" before it (decision 0232)
    make_rule("abusive.hashtag", "abusive", r"#\w*sucks\b", 0.8, person=None, negatable=False, requires=r"sucks\b"),
    make_rule(
        "abusive.wish_harm",
        "abusive",
        r"\b(?:may|hope|wish|pray(?:ing)?)\s+(?:that\s+)?(?:\w+\s+){0,5}?(?:die|rot|burn|suffer|perish|choke|go to hell|roast\w*)\b|\b(?:rot|burn|roast)\w*\s+in\s+hell\b|\bgo to hell\b|\bdie of\b",
        0.85,
        person=None,
        negatable=False,
    ),
    make_rule(
        "abusive.hell", "abusive", r"\bwhat the (?:hell|fuck|heck)\b|\bthe hell\b", 0.6, person=None, negatable=False
    ),
)
