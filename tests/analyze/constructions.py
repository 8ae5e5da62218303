"""The check shared by the signal-construction tests: a construction fires on its example and not on its near miss."""

from __future__ import annotations

from execdesk.analyze.pipeline import analyze_text


def assert_fires_and_not_on_the_near_miss(construction: str, signal: str, fires: str, quiet: str, subject: str) -> None:
    """``signal`` fires on ``fires`` with evidence taken from it, and stays quiet on ``quiet``."""
    hit = analyze_text(subject, fires).signal(signal)
    assert hit is not None, construction
    assert any(ev.text in fires for ev in hit.evidence)
    missed = analyze_text(subject, quiet).signal(signal)
    assert missed is None, missed
