"""The CLI's commands; none imports Textual when imported (interactive.py does on use)."""
