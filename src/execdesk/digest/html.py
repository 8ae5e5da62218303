# ruff: noqa: E501  (the template is HTML; its lines are not Python)
"""The digest as e-mail-safe HTML: one page, tables, inline styles, no scripts, no external resources.

Mail clients drop ``<style>`` blocks, scripts and remote images, so everything is inline and the
charts come from ``image_src(name)``: ``cid:NAME`` in the mail, a ``data:`` URI in a file or PDF.
The same HTML is what weasyprint turns into the PDF.

The briefing is one page (issue #7): lists are capped by a :class:`Layout` and end in an
"and N more" line, summaries are clipped at a word, the two charts sit side by side and the
lower half is two columns (what to answer | what else to know). The PDF renderer tightens the
layout step by step until the page count is one (:data:`TIGHTER`); no section is ever dropped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment
from markupsafe import Markup, escape

from execdesk.digest.model import Digest


@dataclass(frozen=True)
class Layout:
    """How much of each list the page shows; the rest is counted in an "and N more" line."""

    leads: int = 3
    lead_chars: int = 150
    campaigns: int = 3
    campaign_chars: int = 95
    additions: int = 1
    stance_chars: int = 100
    personal: int = 5
    high_risk: int = 4
    praise: int = 2
    themes: int = 5
    chart_px: int = 330
    topics: int = 5
    summary_chars: int = 90
    reasons: int = 2
    reason_chars: int = 48


#: Successively tighter layouts the PDF falls back to when a busy day does not fit one page.
TIGHTER = (
    Layout(),
    Layout(lead_chars=130, personal=4, high_risk=3, summary_chars=80, reason_chars=45),
    Layout(
        leads=2,
        lead_chars=120,
        campaigns=2,
        campaign_chars=95,
        stance_chars=90,
        personal=4,
        high_risk=3,
        praise=1,
        summary_chars=75,
        reasons=1,
        reason_chars=50,
    ),
    Layout(
        leads=2,
        lead_chars=95,
        campaigns=1,
        campaign_chars=85,
        additions=0,
        stance_chars=80,
        personal=3,
        high_risk=2,
        praise=1,
        themes=4,
        topics=0,
        chart_px=270,
        summary_chars=65,
        reasons=1,
        reason_chars=45,
    ),
)

_FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_TEXT = "font-size:12px;line-height:1.35;color:#1f2937"
_SMALL = "font-size:11px;line-height:1.3;color:#6b7280"
_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ d.title }}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;{{ font }}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" class="outer" style="background:#f3f4f6">
<tr><td align="center" style="padding:12px 6px">
<table role="presentation" width="700" cellpadding="0" cellspacing="0" class="page" style="width:700px;max-width:100%;background:#ffffff;border:1px solid #e5e7eb">
<tr><td style="padding:12px 16px 4px 16px">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%"><tr>
  <td style="font-size:19px;font-weight:bold;color:#111827">Executive briefing</td>
  <td align="right" style="{{ small }};text-align:right">{{ d.company }} · for {{ d.executive }}<br>{{ d.period_label }}</td>
  </tr></table>
</td></tr>

<tr><td style="padding:4px 16px">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%;background:#fff7ed;border-left:4px solid #d9822b">
  {% for lead in d.leads[:lay.leads] %}
  <tr><td style="padding:4px 10px;{{ text }}"><b>{{ loop.index }}.</b> {{ lead.text | clip(lay.lead_chars) }}</td></tr>
  {% endfor %}
  </table>
</td></tr>

<tr><td style="padding:4px 16px">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%"><tr>
  {% for label, value, note in stats %}
    <td width="20%" valign="top" style="padding:4px 4px;border:1px solid #e5e7eb;text-align:center">
      <div style="font-size:17px;font-weight:bold;color:#111827">{{ value }}</div>
      <div style="{{ small }}">{{ label }}{% if note %} · <span style="color:{{ note[1] }}">{{ note[0] }}</span>{% endif %}</div>
    </td>
  {% endfor %}
  </tr></table>
</td></tr>

{% if images %}
<tr><td style="padding:4px 16px">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%"><tr>
  {% if images.volume %}<td width="50%" valign="top" style="padding-right:4px"><img src="{{ images.volume }}" width="{{ lay.chart_px }}" alt="Inbound mail over the period" style="display:block;width:100%;max-width:{{ lay.chart_px }}px;height:auto;border:0"></td>{% endif %}
  {% if images.themes %}<td width="50%" valign="top" style="padding-left:4px"><img src="{{ images.themes }}" width="{{ lay.chart_px }}" alt="New cases by intent, against the previous period" style="display:block;width:100%;max-width:{{ lay.chart_px }}px;height:auto;border:0"></td>{% endif %}
  </tr></table>
</td></tr>
{% endif %}

{% if d.campaigns %}
<tr><td style="padding:6px 16px 2px 16px">{{ h("Campaigns") }}</td></tr>
{% set shown = d.campaigns[:lay.campaigns] %}
{% for c in shown %}
{% if c.related_to or not loop.first %}
<tr><td style="padding:2px 16px;{{ small }}">{% if c.related_to %}Same event, other words{% else %}Also{% endif %}: <b>{{ c.title | clip(90) }}</b> — {{ c.in_period }} in the period, {{ c.size }} in all, {{ c.growth }}{% if c.trigger %}, about {{ c.trigger.ref }}{% endif %}</td></tr>
{% else %}
<tr><td style="padding:2px 16px 4px 16px;{{ text }}">
  <div style="font-size:13px;font-weight:bold;color:#111827">{{ c.title | clip(120) }}</div>
  <div style="{{ small }}">{{ c.in_period }} in the period · {{ c.size }} in all · {{ c.distinct_senders }} senders · {{ c.growth }}{% if c.peak_hour %} · peak {{ when(c.peak_hour) }}{% endif %}{% if c.shared_links %} · link: {{ c.shared_links[0] | clip(70) }}{% endif %}</div>
  {% if c.trigger %}<div><b>Trigger:</b> {{ c.trigger.contact_name or c.trigger.contact }} ({{ c.trigger.ref }}) — {{ c.trigger.summary | clip(lay.campaign_chars) }}</div>{% endif %}
  {% if c.form_summary %}<div><b>The form says:</b> {{ c.form_summary | clip(lay.campaign_chars) }}</div>{% endif %}
  {% if c.additions and lay.additions %}<div><b>Members add:</b> {% for a in c.additions[:lay.additions] %}{{ a | clip(lay.campaign_chars - 30) }}{% if not loop.last %}; {% endif %}{% endfor %}{{ more(c.additions | length - lay.additions, "other addition", "other additions") }}</div>{% endif %}
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%;background:#f9fafb;border:1px solid #e5e7eb;margin-top:3px">
  <tr><td style="padding:3px 8px;{{ text }}"><b>Suggested stance</b>
  {% for step in c.stance %}<div>→ {{ step | clip(lay.stance_chars) }}</div>{% endfor %}
  </td></tr></table>
</td></tr>
{% endif %}
{% endfor %}
{% if d.campaigns | length > shown | length %}<tr><td style="padding:2px 16px;{{ small }}">and {{ d.campaigns | length - shown | length }} more active campaigns</td></tr>{% endif %}
{% endif %}

<tr><td style="padding:6px 16px 12px 16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%"><tr>
<td width="60%" valign="top" style="vertical-align:top;padding-right:10px">
  {{ h("Worth a personal reply") }}
  {% for p in d.personal_replies[:lay.personal] %}
  <div style="padding:3px 0;border-bottom:1px solid #f3f4f6;{{ text }}">
    <b>{{ p.contact_name or p.contact }}</b> <span style="color:#6b7280">{{ p.ref }}</span> · <span style="color:#9a3412">{{ p.reasons[:lay.reasons] | join("; ") | clip(lay.reason_chars) }}</span><br>
    “{{ p.summary | clip(lay.summary_chars) }}”
  </div>
  {% else %}<div style="{{ small }}">Nothing this period.</div>
  {% endfor %}
  {% if d.personal_replies | length > lay.personal %}<div style="{{ small }}">and {{ d.personal_replies | length - lay.personal }} more</div>{% endif %}
</td>
<td width="40%" valign="top" style="vertical-align:top;padding-left:10px;border-left:1px solid #e5e7eb">
  {{ h("High risk") }}
  {% for r in d.high_risk[:lay.high_risk] %}
  <div style="padding:3px 0;border-bottom:1px solid #f3f4f6;{{ text }}">
    <b>{{ r.contact_name or r.contact }}</b> <span style="color:#6b7280">{{ r.ref }} · {{ r.owner }}</span> · <span style="color:#b91c1c">{{ r.reasons[:lay.reasons] | join("; ") | clip(lay.reason_chars) }}</span><br>
    {{ (r.summary or r.subject) | clip(lay.summary_chars) }}
  </div>
  {% else %}<div style="{{ small }}">No legal, regulator, press or going-public case.</div>
  {% endfor %}
  {% if d.high_risk | length > lay.high_risk %}<div style="{{ small }}">and {{ d.high_risk | length - lay.high_risk }} more in the queue</div>{% endif %}

  <div style="height:6px"></div>{{ h("Themes") }}
  <div style="padding:3px 0;{{ text }}">{% for t in d.themes[:lay.themes] %}{{ t.label | replace("_", " ") }} {{ t.count }}{% if t.previous %} (was {{ t.previous }}){% endif %}{% if not loop.last %} · {% endif %}{% else %}No new cases.{% endfor %}</div>
  {% if d.topics and lay.topics %}<div style="{{ small }}">Topics: {% for t in d.topics[:lay.topics] %}{{ t.label }} {{ t.count }}{% if not loop.last %} · {% endif %}{% endfor %}</div>{% endif %}

  <div style="height:6px"></div>{{ h("Praise") }}
  {% for p in d.praise[:lay.praise] %}<div style="padding:3px 0;{{ text }}">“{{ p.summary | clip(lay.summary_chars) }}” <span style="color:#6b7280">— {{ p.contact_name or p.contact }} ({{ p.ref }})</span></div>
  {% else %}<div style="{{ small }}">None this period.</div>{% endfor %}
  {% if d.praise | length > lay.praise %}<div style="{{ small }}">and {{ d.praise | length - lay.praise }} more</div>{% endif %}

  <div style="height:6px"></div>{{ h("Response times") }}
  <div style="padding:3px 0;{{ text }}">{{ sla }}</div>
  {% if d.alerts %}<div style="{{ small }}">Alerts: {% for a in d.alerts[:3] %}{{ when(a.at) }} {{ a.title | clip(60) }}{% if not loop.last %} · {% endif %}{% endfor %}{{ more(d.alerts | length - 3, "more", "more") }}</div>{% endif %}
</td>
</tr></table>
</td></tr>

<tr><td class="foot" style="padding:4px 16px 8px 16px;border-top:1px solid #e5e7eb;font-size:10px;color:#9ca3af">
  Made by execdesk at {{ when(d.generated_at) }}. Every suggestion lists its reasons; summaries are the writers' own sentences.
</td></tr>
</table>
</td></tr></table>
</body></html>
"""


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word to at most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:.—- ") + "…"


def _more(n: int, one: str, many: str) -> str:
    return f" (and {n} {one if n == 1 else many})" if n > 0 else ""


_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_env.filters["clip"] = clip
_template = _env.from_string(_TEMPLATE)


def _heading(text: str) -> Markup:
    return Markup(
        f'<div style="font-size:11px;font-weight:bold;color:#374151;text-transform:uppercase;letter-spacing:.05em;'
        f'border-bottom:2px solid #111827;padding-bottom:2px">{escape(text)}</div>'
    )


def sla_sentence(d: Digest) -> str:
    s = d.sla
    if not s.due:
        return "No first response fell due in the period."
    target = f" within {s.target_hours:g} hours" if s.target_hours else " within the SLA"
    median = (
        f" Median first response: {s.median_first_response_hours:g} hours."
        if s.median_first_response_hours is not None
        else ""
    )
    overdue = f" {s.overdue_open} still open and overdue." if s.overdue_open else ""
    return f"{s.met} of {s.due} cases answered{target} ({s.attainment_pct:g}%).{overdue}{median}"


def _stats(d: Digest) -> list[tuple[str, str, tuple[str, str] | None]]:
    t = d.totals
    change = None
    if t.change_pct is not None:
        up = t.change_pct > 0
        change = (f"{'+' if up else ''}{t.change_pct:g}% vs previous", "#b45309" if up else "#047857")
    sla = f"{d.sla.attainment_pct:g}%" if d.sla.attainment_pct is not None else "–"
    return [
        ("messages", str(t.messages), change),
        ("new cases", str(t.new_cases), None),
        ("in campaigns", str(t.campaign_messages), None),
        ("open cases", str(t.open_cases), None),
        ("answered in time", sla, None),
    ]


def render_html(d: Digest, images: Mapping[str, str], layout: Layout | None = None) -> str:
    """The HTML; ``images`` maps a chart name to its ``src`` (``cid:...`` or ``data:...``)."""
    zone = ZoneInfo(d.timezone)

    def when(value: datetime | str) -> str:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(value.split(" ")[0])
        return at.astimezone(zone).strftime("%d %b %H:%M")

    return _template.render(
        d=d,
        font=_FONT,
        text=Markup(_TEXT),
        small=Markup(_SMALL),
        stats=_stats(d),
        images=images,
        h=_heading,
        when=when,
        more=_more,
        sla=sla_sentence(d),
        lay=layout or Layout(),
    )


def data_uris(pngs: Mapping[str, bytes]) -> dict[str, str]:
    """Charts inlined as ``data:image/png;base64,...`` (HTML files and the PDF)."""
    return {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in pngs.items()}
