"""Reusable widgets shared by the wizard screens, each styled by a .tcss beside it."""
