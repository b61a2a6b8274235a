"""The far end of a socket forwarded over ssh: ready, or why it is not."""

from __future__ import annotations

import json
import select
import socket
import subprocess


def forward_ready(sock: socket.socket, proc: subprocess.Popen, timeout: float) -> None:
    """Wait for the first bytes from the far end, or ssh's report that it failed."""
    assert proc.stderr is not None
    ready, _, _ = select.select([sock.fileno(), proc.stderr.fileno()], [], [], timeout)
    if proc.stderr.fileno() in ready and sock.fileno() not in ready:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return  # a warning on stderr; the forward runs
        message = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            raise ConnectionRefusedError(message or f"ssh -W exited {proc.returncode}")


def relay_ready(sock: socket.socket, proc: subprocess.Popen, timeout: float) -> None:
    """The helper's first line: connected, or the error it met."""
    sock.settimeout(timeout + 30)
    line = b""
    while not line.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            proc.wait()
            raise ConnectionRefusedError("the relay on the host ended before connecting")
        line += chunk
    reply = json.loads(line)
    if "error" in reply:
        raise ConnectionRefusedError(reply["message"])
