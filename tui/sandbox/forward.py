"""``--publish MACHINEPORT:PORT``: forward machine loopback ports into a sandbox.

One small machine-side process per sandbox (``python -m tui.sandbox.forward``), started
when the container boots: it listens on 127.0.0.1:MACHINEPORT only, and relays each
connection to a socket it makes inside the sandbox's network namespace, connected to
127.0.0.1:PORT there (the client is seen inside as 127.0.0.1, as with ``docker -p``'s
userland proxy).  It ends when the container's PID 1 ends, and ``sandbox stop`` ends it.
"""

from __future__ import annotations

import os
import selectors
import socket
import sys
import threading

from . import netns

BIND_ADDRESS = "127.0.0.1"
MODULE = "tui.sandbox.forward"
CHUNK = 65536


def parse_publish(text: str) -> tuple[int, int]:
    """``MACHINEPORT:PORT`` -> (machine port, sandbox port); ValueError says why."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(
            f"--publish {text!r} is not MACHINEPORT:PORT (two port numbers, e.g. 2525:25)"
        )
    pair = int(parts[0]), int(parts[1])
    if not all(1 <= port <= 65535 for port in pair):
        raise ValueError(f"--publish {text!r}: ports are 1 to 65535")
    return pair


def check_free(machine_port: int) -> None:
    """OSError when the machine's 127.0.0.1:``machine_port`` cannot be listened on."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((BIND_ADDRESS, machine_port))


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass


def _relay(client: socket.socket, netns_fd: int, port: int) -> None:
    try:
        inner = netns.socket_in(netns_fd)
        inner.connect((BIND_ADDRESS, port))
    except OSError:
        client.close()
        return
    back = threading.Thread(target=_pipe, args=(inner, client), daemon=True)
    back.start()
    _pipe(client, inner)
    back.join()
    client.close()
    inner.close()


def serve(container_pid: int, pairs: list[tuple[int, int]], ready_fd: int) -> int:
    """Forward until the container's PID 1 ends; ``ok`` or the error on ``ready_fd``."""
    selector = selectors.DefaultSelector()
    try:
        netns_fd = netns.open_netns(container_pid)
        selector.register(os.pidfd_open(container_pid), selectors.EVENT_READ, None)
        for machine_port, port in pairs:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((BIND_ADDRESS, machine_port))
            except OSError as exc:
                raise OSError(
                    exc.errno,
                    f"cannot listen on {BIND_ADDRESS}:{machine_port}"
                    f" for --publish {machine_port}:{port}: "
                    f"{exc.strerror}",
                ) from None
            listener.listen(64)
            selector.register(listener, selectors.EVENT_READ, port)
    except OSError as exc:
        os.write(ready_fd, (exc.strerror or str(exc)).encode())
        return 1
    os.write(ready_fd, b"ok")
    os.close(ready_fd)
    while True:
        for key, _ in selector.select():
            if key.data is None:  # the container is gone
                return 0
            try:
                ready = key.fileobj
                assert isinstance(ready, socket.socket)
                client, _ = ready.accept()
            except OSError:
                continue
            threading.Thread(target=_relay, args=(client, netns_fd, key.data), daemon=True).start()


def main(argv: list[str]) -> int:
    container_pid, ready_fd = int(argv[0]), int(argv[1])
    return serve(container_pid, [parse_publish(p) for p in argv[2:]], ready_fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
