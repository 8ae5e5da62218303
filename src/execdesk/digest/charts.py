"""The digest's charts as PNG bytes (matplotlib, no display): volume over the period, and themes.

Small and plain on purpose: they are read on a phone, inside a mail client that shows images
inline (``cid:`` parts) or in a browser (data URIs). The same digest gives the same bytes: no
timestamps in the PNG metadata, fixed size and fonts.
"""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from execdesk.digest.model import Digest

INDIVIDUAL = "#1f4e79"
CAMPAIGN = "#d9822b"
PREVIOUS = "#b8c4d0"
_DPI = 100


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI)
    fig.patch.set_facecolor("white")
    return fig


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI * 2, metadata={"Software": None}, bbox_inches="tight")
    return buf.getvalue()


def _style(ax) -> None:  # type: ignore[no-untyped-def]
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#999999")
    ax.spines["bottom"].set_color("#999999")
    ax.tick_params(colors="#444444", labelsize=7)


def volume_chart(digest: Digest) -> bytes:
    """Inbound messages per hour (or day): individual mail and campaign mail stacked."""
    fig = _figure(3.4, 1.3)
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    points = digest.volume
    xs = list(range(len(points)))
    own = [p[1] for p in points]
    camp = [p[2] for p in points]
    ax.bar(xs, own, color=INDIVIDUAL, width=0.85, label="individual")
    ax.bar(xs, camp, bottom=own, color=CAMPAIGN, width=0.85, label="campaign")
    hourly = (
        len(points) > 1
        and (datetime.fromisoformat(points[1][0]) - datetime.fromisoformat(points[0][0])).total_seconds() <= 3600
    )
    tz = digest_zone(digest)
    step = max(1, len(points) // 5)
    ticks = xs[::step]
    labels = []
    for i in ticks:
        at = datetime.fromisoformat(points[i][0]).astimezone(tz)
        labels.append(at.strftime("%H:%M") if hourly else at.strftime("%d %b"))
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.set_ylabel("messages", fontsize=8, color="#444444")
    if any(camp):
        ax.legend(fontsize=7, frameon=False, loc="upper right")
    ax.set_title("Inbound mail" + (" per hour" if hourly else " per day"), fontsize=9, loc="left", color="#222222")
    return _png(fig)


def themes_chart(digest: Digest) -> bytes:
    """New cases by intent in the period, with the previous period as a light bar behind."""
    fig = _figure(3.4, 1.3)
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    themes = list(reversed(digest.themes[:7]))
    ys = list(range(len(themes)))
    ax.barh([y + 0.18 for y in ys], [t.previous for t in themes], height=0.34, color=PREVIOUS, label="previous period")
    ax.barh([y - 0.18 for y in ys], [t.count for t in themes], height=0.34, color=INDIVIDUAL, label="this period")
    ax.set_yticks(ys)
    ax.set_yticklabels([t.label.replace("_", " ") for t in themes])
    for y, t in zip(ys, themes, strict=True):
        ax.text(t.count, y - 0.18, f" {t.count}", va="center", fontsize=7, color="#222222")
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.set_title("New cases by intent", fontsize=9, loc="left", color="#222222")
    return _png(fig)


def digest_zone(digest: Digest) -> ZoneInfo:
    """The time zone the digest shows times in."""
    return ZoneInfo(digest.timezone)


def charts(digest: Digest) -> dict[str, bytes]:
    """Every chart of the digest by name (the name is the ``cid:`` and the file stem)."""
    out = {"volume": volume_chart(digest)}
    if digest.themes:
        out["themes"] = themes_chart(digest)
    return out
