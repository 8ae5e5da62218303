"""``python -m execdesk`` is the ``execdesk`` command."""

from execdesk.cli.main import app

app()
