"""qmail-inject(8): qmail-inject [ -nNaAhH ] [ -fsender ] [ recip ... ]."""

from __future__ import annotations

import sys

from ..qmail import inject, queue

FATAL = "qmail-inject: fatal: "


def main(argv: list[str]) -> int:
    args = argv[1:]
    sender, mode, show = None, None, False
    while args and args[0].startswith("-") and args[0] != "-":
        opt = args.pop(0)
        if opt == "--":
            break
        if opt.startswith("-f"):
            sender = opt[2:] or (args.pop(0) if args else "")
            continue
        for letter in opt[1:]:
            if letter in "aAhH":
                mode = letter
            elif letter == "n":
                show = True
            elif letter != "N":
                print(
                    "qmail-inject: usage: qmail-inject [ -nNaAhH ] [ -fsender ] [ arg ... ]",
                    file=sys.stderr,
                )
                return 100
    use_header = mode in ("h", "H") or (mode is None and not args)
    data = sys.stdin.buffer.read()
    message, envelope_sender, recipients = inject.prepare(
        data, sender, [] if mode == "h" else args, use_header
    )
    if show:
        sys.stdout.buffer.write(message)
        return 0
    if not recipients:
        print(FATAL + "no recipients", file=sys.stderr)
        return 100
    status, _ = queue.submit(message, envelope_sender, recipients)
    if status:
        text = queue.qq_text(status)
        print(FATAL + "qmail-queue failed: " + text[1:], file=sys.stderr)
        return 100 if text[0] == "D" else 111
    return 0
