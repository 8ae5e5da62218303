"""Showing hostile mail safely: sanitised HTML, and the analysed text with its evidence marked.

Every message body comes from the internet. HTML is cleaned with nh3 (an allow-list: no
scripts, styles, event handlers, forms or frames), images are removed (a remote image is a
tracking pixel; the page's CSP would block it anyway), links keep only http(s)/mailto and get
``rel="noopener noreferrer nofollow"``. Evidence is returned as text segments; the template
escapes them, so no message text is ever inserted as markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import nh3

from execdesk.analyze.text import build_view

_DROPPED_TAGS = {"img", "area", "map"}
_TAGS = set(nh3.ALLOWED_TAGS) - _DROPPED_TAGS
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag not in _DROPPED_TAGS}
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style", "template", "noscript", "title", "textarea", "select", "object", "iframe"},
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    url_relative="deny",
    strip_comments=True,
)
_IMG = re.compile(r"<img\b|background\s*=|url\s*\(", re.I)


@dataclass(frozen=True)
class SafeHtml:
    """Sanitised HTML of a message, and how many image references were removed from it."""

    html: str
    images_removed: int


def sanitise_html(html: str) -> SafeHtml:
    return SafeHtml(html=_CLEANER.clean(html), images_removed=len(_IMG.findall(html)))


@dataclass
class Segment:
    """A run of text and the signals whose evidence covers it (empty: plain text)."""

    text: str
    signals: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return ", ".join(self.signals)


@dataclass
class MarkedText:
    """The analysed text of a message split into its subject and body, with evidence marked."""

    subject: list[Segment]
    body: list[Segment]
    unplaced: list[dict[str, Any]]  # evidence whose offsets no longer match the text (shown as quotes)


def _spans(
    analysis: dict[str, Any], text: str, body_start: int, body: str
) -> tuple[list[tuple[int, int, str]], list[Any]]:
    spans: list[tuple[int, int, str]] = []
    unplaced: list[dict[str, Any]] = []
    for sig in analysis.get("signals") or []:
        for ev in sig.get("evidence") or []:
            start, end, quote = int(ev.get("start", -1)), int(ev.get("end", -1)), str(ev.get("text", ""))
            if 0 <= start < end <= len(text) and text[start:end] == quote:
                spans.append((start, end, sig["name"]))
                continue
            found = body.find(quote) if quote else -1
            if found >= 0:
                spans.append((body_start + found, body_start + found + len(quote), sig["name"]))
            else:
                unplaced.append({"signal": sig["name"], "text": quote})
    return spans, unplaced


def _segments(text: str, spans: list[tuple[int, int, str]], lo: int, hi: int) -> list[Segment]:
    cuts = {lo, hi}
    for a, b, _ in spans:
        cuts.update(x for x in (a, b) if lo < x < hi)
    points = sorted(cuts)
    out: list[Segment] = []
    for a, b in pairwise(points):
        names = sorted({name for s, e, name in spans if s <= a and b <= e})
        out.append(Segment(text[a:b], names))
    return out


def mark_evidence(subject: str, body: str, analysis: dict[str, Any] | None) -> MarkedText:
    """The text the analyzer saw (subject, blank line, body) with each signal's evidence marked."""
    view = build_view(subject, body)
    text = view.text
    subject_end = max(view.body_start - 2, 0)
    spans, unplaced = _spans(analysis or {}, text, view.body_start, text[view.body_start :])
    return MarkedText(
        subject=_segments(text, spans, 0, subject_end),
        body=_segments(text, spans, view.body_start, len(text)),
        unplaced=unplaced,
    )


def mark_findings(text: str, findings: list[dict[str, Any]]) -> list[Segment]:
    """A reply's text with the tone guard's findings marked (segment.signals holds the rule ids)."""
    spans = [
        (int(f["start"]), int(f["end"]), f"{f['severity']}:{f['rule']}")
        for f in findings
        if 0 <= int(f.get("start", -1)) < int(f.get("end", -1)) <= len(text)
    ]
    return _segments(text, spans, 0, len(text))
