# ruff: noqa: E501 - long regular expressions read better unbroken than split mid-alternation
"""The ``regulator`` rules: complained to an official body, or the sender is one."""

from __future__ import annotations

from execdesk.analyze.signal_rules.rule import Rule, make_rule

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

RULES: tuple[Rule, ...] = (
    make_rule(
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
    make_rule(
        "regulator.official_sender",
        "regulator",
        rf"\b{_OFFICIAL_SENDER}",
        0.85,
        person=None,
        negatable=False,
        # someone relays the body's letter or subpoena: the body is not the one writing (decision 0223)
        unless=r"\b(?:asked me to (?:send|forward|pass|circulate)|(?:you|we|they|each of you|all of you) (?:have |has |had |may have )?(?:recently )?received)\b",
    ),
)
