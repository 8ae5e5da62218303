"""Bytes to text with the declared charset first and a recorded fallback.

Mail declares its charset; statistical detectors (charset-normalizer) misguess short
Western and Cyrillic texts, so the declaration is trusted and only when it is missing,
unknown or wrong do we fall back: UTF-8 (strict), then windows-1252, then latin-1 (which
never fails). Every fallback is reported as a defect so that a reader knows why a
character may look odd.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

# Labels that mail software writes but Python does not know, or knows less well than
# the superset every mail client actually uses (WHATWG encoding practice).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "windows-31j": "cp932",
    "iso-8859-8-i": "iso-8859-8",
    "tis-620": "cp874",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}
# Codecs whose ASCII-only input may still not mean ASCII text.
_NOT_ASCII_SAFE = ("utf_16", "utf_32", "utf_7", "iso2022", "hz")
# Labels that say "I do not know" rather than naming a charset.
_NO_CHARSET = {"", "unknown-8bit", "x-unknown", "unknown", "default", "charset", "none"}


@lru_cache(maxsize=256)
def codec_for(label: str | None) -> tuple[str | None, bool]:
    """Return ``(python codec name or None if unknown, ascii_safe)`` for a MIME label."""
    if label is None:
        return "utf-8", True
    name = label.strip().strip("\"'").strip().lower()
    if name in _NO_CHARSET:
        return None, True
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None, True
    if not getattr(info, "_is_text_encoding", True):  # e.g. "base64", "rot13"
        return None, True
    return info.name, not info.name.startswith(_NOT_ASCII_SAFE)


def _fallback(data: bytes) -> tuple[str, str]:
    """UTF-8, then windows-1252, then latin-1; returns (text, codec used)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def decode_bytes(data: bytes, label: str | None, defects: list[str], where: str) -> str:
    """Decode ``data`` declared as ``label``; append a defect for every fallback taken."""
    codec, ascii_safe = codec_for(label)
    if ascii_safe and data.isascii():
        return data.decode("ascii")
    if codec is None:
        text, used = _fallback(data)
        shown = (label or "").strip()[:40]
        defects.append(f"{where}: unknown charset {shown!r}, decoded as {used}")
        return text
    try:
        return data.decode(codec)
    except Exception:
        pass
    if codec in ("ascii", "utf-8"):
        # Undeclared or mislabelled 8-bit text: almost always UTF-8 or Windows Western.
        text, used = _fallback(data)
        defects.append(f"{where}: 8-bit bytes not valid {label or 'us-ascii'}, decoded as {used}")
        return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        defects.append(f"{where}: bytes are not valid {label}, decoded as utf-8")
        return text
    try:
        text = data.decode(codec, "replace")
    except Exception:
        text, _ = _fallback(data)
    defects.append(f"{where}: invalid bytes for charset {label}, replaced")
    return text
