"""Run things inside a sandbox: one container per sandbox.

The container is "booted" once (``/sbin/init`` in new PID, UTS, IPC, mount and
network namespaces, started by util-linux's ``unshare`` and nsinit.py, or by
bubblewrap: its network is a loopback of its own, so the real port numbers
hold and sandboxes run side by side) and every later command enters it
with ``nsenter``, so daemons started by one command are seen by the next, ``ps``
shows only the sandbox's processes, and stopping the container's PID 1 ends
every process of the sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .layout import CONTROL_MOUNT, NETBSD_PATH, SandboxPaths


class SandboxError(Exception):
    """A sandbox operation failed; the message says what to do."""


#: Machine directories shown read-only inside, at the same path.
_MACHINE_RO = ("/usr/bin", "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32", "/usr/share")
#: The simulated host's own directories: never covered by a machine directory.
_NETBSD_OWN = frozenset(("/", "/tmp", "/var/tmp", "/var", "/root", "/home", "/etc", "/usr"))
#: NetBSD programs that live in /usr/bin, overlaid on the machine's /usr/bin.
USR_BIN_OVERLAYS = ("uname", "logger", "make", "hostname")
BOOT_TIMEOUT = 30.0
INIT = "/sbin/init"


#: Environment variable that picks the container tool: "unshare" or "bwrap".
BACKEND_ENV = "QMAIL_WIZARD_SANDBOX_BACKEND"
BACKENDS = ("unshare", "bwrap")
_INSTALL = "run 'apt-get install util-linux' (or your distribution's equivalent)"


def backend() -> str:
    """The container tool this machine uses: util-linux's ``unshare`` (as root), else
    bubblewrap; ``$QMAIL_WIZARD_SANDBOX_BACKEND`` forces one. Refuses clearly when the
    sandbox cannot run here."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(
            f"the sandbox needs Linux; this is {sys.platform}. "
            "Rehearse on a Linux machine, or run qmail-wizard against a real NetBSD host."
        )
    if shutil.which("nsenter") is None:
        raise SandboxError(
            f"the sandbox needs 'nsenter' (util-linux), which is not installed: {_INSTALL}."
        )
    forced = os.environ.get(BACKEND_ENV, "")
    if forced and forced not in BACKENDS:
        raise SandboxError(f"{BACKEND_ENV}={forced!r}: choose 'unshare' or 'bwrap'.")
    root = os.geteuid() == 0
    usable = {
        "unshare": root and shutil.which("unshare") is not None,
        "bwrap": shutil.which("bwrap") is not None
        and (root or Path("/proc/sys/user/max_user_namespaces").exists()),
    }
    for name in (forced,) if forced else BACKENDS:
        if usable[name]:
            return name
    if forced:
        tool = "util-linux's 'unshare', as root" if forced == "unshare" else "'bwrap' (bubblewrap)"
        raise SandboxError(f"{BACKEND_ENV}={forced} needs {tool}: it is not usable here.")
    if not root:
        raise SandboxError("the sandbox needs root: run qmail-wizard as root.")
    raise SandboxError(
        "the sandbox needs 'unshare' (util-linux) or 'bwrap' (bubblewrap), and neither is "
        f"installed: {_INSTALL}."
    )


def check_platform() -> None:
    """Refuse clearly on machines that cannot run a sandbox."""
    backend()


def _python_mounts() -> list[str]:
    """Directories the interpreter and its packages live in (bound read-only)."""
    import tui

    candidates = [
        sys.prefix,
        sys.base_prefix,
        os.path.dirname(sys.executable),
        str(Path(tui.__file__).resolve().parent.parent),
    ]
    candidates += [p for p in sys.path if p and os.path.isdir(p)]
    real = []
    for path in candidates:
        for variant in {os.path.abspath(path), os.path.realpath(path)}:
            if os.path.isdir(variant):
                real.append(variant)
    chosen: list[str] = []
    for path in sorted(set(real), key=len):
        if path in _NETBSD_OWN or path.startswith(("/usr/bin", "/usr/lib", "/usr/share")):
            continue  # (a script run from /tmp has it on sys.path: /tmp stays the host's)
        if not any(path == c or path.startswith(c + "/") for c in chosen):
            chosen.append(path)
    return chosen


def python_path_entries() -> list[str]:
    import tui

    entries = [str(Path(tui.__file__).resolve().parent.parent)]
    entries += [p for p in sys.path if p and os.path.isdir(p) and p not in entries]
    return entries


def prepare_mountpoints(paths: SandboxPaths) -> None:
    """Create the directories the interpreter is mounted on, traversable by every user.

    Left to bubblewrap they would be mode 0700, and daemons that drop root (qmail-send
    as qmails, qmail-smtpd as qmaild) could not start the interpreter.
    """
    for directory in _python_mounts():
        current = paths.root
        for part in Path(directory).parts[1:]:
            current = current / part
            if not current.exists():
                current.mkdir(mode=0o755)
            elif current.is_dir() and not current.is_symlink():
                mode = current.stat().st_mode
                if not mode & 0o001:
                    current.chmod((mode | 0o011) & 0o7777)


def mount_plan(paths: SandboxPaths) -> list[tuple[str, ...]]:
    """What is mounted on the sandbox's root, in order, as (kind, source..., target):
    the control directory, the machine's directories read-only, /usr/bin with the
    NetBSD overlays, the interpreter's directories, then /proc and /dev."""
    plan: list[tuple[str, ...]] = [("bind", str(paths.control), CONTROL_MOUNT)]
    for directory in _MACHINE_RO:
        if os.path.isdir(directory) and not os.path.islink(directory):
            if directory == "/usr/bin":
                plan.append(
                    (
                        "overlay",
                        str(paths.control / "overlay" / "usr" / "bin"),
                        directory,
                        directory,
                    )
                )
            else:
                plan.append(("ro-bind", directory, directory))
    plan += [("ro-bind", directory, directory) for directory in _python_mounts()]
    return plan + [("proc", "/proc"), ("dev", "/dev")]


def bwrap_argv(paths: SandboxPaths, config: dict) -> list[str]:
    """bubblewrap's argv for :func:`mount_plan` (the overlay as one bind per file)."""
    argv = ["bwrap", "--bind", str(paths.root), "/"]
    for kind, *args in mount_plan(paths):
        if kind == "overlay":
            upper, lower, target = args
            argv += ["--ro-bind", lower, target]
            for name in sorted(os.listdir(upper)):
                argv += ["--ro-bind", f"{upper}/{name}", f"{target}/{name}"]
        else:
            argv += [f"--{kind}", *args]
    argv += [
        "--unshare-pid",
        "--unshare-uts",
        "--unshare-ipc",
        "--unshare-net",
        "--hostname",
        config["hostname"],
        "--chdir",
        "/",
    ]
    if os.geteuid() == 0:
        argv += ["--cap-add", "ALL"]
    else:
        argv += ["--unshare-user", "--uid", "0", "--gid", "0"]
    argv += ["--clearenv", "--setenv", "PATH", NETBSD_PATH, "--setenv", "HOME", "/root"]
    return argv + [INIT]


def unshare_argv(paths: SandboxPaths, config: dict) -> list[str]:
    """util-linux unshare's argv: new namespaces, then nsinit.py mounts and runs init
    (its spec, :func:`mount_plan` and more, written to ``run/nsinit.json``)."""
    spec = {
        "root": str(paths.root),
        "hostname": config["hostname"],
        "mounts": mount_plan(paths),
        "env": {"PATH": NETBSD_PATH, "HOME": "/root"},
        "init": [INIT],
    }
    spec_file = paths.run / "nsinit.json"
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--uts",
        "--ipc",
        "--net",
        "--pid",
        "--fork",
        "--kill-child",
        "--",
        sys.executable,
        "-I",
        "-S",
        str(Path(__file__).with_name("nsinit.py")),
        str(spec_file),
    ]


def container_pid(paths: SandboxPaths) -> int | None:
    """The machine pid of the container's PID 1, or None when it is down."""
    try:
        outer = int(paths.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        children = Path(f"/proc/{outer}/task/{outer}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def boot(paths: SandboxPaths) -> int:
    """Start the container (runs /etc/rc inside) unless it already runs."""
    pid = container_pid(paths)
    if pid is not None and (paths.control / "run" / "booted").exists():
        return pid
    tool = backend()
    if pid is not None:
        stop(paths)
    from .install import refresh_machine_links

    config = paths.load_config()
    refresh_machine_links(paths)
    prepare_mountpoints(paths)
    ready = paths.control / "run" / "booted"
    ready.unlink(missing_ok=True)
    paths.run.mkdir(parents=True, exist_ok=True)
    with open(paths.boot_log, "ab") as log:
        proc = subprocess.Popen(
            (unshare_argv if tool == "unshare" else bwrap_argv)(paths, config),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    paths.pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + BOOT_TIMEOUT
    while not ready.exists():
        if proc.poll() is not None:
            raise SandboxError(
                f"the sandbox at {paths.base} did not boot ({tool} exited {proc.returncode}); "
                f"see {paths.boot_log}."
            )
        if time.monotonic() > deadline:
            stop(paths)
            raise SandboxError(
                f"the sandbox at {paths.base} did not finish booting within "
                f"{BOOT_TIMEOUT:.0f} s; see {paths.boot_log}."
            )
        time.sleep(0.02)
    pid = container_pid(paths)
    if pid is None:
        raise SandboxError(
            f"the sandbox at {paths.base} stopped while booting; see {paths.boot_log}."
        )
    if config.get("publish"):
        _start_forwarder(paths, pid, config["publish"])
    return pid


def _start_forwarder(paths: SandboxPaths, pid: int, publish: list) -> None:
    """Start the ``--publish`` forwarder (forward.py); the sandbox does not run without it."""
    from .forward import MODULE

    ready, ready_w = os.pipe()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(python_path_entries()),
    }
    with open(paths.boot_log, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, str(pid), str(ready_w)]
            + [f"{machine}:{port}" for machine, port in publish],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            pass_fds=(ready_w,),
            start_new_session=True,
        )
    os.close(ready_w)
    with os.fdopen(ready, "rb") as fh:
        answer = fh.read().decode(errors="replace")
    if answer != "ok":
        proc.wait()
        stop(paths)
        raise SandboxError(
            f"the sandbox at {paths.base} did not start: "
            f"{answer or 'its port forwarder failed, see ' + str(paths.boot_log)}. "
            "Free that machine port, or edit 'publish' in "
            f"{paths.config_file}."
        )
    paths.forward_pid_file.write_text(f"{proc.pid}\n")


def _running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (a zombie holds no port or file)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pid: int, seconds: float = 5.0) -> None:
    """Until ``pid`` is gone (reaped by its parent), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.01)


def _end_outer(outer: int, kill_now: bool, deadline: float) -> None:
    """End the process that started the namespace (unshare/bwrap) after its PID 1 got
    SIGKILL.  It exits once it has reaped that PID 1; killing it first instead would
    leave PID 1 to the machine's init, which may take seconds to reap it (1.4 s here),
    and every stop would wait for that zombie."""
    if kill_now:
        os.kill(outer, signal.SIGKILL)
    grace = min(deadline, time.monotonic() + 2.0)
    while time.monotonic() < deadline:
        try:
            if os.waitpid(outer, os.WNOHANG)[0]:
                return
        except ChildProcessError:  # not our child (another process booted it)
            if not _running(outer):
                return
        if time.monotonic() > grace:
            os.kill(outer, signal.SIGKILL)
            grace = deadline
        time.sleep(0.005)


def _stop_forwarder(paths: SandboxPaths) -> None:
    try:
        pid = int(paths.forward_pid_file.read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            if b"tui.sandbox.forward" in fh.read():
                os.kill(pid, signal.SIGKILL)
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:  # not ours: gone once its parent reaps it
                    _wait_gone(pid)
    except (OSError, ValueError):
        pass
    paths.forward_pid_file.unlink(missing_ok=True)


def enter_argv(
    paths: SandboxPaths, argv: list[str], env: dict | None = None, cwd: str = "/root"
) -> list[str]:
    """The machine argv that runs ``argv`` inside the (booted) container."""
    pid = boot(paths)
    enter = ["nsenter", "-t", str(pid), "-m", "-u", "-i", "-n", "-p", "-r", "-w"]
    if os.geteuid() != 0:
        enter += ["-U", "--preserve-credentials"]
    environment = {
        "PATH": NETBSD_PATH,
        "HOME": "/root",
        "USER": "root",
        "LOGNAME": "root",
        "SHELL": "/bin/sh",
        "TERM": os.environ.get("TERM", "vt100"),
    }
    environment.update(env or {})
    return (
        enter
        + ["--", "/usr/bin/env", "-i", "-C", cwd]
        + [f"{key}={value}" for key, value in environment.items()]
        + list(argv)
    )


def namespace_pids(paths: SandboxPaths) -> list[int]:
    """Machine pids of every process in the sandbox's PID namespace."""
    pid = container_pid(paths)
    if pid is None:
        return []
    try:
        target = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return []
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == target:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def stop(paths: SandboxPaths, timeout: float = 15.0, shutdown: bool = True) -> None:
    """Shut the sandbox down: rc.shutdown inside (unless ``shutdown`` is False), then
    end every process by ending the namespace's PID 1."""
    pid = container_pid(paths)
    if shutdown and pid is not None and (paths.control / "run" / "booted").exists():
        try:
            subprocess.run(
                enter_argv(paths, ["/bin/sh", "/etc/rc.shutdown"]),
                check=False,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
            )
        except (subprocess.TimeoutExpired, SandboxError):
            pass
    members = namespace_pids(paths)
    _stop_forwarder(paths)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGKILL)  # PID 1 of the namespace: the kernel ends the rest
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    try:
        _end_outer(int(paths.pid_file.read_text().strip()), pid is None, deadline)
    except (OSError, ValueError):
        pass
    while any(map(_running, members)) and time.monotonic() < deadline:
        time.sleep(0.02)
    paths.pid_file.unlink(missing_ok=True)
    (paths.control / "run" / "booted").unlink(missing_ok=True)
