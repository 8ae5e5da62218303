"""The formal legal notice rule decides formal correspondence and stays out of office mail (decision 0228).

Each construction is a pair written for this test (not taken from a data set): a message the rule must decide
as ``legal_notice``, and a near miss from ordinary internal mail with the same core words, which it must not.
"""

from __future__ import annotations

import pytest

from execdesk.analyze import analyze_text

RULE = "rule:legal_notice.formal"

# (construction, decided by the rule, near miss)
PAIRS = [
    (
        "a subpoena delivered to the reader, not subpoenas an office organises work around",
        (
            "Subpoena for your records",
            "Enclosed please find a subpoena from the county court requiring you to produce the ledgers by May 3.",
        ),
        (
            "Records group",
            "Legal has formed a group to answer the subpoenas the firm keeps getting from the state; help if asked.",
        ),
    ),
    (
        "a subpoena served, in the subject line",
        ("Service of subpoena", "Please see the attached copy; your counsel should receive one as well."),
        ("Subpoena team", "The team meets on Tuesday in room 4; bring the binders."),
    ),
    (
        "a notice given to the reader, not a confidentiality footer",
        (
            "Lease 14-B",
            "You are hereby notified that the lease of unit 14-B is terminated as of March 1 for non-payment.",
        ),
        (
            "Budget draft",
            "Here is the draft for Monday.\nIf you are not the intended recipient, you are hereby notified that any "
            "use, copying or distribution of this message is prohibited.",
        ),
    ),
    (
        "a cited provision, not an agreement of ordinary business",
        (
            "Records demand",
            "Pursuant to Section 220 of the Delaware code, our client demands to inspect the company's books.",
        ),
        (
            "Shipment",
            "Pursuant to the pricing agreement with Dalton, the second shipment goes out on Friday as planned.",
        ),
    ),
]


@pytest.mark.parametrize(("construction", "fires", "near_miss"), PAIRS, ids=[p[0] for p in PAIRS])
def test_formal_legal_notice_rule(construction: str, fires: tuple[str, str], near_miss: tuple[str, str]) -> None:
    ruled = analyze_text(*fires).intent
    assert (ruled.label, ruled.source) == ("legal_notice", RULE), construction
    assert ruled.evidence and ruled.evidence[0].text
    missed = analyze_text(*near_miss).intent
    assert missed.source != RULE, (construction, missed.evidence)
