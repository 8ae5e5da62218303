"""Personal data out of logs: a logging filter that masks e-mail addresses in every record.

Why a filter and not care at each call site: one forgotten ``%s`` of a sender would put an
address into log files that are kept, shipped and read by people outside the office. Message
bodies are never logged at info level or above by the code; this filter is the safety net
for addresses (in messages, arguments and exception text).
"""

from __future__ import annotations

import logging
import re

ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def redact(text: str) -> str:
    """``dana@example.net`` -> ``***@example.net`` (the domain helps debugging and is rarely personal)."""
    return ADDRESS.sub(lambda m: "***@" + m.group(0).rsplit("@", 1)[1], text)


class RedactingFilter(logging.Filter):
    """Formats the record's message once, redacted, so no handler sees the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of the root logger (or ``logger``); idempotent."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
