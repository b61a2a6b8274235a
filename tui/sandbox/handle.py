"""A sandbox as an object: create, run commands inside, look at files, stop."""

from __future__ import annotations

import json
import smtplib
import socket
import subprocess
from pathlib import Path

from . import container, netns
from .layout import SandboxPaths


class Sandbox:
    def __init__(self, base: Path):
        self.paths = SandboxPaths(Path(base).absolute())

    @classmethod
    def create(
        cls,
        base: Path,
        flavor: str = "2017Q1",
        hostname: str = "mail.example.org",
        admin_user: str = "admin",
        pace: float | None = None,
        publish: list[tuple[int, int]] | None = None,
        ssh_port: int | None = None,
        authorized_key: str | Path | None = None,
    ) -> Sandbox:
        from .create import create

        create(base, flavor, hostname, admin_user, publish, ssh_port, authorized_key)
        box = cls(base)
        if pace is not None:
            box.set_config(pace=pace)
        return box

    @property
    def base(self) -> Path:
        """The sandbox's directory on the machine."""
        return self.paths.base

    @property
    def config(self) -> dict:
        return self.paths.load_config()

    def set_config(self, **values) -> None:
        config = self.config
        config.update(values)
        self.paths.config_file.write_text(json.dumps(config, indent=2) + "\n")

    def set_faults(self, text: str) -> None:
        """Replace its faults.yaml (fault injection) with ``text``."""
        self.paths.faults_file.write_text(text)

    def exec(
        self,
        argv: list[str],
        env: dict | None = None,
        input: str | None = None,
        timeout: float = 300,
        cwd: str = "/root",
    ) -> subprocess.CompletedProcess:
        """Run ``argv`` inside; output captured as text."""
        return subprocess.run(
            container.enter_argv(self.paths, argv, env=env, cwd=cwd),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
            check=False,
        )

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        return self.exec(["/bin/sh", "-c", script], **kwargs)

    def path(self, netbsd_path: str) -> Path:
        """Machine path of a NetBSD path (no symlink resolution)."""
        return self.paths.host_path(netbsd_path)

    def read(self, netbsd_path: str) -> str:
        return self.path(netbsd_path).read_text()

    def connect(
        self,
        port: int,
        address: str = "127.0.0.1",
        source: str | None = None,
        timeout: float = 10.0,
    ) -> socket.socket:
        """A TCP connection to ``address:port`` as seen inside the sandbox (from its
        own address ``source``, e.g. 127.0.0.2, when given)."""
        pid = container.boot(self.paths)
        return netns.connect(pid, address, port, timeout, source)

    def smtp(
        self, port: int = 25, source: str | None = None, timeout: float = 10.0
    ) -> smtplib.SMTP:
        """An SMTP client connected to the sandbox's ``port`` from inside its network."""
        return SandboxSMTP(self, port, source, timeout)

    def stop(self) -> None:
        """Shut down as NetBSD does: rc.shutdown, then every process ends."""
        container.stop(self.paths)

    def kill(self) -> None:
        """End every process at once, without rc.shutdown (for tests that do not test it)."""
        container.stop(self.paths, shutdown=False)

    def pids(self) -> list[int]:
        """Machine pids of every process of the sandbox."""
        return container.namespace_pids(self.paths)


class SandboxSMTP(smtplib.SMTP):
    """smtplib.SMTP whose connections are made inside a sandbox's network namespace;
    ``greeting`` is the server's first reply (code, text)."""

    greeting: tuple[int, bytes] = (0, b"")

    def __init__(
        self, box: Sandbox, port: int = 25, source: str | None = None, timeout: float = 10.0
    ):
        self._box, self._source = box, source
        super().__init__("127.0.0.1", port, timeout=timeout)

    def connect(self, host="127.0.0.1", port=25, source_address=None):
        self.greeting = super().connect(host, port, source_address)
        return self.greeting

    def _get_socket(self, host, port, timeout):
        return self._box.connect(port, host, self._source, timeout)
