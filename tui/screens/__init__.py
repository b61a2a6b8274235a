"""One module per wizard screen, each with a .tcss file beside it."""
