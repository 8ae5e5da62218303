# ruff: noqa: E501  (the template is HTML; its lines are not Python)
"""The digest as e-mail-safe HTML: one table-based column, inline styles, no scripts, no external resources.

Mail clients drop ``<style>`` blocks, scripts and remote images, so everything is inline and the
charts come from ``image_src(name)``: ``cid:NAME`` in the mail, a ``data:`` URI in a file or PDF.
The same HTML is what weasyprint turns into the PDF.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment

from execdesk.digest.model import Digest

_FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ d.title }}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;{{ font }}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" class="outer" style="background:#f3f4f6">
<tr><td align="center" style="padding:16px 8px">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" class="page" style="width:680px;max-width:100%;background:#ffffff;border:1px solid #e5e7eb">
<tr><td style="padding:20px 24px 8px 24px">
  <div style="font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.06em">{{ d.company }} · for {{ d.executive }}</div>
  <div style="font-size:22px;font-weight:bold;color:#111827;margin-top:2px">Executive briefing</div>
  <div style="font-size:13px;color:#4b5563;margin-top:2px">{{ d.period_label }}</div>
</td></tr>

<tr><td style="padding:8px 24px">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%;background:#fff7ed;border-left:4px solid #d9822b">
  {% for lead in d.leads %}
  <tr><td style="padding:8px 12px;font-size:14px;line-height:1.45;color:#1f2937">
    <b>{{ loop.index }}.</b> {{ lead.text }}
  </td></tr>
  {% endfor %}
  </table>
</td></tr>

<tr><td style="padding:8px 24px">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%"><tr>
  {% for label, value, note in stats %}
    <td width="20%" valign="top" style="padding:8px 6px;border:1px solid #e5e7eb;text-align:center">
      <div style="font-size:20px;font-weight:bold;color:#111827">{{ value }}</div>
      <div style="font-size:11px;color:#6b7280">{{ label }}</div>
      {% if note %}<div style="font-size:11px;color:{{ note[1] }}">{{ note[0] }}</div>{% endif %}
    </td>
  {% endfor %}
  </tr></table>
</td></tr>

{% if images.volume %}
<tr><td style="padding:4px 24px"><img src="{{ images.volume }}" width="632" alt="Inbound mail over the period" style="display:block;width:100%;max-width:632px;height:auto;border:0"></td></tr>
{% endif %}

{% if d.campaigns %}
<tr><td style="padding:12px 24px 4px 24px">{{ h("Campaigns") }}</td></tr>
{% for c in d.campaigns %}
{% if c.related_to %}
<tr><td style="padding:0 24px 6px 24px;font-size:12px;color:#4b5563">Same event, other words: <b>{{ c.title }}</b> — {{ c.in_period }} in the period, {{ c.size }} in all{% if c.own_text_members %}, {{ c.own_text_members }} with their own text{% endif %}</td></tr>
{% else %}
<tr><td style="padding:4px 24px 10px 24px">
  <div style="font-size:15px;font-weight:bold;color:#111827">{{ c.title }}</div>
  <div style="font-size:12px;color:#4b5563;margin:2px 0 6px 0">
    {{ c.in_period }} in the period · {{ c.size }} in all · {{ c.distinct_senders }} senders · {{ c.growth }}{% if c.peak_hour %} · peak {{ when(c.peak_hour) }}{% endif %}
  </div>
  {% if c.trigger %}<div style="font-size:13px;color:#1f2937;margin-bottom:4px"><b>About:</b> {{ c.trigger.contact_name or c.trigger.contact }} ({{ c.trigger.ref }}) — {{ c.trigger.summary }}</div>{% endif %}
  {% if c.form_summary %}<div style="font-size:13px;color:#1f2937;margin-bottom:4px"><b>The form says:</b> {{ c.form_summary }}</div>{% endif %}
  {% if c.additions %}<div style="font-size:13px;color:#1f2937;margin-bottom:4px"><b>Members add:</b> {{ c.additions | join("; ") }}</div>{% endif %}
  {% if c.shared_links %}<div style="font-size:12px;color:#4b5563;margin-bottom:4px">Shared link: {{ c.shared_links[0] }}</div>{% endif %}
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%;background:#f9fafb;border:1px solid #e5e7eb">
  <tr><td style="padding:6px 10px;font-size:13px;color:#1f2937"><b>Suggested stance</b>
  {% for step in c.stance %}<div style="padding-top:3px">→ {{ step }}</div>{% endfor %}
  </td></tr></table>
</td></tr>
{% endif %}
{% endfor %}
{% endif %}

{% if d.personal_replies %}
<tr><td style="padding:12px 24px 4px 24px">{{ h("Worth a personal reply") }}</td></tr>
<tr><td style="padding:0 24px 8px 24px">
{% for p in d.personal_replies %}
  <div style="padding:6px 0;border-bottom:1px solid #f3f4f6;font-size:13px;line-height:1.45;color:#1f2937">
    <b>{{ p.contact_name or p.contact }}</b> <span style="color:#6b7280">{{ p.ref }} · {{ p.subject }}</span><br>
    <span style="color:#9a3412">Why: {{ p.reasons | join("; ") }}</span><br>
    “{{ p.summary | truncate(220, end="…", leeway=0) }}”
  </div>
{% endfor %}
</td></tr>
{% endif %}

{% if d.high_risk %}
<tr><td style="padding:12px 24px 4px 24px">{{ h("High risk") }}</td></tr>
<tr><td style="padding:0 24px 8px 24px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="width:100%;border-collapse:collapse">
{% for r in d.high_risk %}
  <tr>
    <td valign="top" style="padding:6px 8px 6px 0;border-bottom:1px solid #f3f4f6;font-size:12px;color:#6b7280;white-space:nowrap">{{ r.ref }}<br>{{ r.owner }}</td>
    <td valign="top" style="padding:6px 0;border-bottom:1px solid #f3f4f6;font-size:13px;line-height:1.4;color:#1f2937">
      <b>{{ r.subject }}</b> <span style="color:#6b7280">— {{ r.contact_name or r.contact }}</span><br>
      <span style="color:#b91c1c">{{ r.reasons | join("; ") }}</span><br>{{ r.summary | truncate(220, end="…", leeway=0) }}
    </td>
  </tr>
{% endfor %}
</table>
</td></tr>
{% endif %}

<tr><td style="padding:12px 24px 4px 24px">{{ h("Themes") }}</td></tr>
<tr><td style="padding:0 24px 4px 24px;font-size:13px;color:#1f2937">
  {% for t in d.themes[:6] %}{{ t.label | replace("_", " ") }} {{ t.count }}{% if t.previous %} (was {{ t.previous }}){% endif %}{% if not loop.last %} · {% endif %}{% endfor %}
  {% if d.topics %}<br><span style="color:#4b5563">Topics: {% for t in d.topics[:6] %}{{ t.label }} {{ t.count }}{% if not loop.last %} · {% endif %}{% endfor %}</span>{% endif %}
</td></tr>
{% if images.themes %}
<tr><td style="padding:4px 24px"><img src="{{ images.themes }}" width="632" alt="New cases by intent" style="display:block;width:100%;max-width:632px;height:auto;border:0"></td></tr>
{% endif %}

{% if d.praise %}
<tr><td style="padding:12px 24px 4px 24px">{{ h("Praise") }}</td></tr>
<tr><td style="padding:0 24px 8px 24px">
{% for p in d.praise %}<div style="padding:4px 0;font-size:13px;color:#1f2937">“{{ p.summary }}” <span style="color:#6b7280">— {{ p.contact_name or p.contact }} ({{ p.ref }})</span></div>{% endfor %}
</td></tr>
{% endif %}

<tr><td style="padding:12px 24px 4px 24px">{{ h("Response times") }}</td></tr>
<tr><td style="padding:0 24px 12px 24px;font-size:13px;color:#1f2937">{{ sla }}</td></tr>

{% if d.alerts %}
<tr><td style="padding:12px 24px 4px 24px">{{ h("Alerts") }}</td></tr>
<tr><td style="padding:0 24px 12px 24px;font-size:13px;color:#1f2937">
{% for a in d.alerts %}<div>{{ when(a.at) }} · {{ a.kind }} · {{ a.title }}</div>{% endfor %}
</td></tr>
{% endif %}

<tr><td style="padding:12px 24px 18px 24px;border-top:1px solid #e5e7eb;font-size:11px;color:#9ca3af">
  Made by execdesk at {{ when(d.generated_at) }}. Every suggestion lists its reasons; summaries are the writers' own sentences.
</td></tr>
</table>
</td></tr></table>
</body></html>
"""
_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_template = _env.from_string(_TEMPLATE)


def _heading(text: str) -> str:
    from markupsafe import Markup, escape

    return Markup(
        f'<div style="font-size:13px;font-weight:bold;color:#374151;text-transform:uppercase;letter-spacing:.05em;'
        f'border-bottom:2px solid #111827;padding-bottom:3px">{escape(text)}</div>'
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


def render_html(d: Digest, images: Mapping[str, str]) -> str:
    """The HTML; ``images`` maps a chart name to its ``src`` (``cid:...`` or ``data:...``)."""
    zone = ZoneInfo(d.timezone)

    def when(value: datetime | str) -> str:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(value.split(" ")[0])
        return at.astimezone(zone).strftime("%d %b %H:%M")

    return _template.render(d=d, font=_FONT, stats=_stats(d), images=images, h=_heading, when=when, sla=sla_sentence(d))


def data_uris(pngs: Mapping[str, bytes]) -> dict[str, str]:
    """Charts inlined as ``data:image/png;base64,...`` (HTML files and the PDF)."""
    return {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in pngs.items()}
