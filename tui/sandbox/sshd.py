"""The simulated host's sshd: the machine's OpenSSH sshd, run by the sandbox's rc.

NetBSD's base system has sshd; the sandbox runs the machine's (Debian's
openssh-server) under NetBSD's rc.d/sshd and sshd_config of the flavor's release
(sources in ``skel/sshd/<flavor>/``).  Linux-only pieces it needs, kept out of the
NetBSD tree where possible: its compiled-in privilege separation directory and pid
file (``/run/sshd``, ``/run/sshd.pid``: links to NetBSD's ``/var/chroot/sshd`` and
``/var/run/sshd.pid``) and a Linux-PAM ``/etc/pam.d/sshd``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .container import SandboxError
from .layout import SandboxPaths

SKEL = Path(__file__).resolve().parent / "skel" / "sshd"
MACHINE_SSHD = "/usr/sbin/sshd"
MACHINE_SFTP_SERVER = "/usr/lib/openssh/sftp-server"
#: The port sshd listens on inside the sandbox.
SSH_PORT = 22
#: NetBSD's _PATH_DEFPATH (include/paths.h rev 1.13), which setusercontext(3) gives
#: sessions when /etc/login.conf sets no path.
SESSION_PATH = "/usr/bin:/bin:/usr/pkg/bin:/usr/local/bin"
#: 7.1's sshd refuses root by default (PermitRootLogin no); an admin who authorizes a
#: key for root says so in sshd_config.
ROOT_KEY_LOGIN = (
    "\n# sandbox create --authorized-key: root logs in with that key only\n"
    "PermitRootLogin without-password\n"
)
KEY_PREFIXES = ("ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-")


def missing_sshd_error() -> SandboxError:
    return SandboxError(
        f"--ssh-port needs the machine's OpenSSH server ({MACHINE_SSHD} is missing): "
        "run 'apt-get install openssh-server openssh-client' "
        "(or your distribution's equivalent)."
    )


def read_authorized_key(path: str | Path) -> str:
    """The public key lines of ``path``; SandboxError says what is wrong with it."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a text file"
        raise SandboxError(f"--authorized-key {path}: cannot read it ({reason}).") from None
    if "PRIVATE KEY" in text:
        raise SandboxError(
            f"--authorized-key {path} is a private key: give the public one ({path}.pub)."
        )
    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    if not keys or not all(line.startswith(KEY_PREFIXES) and " " in line for line in keys):
        raise SandboxError(
            f"--authorized-key {path} is not an OpenSSH public key file "
            "(lines like 'ssh-ed25519 AAAA... comment')."
        )
    return "".join(line + "\n" for line in keys)


def _write(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _symlink(link: Path, target: str) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def install(paths: SandboxPaths, flavor, authorized_key: str | None) -> None:
    """NetBSD's rc.d/sshd and /etc/ssh/sshd_config of the flavor, the privilege
    separation directory, the programs, and root's authorized_keys when given."""
    skel = SKEL / flavor.name
    _write(paths.host_path("/etc/rc.d/sshd"), (skel / "sshd").read_text(), 0o555)
    config = (skel / "sshd_config").read_text()
    if authorized_key is not None and flavor.name == "2017Q1":
        config += ROOT_KEY_LOGIN
    _write(paths.host_path("/etc/ssh/sshd_config"), config, 0o644)
    _write(paths.host_path("/etc/pam.d/sshd"), (SKEL / "pam.d-sshd").read_text(), 0o644)
    chroot = paths.host_path("/var/chroot/sshd")
    chroot.mkdir(parents=True, exist_ok=True)
    chroot.chmod(0o755)
    run = paths.host_path("/run")
    run.mkdir(exist_ok=True)
    _symlink(run / "sshd", "/var/chroot/sshd")
    _symlink(run / "sshd.pid", "/var/run/sshd.pid")
    _symlink(paths.host_path("/usr/libexec/sftp-server"), MACHINE_SFTP_SERVER)
    refresh_program(paths)
    if authorized_key is not None:
        _authorize(paths.host_path("/root"), authorized_key)
        for home in paths.host_path("/home").iterdir():
            _authorize(home, authorized_key)


def _authorize(home: Path, key: str) -> None:
    """``home``/.ssh/authorized_keys holding ``key``, owned by the home's owner."""
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    ssh_dir.chmod(0o700)
    _write(ssh_dir / "authorized_keys", key, 0o600)
    owner = home.stat()
    for path in (ssh_dir, ssh_dir / "authorized_keys"):
        os.chown(path, owner.st_uid, owner.st_gid)


def refresh_program(paths: SandboxPaths) -> None:
    """Copy the machine's sshd to the sandbox's /usr/sbin/sshd when it changed (done at
    every boot); the session environment file pam.d/sshd reads goes along."""
    _write(paths.control / "sshd-pam-env.conf", f"PATH\tOVERRIDE={SESSION_PATH}\n", 0o644)
    target = paths.host_path("/usr/sbin/sshd")
    try:
        source = os.stat(MACHINE_SSHD)
    except OSError:
        return
    try:
        current = target.stat()
        if (current.st_size, int(current.st_mtime)) == (source.st_size, int(source.st_mtime)):
            return
    except OSError:
        pass
    tmp = target.with_name("sshd.tmp")
    shutil.copy2(MACHINE_SSHD, tmp)
    os.replace(tmp, target)
