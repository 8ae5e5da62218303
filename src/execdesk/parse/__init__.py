"""Parse stage: raw RFC 5322 bytes in, a :class:`ParsedMessage` out.

Pure: no database, no network, no filesystem. Never raises on bad mail; problems are
reported as ``defects`` on the result. Only :class:`ParseRefused` (the input is not an
e-mail message at all, or exceeds a hard limit) is raised, and it carries a reason code.
"""

from execdesk.parse.model import (
    Attachment,
    MachineMail,
    ParsedMessage,
    ParseLimits,
    ParseRefused,
)
from execdesk.parse.parser import parse_message

__all__ = ["Attachment", "MachineMail", "ParseLimits", "ParseRefused", "ParsedMessage", "parse_message"]
