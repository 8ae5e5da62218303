# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``vulnerable`` rules: the sender's own hardship."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

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

RULES: tuple[Rule, ...] = (
    make_rule(
        "vulnerable.health",
        "vulnerable",
        rf"\b{_HEALTH}\b",
        0.75,
        unless=r"\bdeaf ears\b|\b(?:his|her|their) (?:surgery|illness|cancer|stroke|heart attack)\b"
        r"|\b(?:disabled (?:my|the|our|your|it|this|that)|(?:is|was|gets|got|been) disabled)\b(?! (?:person|people|child|son|daughter|veteran|parent))",
    ),
    make_rule(
        "vulnerable.age",
        "vulnerable",
        r"\b(?:I am|I'm|we are|we're|at age|at the age of|aged|age)\s+(?:now\s+)?(?:[5-9]\d)\b|\b(?:elderly|senior citizens?|pensioners?|retirees?|retired (?:employees?|person|people)|on a fixed income|widow(?:ed|er)?|I am retired|I'm retired)\b"
        r"|\b(?:chose|took|taking) (?:early )?retirement\b",
        0.7,
    ),
    make_rule(
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
    make_rule(
        "vulnerable.money_lost",
        "vulnerable",
        r"\b(?:my|our)\s+(?:[\w'’-]+\s+){0,3}?(?:money|savings|pension|retirement|funds|income|nest egg)\s+(?:that\s+|which\s+)?(?:I|we)\s+(?:have\s+|had\s+|just\s+)?lost\b",
        0.8,
        unless=r"\b(?:deals?|trades?|trading|positions?|contracts?|projects?|desk|book|quarter|portfolio|hedges?)\b",
    ),
    make_rule(
        "vulnerable.cannot_pay",
        "vulnerable",
        r"\b(?:can(?:no|'|’)t|cannot|unable to|could not|couldn't|can no longer|no longer able to|not able to|do not have the (?:money|means|financial))\s+(?:\w+\s+){0,2}?"
        # "support" only of people ("cannot support the valuations" is a business judgement)
        r"(?:pay|afford|feed|support (?:my|our|a|the) (?:family|families|kids|children|wife|husband|household|parents|mother|father)"
        r"|support (?:myself|ourselves|us|them)|make ends meet|retire|live|survive|security)\b",
        0.8,
        negatable=False,
    ),
    make_rule(
        "vulnerable.hardship",
        "vulnerable",
        r"\b(?:(?:I|we)(?:'m|’m|'re|’re| am| are| was| were| went| have gone| had to| filed| face| faced| facing)\s+(?:\w+\s+){0,5}?bankrupt\w*|personal bankruptcy|foreclos\w*|evict\w*|homeless|unemployed|out of work"
        r"|penniless|destitute|hardship|(?:personal|financial) disaster|ruin(?:ed)?|devastat\w*|desperate|struggl\w*|suffer\w*|"
        r"(?:impact|hurt|affect|harm|destroy)\w* (?:my|our) (?:family|kids|children|future|retirement)|no longer (?:be )?going to college)\b",
        0.65,
        unless=r"\b(?:those|others|people|all|everyone|families|victims) (?:who|that) (?:are |were |have )?(?:suffer\w*|struggl\w*)",
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
        "vulnerable.victim",
        "vulnerable",
        r"\b(?:I|we|my (?:son|daughter|child|kid|husband|wife|mother|father|mom|dad))\s+(?:was|were|got|have been|had been|['’]ve been|has been)\s+(?:just\s+|nearly\s+|badly\s+|seriously\s+)?"
        r"(?:assaulted|mugged|beaten(?: up)?|injured|groped|(?:physically|sexually) (?:attacked|assaulted|abused|harassed))\b",
        0.75,
        person=None,
    ),
    make_rule(
        "vulnerable.bereavement",
        "vulnerable",
        r"\b(?:passed away|died|death of|funeral|bereave\w*|lost my (?:wife|husband|son|daughter|mother|father|mom|dad|child|baby|brother|sister|partner))\b",
        0.75,
    ),
)
