"""Reproducible training and evaluation of the analyze models (``execdesk train`` / ``execdesk eval``)."""
