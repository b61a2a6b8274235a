"""Exports: a profile turned into what another tool runs (``qmail-wizard export``)."""
