"""nologin(8)."""

import sys


def main(argv: list[str]) -> int:
    print("This account is currently not available.", file=sys.stderr)
    return 1
