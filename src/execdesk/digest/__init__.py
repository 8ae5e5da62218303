"""The executive briefing: built once as data (build.py), rendered as text, HTML, PDF or mail."""
