"""A sandbox as an object: create, run commands inside, look at files, stop."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from . import container
from .layout import SandboxPaths


class Sandbox:
    def __init__(self, base: Path):
        self.paths = SandboxPaths(Path(base).absolute())

    @classmethod
    def create(cls, base: Path, flavor: str = "2017Q1", hostname: str = "mail.example.org",
               admin_user: str = "admin", pace: float | None = None,
               ports: dict | None = None) -> "Sandbox":
        from .create import create

        create(base, flavor, hostname, admin_user, ports)
        box = cls(base)
        if pace is not None:
            box.set_config(pace=pace)
        return box

    @property
    def config(self) -> dict:
        return self.paths.load_config()

    def set_config(self, **values) -> None:
        config = self.config
        config.update(values)
        self.paths.config_file.write_text(json.dumps(config, indent=2) + "\n")

    def exec(self, argv: list[str], env: dict | None = None, input: str | None = None,
             timeout: float = 300, cwd: str = "/root") -> subprocess.CompletedProcess:
        """Run ``argv`` inside; output captured as text."""
        return subprocess.run(
            container.enter_argv(self.paths, argv, env=env, cwd=cwd),
            input=input, capture_output=True, text=True, timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        return self.exec(["/bin/sh", "-c", script], **kwargs)

    def path(self, netbsd_path: str) -> Path:
        """Machine path of a NetBSD path (no symlink resolution)."""
        return self.paths.host_path(netbsd_path)

    def read(self, netbsd_path: str) -> str:
        return self.path(netbsd_path).read_text()

    def stop(self) -> None:
        """Shut down as NetBSD does: rc.shutdown, then every process ends."""
        container.stop(self.paths)

    def kill(self) -> None:
        """End every process at once, without rc.shutdown (for tests that do not test it)."""
        container.stop(self.paths, shutdown=False)

    def pids(self) -> list[int]:
        """Machine pids of every process of the sandbox."""
        return container.namespace_pids(self.paths)
