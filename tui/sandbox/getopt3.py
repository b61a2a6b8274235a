"""getopt(3) as NetBSD's libc parses short options (lib/libc/stdlib/getopt.c 1.28),
with the interface of Python's ``getopt.getopt``, whose module imports gettext and so
costs every simulated program's start ~7 ms of CPU.

Options end at the first operand, at ``--`` or at a lone ``-``; letters cluster
(``-Dv``); a letter followed by ``:`` takes the rest of its word or the next one.
"""

from __future__ import annotations


class GetoptError(Exception):
    """A word getopt(3) refuses; ``msg`` is its diagnostic without the program name."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


def getopt(args: list[str], shortopts: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``([("-x", value or ""), ...], operands)`` for ``args`` (argv without argv[0])."""
    opts: list[tuple[str, str]] = []
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "-":
        word = args[index]
        index += 1
        if word == "--":
            break
        place = 1
        while place < len(word):
            letter = word[place]
            place += 1
            spec = shortopts.find(letter) if letter != ":" else -1
            if spec < 0:
                raise GetoptError(f"unknown option -- {letter}")
            if shortopts[spec + 1 : spec + 2] != ":":
                opts.append((f"-{letter}", ""))
                continue
            if place < len(word):
                value = word[place:]
            elif index < len(args):
                value = args[index]
                index += 1
            else:
                raise GetoptError(f"option requires an argument -- {letter}")
            opts.append((f"-{letter}", value))
            break
    return opts, args[index:]
