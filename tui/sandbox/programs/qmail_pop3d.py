"""qmail-pop3d(8): qmail-pop3d maildirname -- serve a Maildir by POP3 (after checkpassword)."""

from __future__ import annotations

import os

from .. import proc


def _out(text: str | bytes) -> None:
    os.write(1, text.encode() if isinstance(text, str) else text)


def _scan() -> list[str]:
    """Messages of new/ and cur/, oldest first."""
    found = []
    for sub in ("new", "cur"):
        for name in os.listdir(sub):
            if not name.startswith("."):
                path = os.path.join(sub, name)
                found.append((os.stat(path).st_mtime, path))
    return [p for _, p in sorted(found)]


def _send(path: str, lines: int | None = None) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    head, sep, body = data.partition(b"\n\n")
    if lines is not None:
        data = head + sep + b"\n".join(body.split(b"\n")[:lines])
    out = bytearray(b"+OK \r\n")
    for line in data.split(b"\n"):
        out += (b"." + line if line.startswith(b".") else line) + b"\r\n"
    _out(bytes(out) + b".\r\n")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        return 100
    try:
        os.chdir(argv[1])
        messages = _scan()
    except OSError:
        _out("-ERR this user has no $HOME/Maildir\r\n")
        return 1
    deleted: set[int] = set()
    sizes = [os.stat(p).st_size for p in messages]
    _out("+OK \r\n")

    def number(arg: str) -> int | None:
        if not arg.strip().isdigit():
            _out("-ERR syntax error\r\n")
            return None
        n = int(arg.split()[0])
        if n == 0:
            _out("-ERR messages are counted from 1\r\n")
        elif n > len(messages):
            _out("-ERR not that many messages\r\n")
        elif n - 1 in deleted:
            _out("-ERR message deleted\r\n")
        else:
            return n - 1
        return None

    for line in proc.lines():
        verb, _, arg = line.rstrip(b"\r").decode("latin-1").partition(" ")
        verb = verb.lower()
        live = [i for i in range(len(messages)) if i not in deleted]
        if verb == "quit":
            for i in sorted(deleted):
                os.unlink(messages[i])
            for i in live:
                if messages[i].startswith("new/"):
                    name = os.path.basename(messages[i])
                    os.rename(messages[i], os.path.join("cur", name + ":2,"))
            _out("+OK \r\n")
            return 0
        if verb == "stat":
            _out(f"+OK {len(live)} {sum(sizes[i] for i in live)}\r\n")
        elif verb in ("noop", "rset"):
            if verb == "rset":
                deleted.clear()
            _out("+OK \r\n")
        elif verb == "last":
            _out("+OK 0\r\n")
        elif verb in ("list", "uidl"):

            def item(i, verb=verb):
                return (
                    str(sizes[i]) if verb == "list" else os.path.basename(messages[i]).split(":")[0]
                )

            if arg:
                n = number(arg)
                if n is not None:
                    _out(f"+OK {n + 1} {item(n)}\r\n")
            else:
                _out("+OK \r\n" + "".join(f"{i + 1} {item(i)}\r\n" for i in live) + ".\r\n")
        elif verb == "retr":
            n = number(arg)
            if n is not None:
                _send(messages[n])
        elif verb == "top":
            parts = arg.split()
            n = number(parts[0] if parts else "")
            if n is not None:
                _send(messages[n], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0)
        elif verb == "dele":
            n = number(arg)
            if n is not None:
                deleted.add(n)
                _out("+OK \r\n")
        else:
            _out("-ERR unimplemented\r\n")
    return 0
