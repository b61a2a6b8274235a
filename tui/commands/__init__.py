"""The headless CLI commands (probe, plan, apply, validate, undo); no Textual here."""
