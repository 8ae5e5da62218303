"""HTML body to plain text for analysis (the original HTML is kept for display).

selectolax's lexbor backend parses like a browser and is fast; script, style, head and
similar elements are dropped. To keep line structure without walking every node in
Python, a private-use marker is inserted before block-level tags, the document text is
taken in one call, whitespace is collapsed as a browser would, and the markers become
line breaks. (``<pre>`` whitespace is collapsed too: rare in mail, a known limitation.)
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

_BREAK = "\ue000"
_PARA = "\ue001"


def _anycase(names: str) -> str:
    """``"br|p"`` -> ``"[bB][rR]|[pP]"``: character classes are much faster than re.I here."""
    return "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in n) for n in names.split("|"))


def _names_by_initial(names: str) -> str:
    """``"br|blockquote|p"`` -> ``"[bB](?:[lL]...|[rR])|[pP](?:)"``: the regex engine tests one
    character class per initial letter instead of every name in turn (the result is only
    used inside a lookahead, so the order of the alternatives does not matter)."""
    by_initial: dict[str, list[str]] = {}
    for name in names.split("|"):
        by_initial.setdefault(name[0], []).append(name[1:])
    alternatives = []
    for initial, rests in sorted(by_initial.items()):
        tails = "|".join(_anycase(rest) if rest else "" for rest in sorted(rests, key=len, reverse=True))
        alternatives.append(f"{_anycase(initial)}(?:{tails})")
    return "|".join(alternatives)


_PARA_TAG = re.compile(r"<(?=(?:" + _names_by_initial("p|h1|h2|h3|h4|h5|h6|blockquote|table|hr") + r")[\s/>])")
_BLOCK_NAMES = (
    "br|p|div|li|ul|ol|table|h1|h2|h3|h4|h5|h6|blockquote|pre|hr|dt|dd|section|article|"
    "header|footer|address|center|form|fieldset|dl"
)
_BLOCK_TAG = re.compile(r"<(?=/?(?:" + _names_by_initial(_BLOCK_NAMES) + r")[\s/>])")
# A marker between table tags would be moved out of the table by the HTML parser
# ("foster parenting"), so cells get theirs just inside the opening tag.
_CELL_TAG = re.compile(r"(<[tT][dDhH](?:\s[^>]*)?>)")
_DROP = ["script", "style", "head", "title", "noscript", "template", "iframe", "object", "svg"]
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_MANY_BREAKS = re.compile(r"\n\n\n+")


def html_to_text(html: str) -> str:
    """Readable text of ``html`` with one line per block element and blank lines between paragraphs."""
    marked = _PARA_TAG.sub(_PARA + "<", html)
    marked = _BLOCK_TAG.sub(_BREAK + "<", marked)
    # = _CELL_TAG.sub("\\1" + _BREAK, marked), without a Python template expansion per cell.
    pieces = _CELL_TAG.split(marked)
    pieces[1::2] = [tag + _BREAK for tag in pieces[1::2]]
    marked = "".join(pieces)
    tree = LexborHTMLParser(marked)
    tree.strip_tags(_DROP)
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="")
    text = _SPACES.sub(" ", text)
    for marker in (_PARA, _BREAK):
        text = text.replace(" " + marker, marker).replace(marker + " ", marker)
    text = text.replace(_PARA, "\n\n").replace(_BREAK, "\n")
    return _MANY_BREAKS.sub("\n\n", text).strip()
