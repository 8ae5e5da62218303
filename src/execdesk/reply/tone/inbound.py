"""The inbound context of a reply, from the analyze stage (the guard itself stays independent of it)."""

from __future__ import annotations

from execdesk.reply.tone.model import InboundContext


def context_from_text(subject: str, body: str) -> InboundContext:
    """Intent and sentiment of the customer's message via ``execdesk.analyze``; unknown if it fails."""
    try:
        from execdesk.analyze import analyze_text

        a = analyze_text(subject, body)
    except Exception:  # the analyze stage is optional context: a failure there must not stop a reply
        return InboundContext(text=body)
    return InboundContext(
        intent=a.intent.label,
        sentiment=a.sentiment.label,
        text=body,
        signals=tuple(s.name for s in a.signals),
    )


def context_from_eml(raw: bytes) -> InboundContext:
    """Context of an inbound .eml: only the sender's new text counts (quotes and signature are skipped)."""
    from execdesk.parse import parse_message

    parsed = parse_message(raw)
    return context_from_text(parsed.subject or "", parsed.new_text or parsed.text or "")
