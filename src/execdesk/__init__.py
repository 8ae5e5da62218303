"""execdesk: the desk for the people who handle e-mail sent to a company's executives.

The package folders are the pipeline's stages (see ``execdesk.pipeline``):
ingest -> parse -> analyze -> campaigns -> cases -> reply -> digest, with ``store``
for persistence and ``cli`` / ``web`` / ``workers`` as thin shells over the same core.
"""

__version__ = "0.1.0"
