"""The tone guard: would this reply embarrass the company if it were published?

``check_tone(text, inbound=..., config=...)`` reports like a linter (rule, severity, span,
why, suggestion), gives a verdict (block | warn | ok) and a front-page score 0-100 with
its reasons. Rules and word classes are configuration (``default_rules.yaml`` plus an
organisation override). See docs/reply.md.
"""

from execdesk.reply.tone.config import ToneConfig, ToneConfigError, default_config, load_config
from execdesk.reply.tone.guard import check_tone, warm_up
from execdesk.reply.tone.model import Finding, InboundContext, ToneReport

__all__ = [
    "Finding",
    "InboundContext",
    "ToneConfig",
    "ToneConfigError",
    "ToneReport",
    "check_tone",
    "default_config",
    "load_config",
    "warm_up",
]
