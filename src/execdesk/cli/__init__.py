"""Command-line shell: parses arguments, calls the core, renders results. No logic lives here."""
