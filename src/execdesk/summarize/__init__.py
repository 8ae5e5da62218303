"""Extractive summaries of cases and campaigns: offline, deterministic, explained (see extractive.py)."""
