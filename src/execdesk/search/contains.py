"""Which messages can hold a link, read from the search index instead of every message's text.

``new_text LIKE '%url%'`` has no index to use: it reads the text of every message. The search index
(decision 0720) holds the words of the first 100,000 characters of each new text, so a message that
contains the link there also holds certain index entries; :func:`may_contain_link` is a condition that
every such message meets and few others do. It narrows, it does not decide: callers keep the exact
``contains(url)`` check (decision 0316).

- **SQLite FTS5** re-tokenises a quoted string itself, so the link's own words written as a phrase on
  the ``body`` column are in the index wherever the link is in the text, except at its two ends: the
  first word can be glued to a word before it (``seehttps``) and the last one to what follows
  (``/outage-2026x``). The first word is left out and the last is a prefix (``"..." *``).
- **PostgreSQL** indexes the text with a link's joiners made spaces (decision 0722), so a link's words
  are lexemes of their own, except at its ends, where a word can be glued to the text around it. The
  lexemes the link yields in every context of :data:`_PG_CONTEXTS` (its inner words: ``blog``,
  ``example``, ``net``, ``outage``...) are the condition; a link that yields none is not narrowed.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, TextClause, bindparam, text

from execdesk.search.schema import FTS_TABLE, PG_DOCUMENT, pg_words

#: A run of characters that may be one FTS5 token with its neighbours: all but ASCII separators.
_EDGE_WORD = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_ASCII_WORD = re.compile(r"[0-9A-Za-z]")
#: Text around a link in mail: start or end of text, spaces, brackets and quotes, sentence punctuation,
#: a longer link (a further path, a query, a letter glued on), a letter or digit glued before it. A
#: lexeme the link yields in all of them is in the index wherever the link is in the text.
_PG_CONTEXTS = (
    ("", ""),
    ("x", ""),
    ("1", ""),
    (" ", " "),
    ("\n", "\n"),
    ("(", ")"),
    ("<", ">"),
    ('"', '"'),
    ("'", "'"),
    ("[", "]"),
    (":", "."),
    ("=", ","),
    ("", ";"),
    ("", "x"),
    ("", "1"),
    ("", "-x"),
    ("", "_x"),
    ("", "/x"),
    ("", "?q=1"),
    ("", "#x"),
    ("", "@x"),
    ("", ".x"),
)


def may_contain_link(conn: Connection, url: str) -> TextClause | None:
    """A condition on ``messages`` met by every message whose indexed new text contains ``url``, or
    None when the index cannot narrow the search (then only a scan is exact)."""
    if conn.dialect.name == "sqlite":
        return _fts5_condition(url)
    if conn.dialect.name == "postgresql":
        return _tsquery_condition(conn, url)
    return None


def fts5_phrase(url: str) -> str | None:
    """The FTS5 query for the link's words on the body column, or None when it has no inner word."""
    url = url.replace("\x00", " ")
    first = _EDGE_WORD.match(url)
    inner = url[first.end() :] if first else url
    if not _ASCII_WORD.search(inner):
        return None
    star = " *" if _EDGE_WORD.search(inner[-1]) else ""
    return 'body : "' + inner.replace('"', '""') + '"' + star


def _fts5_condition(url: str) -> TextClause | None:
    phrase = fts5_phrase(url)
    if phrase is None:
        return None
    ids = text(f"messages.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :link_fts)")
    return ids.bindparams(bindparam("link_fts", phrase))


def stable_lexemes(conn: Connection, url: str) -> list[str]:
    """The lexemes PostgreSQL's parser gives the link in every context of :data:`_PG_CONTEXTS`."""
    variants = [before + url + after for before, after in _PG_CONTEXTS]
    rows = conn.execute(
        text(
            f"SELECT tsvector_to_array(to_tsvector('simple'::regconfig, {pg_words('v')}))"
            " FROM unnest(CAST(:variants AS text[])) v"
        ),
        {"variants": variants},
    ).scalars()
    common: set[str] | None = None
    for lexemes in rows:
        common = set(lexemes) if common is None else common & set(lexemes)
    return sorted(common or ())


def _tsquery_literal(lexemes: list[str]) -> str:
    """All the lexemes, each quoted for the tsquery input syntax."""
    quoted = ("'" + lex.replace("\\", "\\\\").replace("'", "''") + "'" for lex in lexemes)
    return " & ".join(quoted)


def _tsquery_condition(conn: Connection, url: str) -> TextClause | None:
    lexemes = stable_lexemes(conn, url.replace("\x00", " "))
    if not lexemes:
        return None
    matches = text(f"{PG_DOCUMENT} @@ CAST(:link_tsquery AS tsquery)")
    return matches.bindparams(bindparam("link_tsquery", _tsquery_literal(lexemes)))
