# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``escalation`` rules: wants someone senior, or earlier contacts failed."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

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

RULES: tuple[Rule, ...] = (
    make_rule(
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
    make_rule(
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
    make_rule(
        "escalation.repeated_count",
        "escalation",
        r"(?:(?<=\dth\s)|(?<=\dst\s)|(?<=\dnd\s)|(?<=\drd\s))\b(?:times?|attempts?|calls?|e-?mails?|letters?|messages?|requests?|tries|occasions|tweets|dms)\b"
        r"|(?:(?<=\d\s)|(?<=\d\+\s))\b(?:times|attempts|tries)\b",
        0.75,
        unless=r"\btimes (?:a|per|each|every) (?:day|week|month|quarter|year)\b|" + _INCOMING,
        needs=_CONTACT_WORDS,
        needs_in="near",
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
        "escalation.hashtag",
        "escalation",
        r"#(?:no_?response|no_?reply|no_?answer|ignored|still_?waiting|no_?callback)\b",
        0.75,
        person=None,
        negatable=False,
    ),
    # "20 min going round in circles" beside the sender's contact ("all I want to do is email about it")
    make_rule(
        "escalation.circles",
        "escalation",
        r"\b(?:going|go|goes|went|gone|sent|sending|pushed|passed|run(?:ning)?)\s+(?:a)?round\s+in\s+circles\b|\bfrom pillar to post\b",
        0.75,
        person=None,
        needs=_CONTACT_WORDS,
    ),
    # "I have been ignored", "we feel ignored": anchored on the word, the passive checked behind it (word index)
    make_rule(
        "escalation.ignored_passive",
        "escalation",
        r"\bignored\b",
        0.75,
        person=None,
        unless=r"\b(?:should|can|may|must|will) (?:be )?(?:safely )?(?:disregarded|ignored)\b|\bplease (?:disregard|ignore)\b",
        needs=r"\b(?:been|being|was|were|is|are|am|get|got|getting|feel|felt|keep|kept)\s+(?:\w+\s+)?ignored$",
        needs_in="clause",
    ),
    make_rule(
        "escalation.on_hold",
        "escalation",
        r"\b(?:min(?:ute)?s?|hours?|hrs?)\s+(?:of\s+(?:being\s+)?)?(?:on\s+)?hold\b"
        r"|\bon hold\b[^.!?\n]{0,30}?\b(?:\d+\+?\s*(?:min(?:ute)?s?|hours?|hrs?)|an hour|hours|forever|all day)\b",
        0.75,
        person=None,
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
        "escalation.unanswered",
        "escalation",
        r"\bunanswered\b",
        0.75,
        person="first_clause",
        negatable=False,
        needs=r"\b(?:remain\w*|went|gone|go|goes|left|are|were|is|was|been|still|all)\s+(?:\w+\s+)?unanswered$",
        needs_in="clause",
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
        "escalation.told_no",
        "escalation",
        r"\bbut\s+(?:I\s+|we\s+)?(?:am|['’]m|was|were|have been|['’]ve been|keep (?:being|getting)|kept being|get|got|getting|being)\s+(?:\w+\s+)?(?:told|informed)\b",
        0.7,
        condition_cancels=True,
        # what they were told is a refusal ("... but am told I am not providing enough"); "I wanted to come but was
        # told the room is full" is news ("and was told" was tried: it read reports of news as failed contacts)
        needs=r"\b(?:told|informed)\b[^.!?\n]{0,60}?(?:\b(?:not|no|never|nothing|cannot|unable|impossible|only)\b|n['’]t\b)",
    ),
    make_rule(
        "escalation.wrong_answers",
        "escalation",
        r"\b(?:conflicting|contradictory|contradicting|incorrect|wrong|false|misleading|inaccurate|mixed|different)\s+(?:information|info|answers?|advice|responses|replies|stories|instructions)\b",
        0.7,
        person=None,
        # received by the sender from the company: "from customer support", "you sent me", "getting ..."
        needs=rf"\bfrom\s+{_COMPANY_REACHED}\b|\b(?:you|u|y['’]?all|they|your \w+)\s+(?:\w+\s+)?(?:sent|gave|give|giving|told|tell|telling|provided)\b"
        r"|\b(?:getting|keep getting|(?:I|we) (?:got|get|received|was given|were given|have been given))\b|\b(?:telling|told) (?:me|us)\b",
    ),
    make_rule(
        "escalation.many_staff",
        "escalation",
        # a number in digits is checked behind the noun (a leading \d would be tried at every position, decision 0215)
        rf"\b(?:three|four|five|six|seven|eight|several|multiple)\s+{_STAFF_MET}\b|(?<=\d\s)\b{_STAFF_MET}\b",
        0.7,
        person=None,
        needs=_CONTACT_WORDS + r"|\b(?:said|says|no idea|help\w*)\b",
        needs_in="near",
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
        "escalation.trying_to_reach",
        "escalation",
        r"\btrying\s+to\s+(?:reach|contact|call|get (?:through to|hold of|in touch with)|speak (?:to|with)|talk (?:to|with))\s+"
        r"(?:you|u|y['’]?all|your\s+(?:\w+\s+)?\w+|customer (?:service|support|care)|support|someone|anyone|somebody|@\w+)\s+"
        r"(?:\w+\s+){0,3}?(?:for|since)\s+(?:over\s+|more than\s+|almost\s+|the (?:last|past)\s+)?(?:\d+|an?|two|three|four|five|several|many|days|weeks|months|hours|ages)\b",
        0.75,
        person=None,
    ),
    # contacting the company is pointless ("why bother trying to contact the head office?")
    make_rule(
        "escalation.futile_contact",
        "escalation",
        r"\b(?:why (?:even )?bother|what['’]?s the point (?:of|in))\s+(?:even\s+)?(?:trying to\s+|to\s+)?"
        r"(?:contact\w*|call\w*|phon\w*|e-?mail\w*|messag\w*|tweet\w*|dm\w*|reach\w*|complain\w*|writ\w*|talk\w*|speak\w*|chat\w*)\b",
        0.7,
        person=None,
    ),
    # the contact channel itself fails ("live chat down", "the helpline is closed")
    make_rule(
        "escalation.channel_down",
        "escalation",
        r"\b(?:live chat|web ?chat|online chat|chat support|helpline|help line|phone lines?|phone support|customer (?:service|support|care) (?:line|number|phone)"
        r"|call cent(?:er|re)|support (?:line|number|chat))\s+(?:is\s+|are\s+|has been\s+|have been\s+|seems?\s+(?:to be\s+)?|keeps?\s+)?(?:still\s+|always\s+|completely\s+)?"
        r"(?:down|unavailable|offline|closed|not working|broken|not answering|not available|engaged)\b",
        0.7,
        person=None,
        negatable=False,  # the core holds its own negation ("not working")
    ),
    make_rule(
        "escalation.direct_attention",
        "escalation",
        r"\b(?:to your (?:direct |personal |immediate )attention|(?:writing|write|appeal(?:ing)?) (?:to )?you (?:directly|personally)|last resort|nowhere else to turn)\b",
        0.7,
        person=None,
    ),
    make_rule(
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
    make_rule(
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
)
