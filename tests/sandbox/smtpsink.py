"""A fake remote MX for the tests: accepts SMTP on a loopback port and appends each
envelope (and the data) as one JSON line to a file.  Run inside the sandbox:
``python smtpsink.py PORT LOGFILE`` (stands for the remote host, not for qmail)."""

from __future__ import annotations

import json
import socketserver
import sys


class Sink(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink.remote.example ESMTP")
        sender, rcpts = None, []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"HELO", b"EHLO"):
                self.reply("250 sink.remote.example")
            elif verb == b"MAIL":
                sender, rcpts = line.split(b":", 1)[1].strip().decode(), []
                self.reply("250 ok")
            elif verb == b"RCPT":
                rcpts.append(line.split(b":", 1)[1].strip().decode())
                self.reply("250 ok")
            elif verb == b"DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                with open(self.server.log, "a") as fh:  # type: ignore[attr-defined]
                    entry = {"from": sender, "to": rcpts, "data": data.decode("latin-1")}
                    fh.write(json.dumps(entry) + "\n")
                self.reply("250 ok queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def main() -> None:
    port, log = int(sys.argv[1]), sys.argv[2]
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Sink)
    server.log = log  # type: ignore[attr-defined]
    server.serve_forever()


if __name__ == "__main__":
    main()
