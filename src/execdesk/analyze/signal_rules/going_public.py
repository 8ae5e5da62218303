# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``going_public`` rules: will publish / has published."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

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

RULES: tuple[Rule, ...] = (
    make_rule(
        "going_public.publish",
        "going_public",
        r"\b(?:post\w*|publish\w*|shar(?:e|ed|ing)|tweet\w*|blog\w*|upload\w*|put(?:ting)?|broadcast\w*|releas\w*|leak\w*"
        rf"|tell\w*|told|send|sending|sent|forward\w*|tak\w+ (?:this|it)|spread\w*|mak\w+ (?:this|it))\b[^.!?\n]{{0,50}}?\b{_PUBLIC_PLACE}\b"
        r"|\bgo(?:ing)? public with\b",
        0.85,
        person="subject",
    ),
    make_rule(
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
    make_rule(
        "going_public.contact_press",
        "going_public",
        r"\b(?:contact\w*|call\w*|alert\w*|writ\w* to|wrote to|e-?mail\w* to|tip\w* off|go(?:ing)? to|went to|talk\w* to|speak\w* to)"
        r"\s+(?:the |a |my |local |every )?(?:press|media|news(?:papers?)?|reporters?|journalists?|tv stations?|consumer (?:show|programme|program)s?|watchdogs?)\b",
        0.85,
        person="subject",
    ),
)
