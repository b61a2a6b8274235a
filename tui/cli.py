"""qmail-wizard's command line (argparse).  Textual is imported only by the TUI."""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import sys
from pathlib import Path

from .sandbox.api import DEFAULT_FLAVOR, FLAVOR_NAMES

KEEP_HELP = "leave verify's test messages (header X-qmail-wizard-verify) in the Maildir"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qmail-wizard",
        description="Install, verify and reconfigure qmail from pkgsrc on NetBSD, as "
        "root. Without a COMMAND the interactive wizard starts.",
    )
    parser.add_argument(
        "--target",
        default="local",
        metavar="TARGET",
        help="the host to act on: local (this machine, the default; NetBSD, as root) "
        "or sandbox:PATH (a simulated NetBSD host on this Linux machine, created "
        "if PATH does not exist; as root) or ssh://[user@]host[:port] (a NetBSD host "
        "over OpenSSH, logging in as root)",
    )
    parser.add_argument(
        "--ssh-config",
        metavar="FILE",
        help="ssh client config for an ssh:// target (passed as ssh -F FILE)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="prefill the wizard's screens from a profile"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    probe = commands.add_parser("probe", help="print the profile this host embodies")
    probe.add_argument("--format", choices=("yaml", "json"), default="yaml")
    plan = commands.add_parser(
        "plan",
        help="show what applying PROFILE would change "
        "(exit 0: nothing, 2: changes pending, 1: error)",
    )
    plan.add_argument("profile")
    plan.add_argument("--format", choices=("text", "json"), default="text")
    apply = commands.add_parser(
        "apply",
        help="make the host match PROFILE",
        description="Make the host match PROFILE: one line per step on stderr, the "
        "summary on stdout, everything in the run's log. Exit 0 applied, 1 failed or "
        "declined, 130 stopped by Ctrl+C (nothing half-written; --resume finishes).",
    )
    apply.add_argument("profile")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--resume", action="store_true", help="continue the last unfinished run")
    apply.add_argument(
        "-v", "--verbose", action="store_true", help="show each command and its output"
    )
    apply.add_argument(
        "--overwrite-drift",
        action="store_true",
        help="write the profile's version of files changed by hand since "
        "the last apply (they are backed up first)",
    )
    apply.add_argument("--keep-test-message", action="store_true", help=KEEP_HELP)
    verify = commands.add_parser(
        "verify",
        help="check that qmail runs, is safe and delivers (exit 0: all pass, 1: any fails)",
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")
    verify.add_argument("--keep-test-message", action="store_true", help=KEEP_HELP)
    validate = commands.add_parser(
        "validate",
        help="check a profile (exit 0 valid, 1 not); needs no root: without root, or "
        "off NetBSD, against the built-in option tables",
    )
    validate.add_argument("profile")
    status = commands.add_parser("status", help="services, queue and mail log of the host")
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.add_argument(
        "--watch", type=_seconds, metavar="SECONDS", help="redraw every SECONDS until Ctrl+C"
    )
    undo = commands.add_parser(
        "undo", help="undo a run: stop what it started, restore its files, start what it stopped"
    )
    undo.add_argument(
        "--run", metavar="ID", help="run id (default: the newest run that changed something)"
    )
    undo.add_argument("--yes", action="store_true")
    export = commands.add_parser(
        "export", help="write PROFILE as something another tool runs (ansible: a playbook)"
    )
    kinds = export.add_subparsers(dest="kind", metavar="KIND", required=True)
    ansible = kinds.add_parser(
        "ansible", help="a playbook directory converging the inventory group 'mail'"
    )
    ansible.add_argument("profile")
    ansible.add_argument("--out", type=Path, required=True, metavar="DIR")

    sandbox = commands.add_parser(
        "sandbox",
        help="a simulated NetBSD host to rehearse on (Linux, as root)",
        description="Create, enter and stop simulated NetBSD hosts.",
    )
    actions = sandbox.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="build a fresh simulated NetBSD host")
    create.add_argument("path", type=Path)
    create.add_argument(
        "--flavor",
        default=DEFAULT_FLAVOR,
        choices=FLAVOR_NAMES,
        help=f"pkgsrc branch to simulate (default {DEFAULT_FLAVOR})",
    )
    create.add_argument("--hostname", default="mail.example.org", metavar="FQDN")
    create.add_argument("--admin-user", default="admin", metavar="NAME")
    create.add_argument(
        "--publish",
        action="append",
        default=[],
        type=_publish,
        metavar="MACHINEPORT:PORT",
        help="forward the machine's 127.0.0.1:MACHINEPORT to the "
        "sandbox's PORT (repeatable), like docker -p",
    )
    create.add_argument(
        "--ssh-port",
        type=_port,
        metavar="PORT",
        help="run the sandbox's sshd (rc.conf sshd=YES) and publish it on the "
        "machine's 127.0.0.1:PORT",
    )
    create.add_argument(
        "--authorized-key",
        type=Path,
        metavar="FILE",
        help="authorize this public key file for root and the admin user over ssh "
        "(needs --ssh-port)",
    )
    run = actions.add_parser("exec", help="run one command inside (exit status passed through)")
    run.add_argument("path", type=Path)
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    shell = actions.add_parser("shell", help="open a root shell inside")
    shell.add_argument("path", type=Path)
    stop = actions.add_parser("stop", help="stop every process of the sandbox")
    stop.add_argument("path", type=Path)
    return parser


def _publish(text: str) -> tuple[int, int]:
    from .sandbox.api import parse_publish

    try:
        return parse_publish(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _sandbox(args) -> int:
    from .backend.hosts import HostError
    from .sandbox import api as sandbox

    try:
        if args.action == "create":
            base = sandbox.create(
                args.path,
                args.flavor,
                args.hostname,
                args.admin_user,
                args.publish,
                args.ssh_port,
                args.authorized_key,
            )
            published = "".join(f"; 127.0.0.1:{m} reaches its port {p}" for m, p in args.publish)
            if args.ssh_port:
                published += f"; ssh -p {args.ssh_port} root@127.0.0.1 reaches its sshd"
            print(
                f"sandbox created at {base} (NetBSD, pkgsrc-{args.flavor}, "
                f"{args.hostname}{published}); enter it with: "
                f"qmail-wizard sandbox shell {base}"
            )
            return 0
        base = sandbox.require(args.path)
        if args.action == "stop":
            sandbox.stop(base)
            return 0
        if args.action == "shell":
            argv = ["/bin/sh", "-l"]
        else:
            argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
            if not argv:
                raise HostError(
                    "nothing to run: give the command after '--', "
                    f"e.g. qmail-wizard sandbox exec {args.path} -- uname -a"
                )
        machine_argv = sandbox.enter_argv(base, argv)
    except HostError as exc:
        print(f"qmail-wizard: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(
            f"qmail-wizard: sandbox {args.action} failed:{where}: {exc.strerror}; "
            "check the path and that you run as root.",
            file=sys.stderr,
        )
        return 1
    sys.stdout.flush()
    os.execvp(machine_argv[0], machine_argv)
    return 127  # not reached


def _fail(message: str) -> int:
    print(f"qmail-wizard: {message}", file=sys.stderr)
    return 1


def _refusal(args, exc) -> str:
    """What a refused host (admission.Refused) means for this command line."""
    if not exc.needs_root:
        return str(exc)
    what = args.command or "the wizard"
    return (
        f"{what} needs root on this host (you are uid {exc.uid}); run it again as root "
        f"(su or sudo): qmail-wizard {shlex.join(args.words)}"
    )


def _open(args):
    """The admitted host of ``--target`` (NetBSD, as root); raises TargetError or
    HostError (admission.Refused among them)."""
    from .backend.session import Session
    from .commands.target import open_target

    host = open_target(args.target, args.ssh_config)
    Session(host).admit()
    return host


def _validate(args) -> int:
    """validate needs no root: it checks against the host when it can read it, else
    against the built-in option tables (and says why)."""
    from .backend.admission import Refused
    from .backend.hosts import HostError
    from .commands import headless
    from .commands.target import NeedsRoot, TargetError

    if args.target == "local" and os.uname().sysname != "NetBSD":
        return headless.cmd_validate(args.profile, None)  # not a NetBSD host: built-in tables
    try:
        host = _open(args)
    except NeedsRoot:
        print(f"note: not root (uid {os.geteuid()}): the sandbox was not read", file=sys.stderr)
        return headless.cmd_validate(args.profile, None)
    except Refused as exc:
        why = f"not root (uid {exc.uid})" if exc.needs_root else f"this host is {exc.system}"
        print(f"note: {why}: the host was not read", file=sys.stderr)
        return headless.cmd_validate(args.profile, None)
    except (TargetError, HostError) as exc:
        return _fail(str(exc))
    return headless.cmd_validate(args.profile, host)


def _headless(args) -> int:
    from .backend.admission import Refused
    from .backend.hosts import HostError
    from .commands import headless
    from .commands.target import TargetError

    if args.command == "validate":
        return _validate(args)
    try:
        host = _open(args)
    except Refused as exc:
        return _fail(_refusal(args, exc))
    except (TargetError, HostError) as exc:
        return _fail(str(exc))
    if args.command == "probe":
        return headless.cmd_probe(host, args.format)
    if args.command == "plan":
        return headless.cmd_plan(host, args.profile, args.format)
    if args.command == "apply":
        return headless.cmd_apply(
            host,
            args.profile,
            args.yes,
            args.resume,
            args.overwrite_drift,
            args.keep_test_message,
            args.verbose,
            args.target,
        )
    if args.command == "verify":
        from .commands.verify import cmd_verify

        return cmd_verify(host, args.format, args.keep_test_message)
    if args.command == "status":
        from .commands.status import cmd_status

        return cmd_status(host, args.format, args.watch, args.target)
    from .commands.undo import cmd_undo

    return cmd_undo(host, args.run, args.yes)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.words = list(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "sandbox":
            return _sandbox(args)
        if args.command == "export":
            from .commands.export import cmd_export_ansible

            return cmd_export_ansible(args.profile, args.out)
        if args.command in ("probe", "plan", "apply", "validate", "undo", "status", "verify"):
            return _headless(args)
        return _tui(args)
    except KeyboardInterrupt:  # a command that has its own word for Ctrl+C says it first
        _fail("interrupted (Ctrl+C).")
        return 130


def _tui(args) -> int:
    """No command: the interactive wizard (the only path that imports Textual)."""
    # the start allocates much and frees little: the collector's ~100 passes over it
    # cost ~15 ms; WizardApp turns it back on once its screens are in (settle_gc)
    gc.disable()
    from .backend.admission import Refused
    from .backend.hosts import HostError
    from .commands.target import TargetError

    errors: tuple[type[Exception], ...] = (TargetError, HostError)
    if args.profile:  # profile and yaml load only then: the probe starts sooner
        from .backend.profile import ProfileError
        from .backend.profile.yamlsrc import SourceError

        errors += (ProfileError, SourceError)
    try:
        from .commands.interactive import create_app

        app = create_app(args.target, args.profile, args.ssh_config)
    except Refused as exc:
        return _fail(_refusal(args, exc))
    except errors as exc:
        return _fail(str(exc))
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
