"""SshHost: a NetBSD host reached with the system's OpenSSH client.

One multiplexed connection per run: the first command opens a master (ControlMaster=auto,
ControlPath in a private directory, ControlPersist), every later command, file
operation and forwarded socket rides on it.  Host keys are checked strictly
(StrictHostKeyChecking=yes, BatchMode=yes): an unknown key is an error naming the host
and how to trust it, never a silent accept.  ``ssh -F FILE`` when a config is given;
the user's own config and agent apply otherwise.

- Commands run as ``env PATH=<root's NetBSD PATH> argv`` (a non-interactive ssh session
  has only /usr/bin:/bin:/usr/pkg/bin:/usr/local/bin, without the sbin directories).
- A login that is not root acts through ``doas`` (pkgsrc security/doas), else ``sudo``:
  ``-n`` when its rule needs no password; otherwise with the password the front end
  asked for (:class:`PasswordNeeded`), answered on a terminal of the tool's own by
  :mod:`sshbecome` on the remote side.  The password travels on the command's standard
  input, never in an argv or a log.
- Files go through :mod:`sshhelper` run by the host's Python 3: safefile's walk by
  descriptors, O_NOFOLLOW/O_EXCL temp files and fchown hold on the remote side.
- Processes come from ``ps -ax -o ...``, listeners from ``sockstat -l -n``: NetBSD's
  own tools.
- ``connect`` forwards with ``ssh -W address:port``, or, from a source address, through
  a relay in the remote helper.
"""

from __future__ import annotations

import atexit
import json
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import sshbecome, sshhelper
from .base import (
    DEFAULT_TIMEOUT,
    USER_FILE_LIMIT,
    FileStat,
    Host,
    HostError,
    Result,
    as_bytes,
    check_argv,
    host_port,
    parse_passwd,
)
from .safefile import Refused
from .ssherrors import SSH_FAILURES, PasswordNeeded, UnknownHostKey, asks_password
from .sshsocket import forward_ready, relay_ready
from .sshtext import PS_FIELDS, Destination, b64_bytes, parse_ps, parse_sockstat

#: root's PATH on NetBSD (/root/.profile), set for every command run over ssh
ROOT_PATH = (
    "/sbin:/usr/sbin:/bin:/usr/bin:/usr/pkg/sbin:/usr/pkg/bin:/usr/local/sbin:/usr/local/bin"
)
#: Python 3 interpreters the file helper may use, first found wins (pkgsrc has no python3 link)
PYTHONS = ("python3",) + tuple(f"python3.{minor}" for minor in range(14, 6, -1))
#: how long the master stays up after the last command
PERSIST = "120"


#: what makes a non-root login root, in the order tried (see docs/FIDELITY.md)
ESCALATORS = ("doas", "sudo")
#: run first over the connection: who we are, and which escalators are installed
WHOAMI = f"PATH={ROOT_PATH}; id -u; id -un; for t in {' '.join(ESCALATORS)}; do " + (
    'command -v "$t" >/dev/null 2>&1 && echo "$t"; done; true'
)


def _quote(argv: Sequence[str]) -> str:
    return " ".join(shlex.quote(a) for a in argv)


class SshHost(Host):
    name = "ssh"

    def __init__(self, destination: Destination, config: str | None = None):
        self.destination = destination
        self.config = config
        self._control = tempfile.mkdtemp(prefix="qw-ssh-")  # 0700: only we reach the master
        self._forwards: list[subprocess.Popen] = []
        self._become: str | None = None  # "doas" or "sudo" when the login is not root
        self._password: bytes | None = None  # its password line, when its rule wants one
        atexit.register(self.close)

    # -- the ssh client ---------------------------------------------------------------
    def options(self) -> list[str]:
        argv = ["ssh"]
        if self.config:
            argv += ["-F", self.config]
        for option in (
            "ControlMaster=auto",
            f"ControlPath={self._control}/%C",
            f"ControlPersist={PERSIST}",
            "StrictHostKeyChecking=yes",
            "BatchMode=yes",
        ):
            argv += ["-o", option]
        if self.destination.port:
            argv += ["-p", str(self.destination.port)]
        if self.destination.user:
            argv += ["-l", self.destination.user]
        return argv

    def _argv(self, remote: str, *extra: str) -> list[str]:
        return self.options() + list(extra) + ["--", self.destination.host, remote]

    def _failure(self, stderr: str) -> HostError | None:
        """The HostError for an ssh client failure (exit 255), None for a remote 255."""
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        if not any(line.startswith(SSH_FAILURES) for line in lines):
            return None
        where = str(self.destination)
        if any("Host key verification failed" in line for line in lines):
            if any("CHANGED" in line for line in lines):
                return HostError(
                    f"the host key of {where} has CHANGED since ssh last saw it: refused. "
                    "If the host was reinstalled, remove the old key with ssh-keygen -R"
                )
            host, port = self.destination.host, self.destination.port or 22
            return UnknownHostKey(
                self,
                f"the host key of {where} is not known (StrictHostKeyChecking=yes): "
                f"check its fingerprint and trust it, e.g. with "
                f"ssh-keyscan -p {port} {host} >> ~/.ssh/known_hosts, "
                f"or by connecting once by hand with ssh -p {port} {host}",
            )
        return HostError(f"{where}: {lines[-1]}")

    def host_key(self):
        """The key the host offers now (sshkeys.HostKey), to show before trusting it."""
        from . import sshkeys

        return sshkeys.scan(self.destination.host, self.destination.port)

    def known_hosts(self) -> str:
        """The known_hosts file ssh uses for this host (UserKnownHostsFile)."""
        from . import sshkeys

        return sshkeys.known_hosts_file(self.options(), self.destination.host)

    def trust(self, key) -> None:
        """Add ``key`` (from host_key()) to that file."""
        from . import sshkeys

        sshkeys.trust(key, self.known_hosts())

    def _escalated(self, remote: str) -> str:
        """``remote`` (a shell command) as root, through doas/sudo when the login is not."""
        if self._become is None:
            return remote
        tool = [self._become, "--", "sh", "-c", remote]
        if self._password is None:
            return f"PATH={ROOT_PATH}; export PATH; exec {_quote([self._become, '-n'] + tool[1:])}"
        return self._run_python(sshbecome, tool)

    def _run_python(self, module, args: Sequence[str] = ()) -> str:
        """A shell command running ``module``'s source with the host's Python 3."""
        program = shlex.quote(_source(module))
        tries = " ".join(PYTHONS)
        rest = (" " + _quote(args)) if args else ""
        return (
            f"PATH={ROOT_PATH}; export PATH; for p in {tries}; do "
            f'if command -v "$p" >/dev/null 2>&1; then exec "$p" -c {program}{rest}; fi; done; '
            'echo "no Python 3 (python3, python3.N) on the host" >&2; exit 127'
        )

    def _ssh(
        self, remote: str, input: bytes | None, timeout: float, what: str
    ) -> subprocess.CompletedProcess:
        remote = self._escalated(remote)
        if self._become is not None and self._password is not None:
            input = self._password + (input or b"")
        try:
            done = subprocess.run(
                self._argv(remote),
                check=False,
                input=input,
                capture_output=True,
                timeout=timeout,
                stdin=None if input is not None else subprocess.DEVNULL,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise HostError("ssh targets need the OpenSSH client (ssh) on this machine") from None
        except subprocess.TimeoutExpired:
            raise HostError(f"'{what}' did not finish within {timeout:.0f} s") from None
        if done.returncode == 255:
            failure = self._failure(done.stderr.decode("utf-8", "replace"))
            if failure is not None:
                raise failure
        return done

    def open(self, password: str | None = None) -> SshHost:
        """Start the master connection and settle how commands become root: HostError
        when that cannot be had, PasswordNeeded when doas/sudo wants ``password``."""
        self._become = self._password = None
        done = self._ssh(WHOAMI, None, 60, "id -u")
        words = done.stdout.decode("utf-8", "replace").split()
        if done.returncode != 0 or len(words) < 2 or not words[0].isdigit():
            said = done.stderr.decode("utf-8", "replace").strip()
            raise HostError(f"{self.destination}: 'id -u' failed: {said}")
        if words[0] == "0":
            return self
        user, tools = words[1], words[2:]
        reasons = []
        for tool in tools:
            self._become = tool
            tried = self._ssh("id -u", None, 60, f"{tool} -n id -u")
            if tried.stdout.strip() == b"0":
                return self
            said = tried.stderr.decode("utf-8", "replace").strip().splitlines()
            reasons.append(said[-1] if said else f"{tool} exited {tried.returncode}")
            if asks_password(said):
                if password is None:
                    self._become = None
                    raise PasswordNeeded(self.destination, tool, user)
                return self._with_password(tool, user, password)
        self._become = None
        why = "; ".join(reasons) if reasons else "neither doas nor sudo is installed"
        raise HostError(
            f"{self.destination} logs in as {user} (uid {words[0]}), not root, and cannot "
            f"become root: {why}"
        )

    def _with_password(self, tool: str, user: str, password: str) -> SshHost:
        self._password = password.encode("utf-8", "surrogateescape") + b"\n"
        tried = self._ssh("id -u", None, 60, f"{tool} id -u")
        if tried.stdout.strip() == b"0":
            return self
        self._become = self._password = None
        said = tried.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HostError(
            f"{self.destination}: {tool} refused the password of {user}"
            + (f" ({said[-1]})" if said else "")
        )

    def close(self) -> None:
        """End the forwards and the master; remove the control directory."""
        for proc in self._forwards:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
        self._forwards = []
        if os.path.isdir(self._control):
            subprocess.run(
                self.options() + ["-O", "exit", self.destination.host],
                capture_output=True,
                timeout=30,
                check=False,
            )
            shutil.rmtree(self._control, ignore_errors=True)

    # -- commands ---------------------------------------------------------------------
    def _command(self, argv, env, cwd) -> str:
        items = check_argv(argv)
        assigned = [f"PATH={ROOT_PATH}"] + [f"{k}={v}" for k, v in (env or {}).items()]
        command = "exec env " + _quote(assigned + list(items))
        return f"cd {shlex.quote(cwd)} && {command}" if cwd else command

    def run(
        self, argv, env=None, timeout=DEFAULT_TIMEOUT, input=None, cwd=None, errors="replace"
    ) -> Result:
        remote = self._command(argv, env, cwd)
        done = self._ssh(
            remote, input.encode() if input is not None else None, timeout, " ".join(argv)
        )
        stdout = done.stdout.decode("utf-8", errors)
        stderr = done.stderr.decode("utf-8", errors)
        if done.returncode == 127 and stderr.startswith("env: ") and "No such file" in stderr:
            stderr = f"{argv[0]}: not found\n"
        return Result(tuple(argv), done.returncode, stdout, stderr)

    def spawn(self, argv, env=None, cwd=None):
        import pexpect

        command = self._argv(self._escalated(self._command(argv, env, cwd)), "-tt")
        child = pexpect.spawn(
            command[0],
            command[1:],
            encoding="utf-8",
            codec_errors="replace",
            timeout=None,
            dimensions=(24, 200),
        )
        if self._become is not None and self._password is not None:
            child.expect_exact(sshbecome.MARK + "\r\n", timeout=60)
            child.send(self._password.decode("utf-8", "surrogateescape"))
        return child

    # -- files (the remote helper) ----------------------------------------------------------
    def _python(self) -> str:
        return self._run_python(sshhelper)

    def _helper(self, op: str, **request):
        request["op"] = op
        line = json.dumps(request).encode() + b"\n"
        done = self._ssh(self._python(), line, DEFAULT_TIMEOUT, f"{op} {request.get('path')}")
        try:
            reply = json.loads(done.stdout)
        except ValueError:
            err = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            raise HostError(f"{self.destination}: {op} {request.get('path')}: {err}") from None
        if "error" in reply:
            raise (Refused if reply["error"] == "Refused" else HostError)(reply["message"])
        return reply["ok"]

    def read(self, path: str) -> bytes:
        return b64_bytes(self._helper("read", path=path))

    def read_user_file(self, path, owner=None, limit=USER_FILE_LIMIT) -> bytes:
        data = self._helper(
            "read", path=path, follow=False, single_link=True, owner=owner, limit=limit
        )
        return b64_bytes(data)

    def write(self, path, data, mode=0o644, owner=None) -> None:
        encoded = sshhelper._b64(as_bytes(data))
        self._helper("write", path=path, data=encoded, mode=mode, owner=owner)

    def check_writable(self, path) -> None:
        self._helper("check_writable", path=path)

    def remove(self, path) -> bool:
        return self._helper("remove", path=path)

    def exists(self, path: str) -> bool:
        return self._helper("exists", path=path)

    def listdir(self, path: str) -> list[str]:
        return self._helper("listdir", path=path)

    def stat(self, path: str) -> FileStat:
        return FileStat(path, *self._helper("stat", path=path))

    def read_from(self, path, offset, limit=1 << 20):
        data, size = self._helper("read_from", path=path, offset=offset, limit=limit)
        return b64_bytes(data), size

    def mtimes(self, path):
        return self._helper("mtimes", path=path)

    # -- processes and listeners -------------------------------------------------------
    def processes(self):
        script = f"TZ=UTC LC_ALL=C ps -ax -o {PS_FIELDS} && echo @passwd && cat /etc/passwd"
        done = self.run(["sh", "-c", script])
        if not done.ok:
            raise HostError(f"{self.destination}: ps failed: {done.stderr.strip()}")
        table, _, passwd = done.stdout.partition("@passwd\n")
        return parse_ps(table, parse_passwd(passwd))

    def listeners(self):
        done = self.run(["sockstat", "-4", "-6", "-l", "-n"])
        if not done.ok:
            raise HostError(f"{self.destination}: sockstat failed: {done.stderr.strip()}")
        return parse_sockstat(done.stdout)

    # -- network -------------------------------------------------------------------------
    def connect(self, address, port, timeout=10.0, source=None):
        """A socket whose other end is ``address:port`` as the host sees it: ssh -W
        over the master (or the helper's relay when ``source`` is given).  OSError when
        the host cannot connect (seen before the server's first bytes, or the timeout)."""
        self._forwards = [p for p in self._forwards if p.poll() is None]
        mine, theirs = socket.socketpair()
        if source is None:
            argv = self.options() + ["-W", host_port(address, port), self.destination.host]
        else:
            argv = self._argv(self._python())
        with theirs:
            proc = subprocess.Popen(
                argv, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE, start_new_session=True
            )
        self._forwards.append(proc)
        try:
            if source is not None:
                request = {"op": "relay", "address": address, "port": port}
                request.update(source=source, timeout=timeout)
                mine.sendall(json.dumps(request).encode() + b"\n")
                relay_ready(mine, proc, timeout)
            else:
                forward_ready(mine, proc, timeout)
        except BaseException:
            mine.close()
            proc.kill()
            raise
        mine.settimeout(timeout)
        return mine


def _source(module) -> str:
    return sshhelper.program() if module is sshhelper else Path(module.__file__).read_text()
