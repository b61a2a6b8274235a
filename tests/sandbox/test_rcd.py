"""rc.subr semantics (facts §6.2), /etc/rc, service(8) (§6.3) and qmail-run's rc.d scripts."""

from __future__ import annotations

import re
import subprocess

from tests.polling import wait_for
from tui.sandbox import rcd

#: A scratch daemon: writes its pid file, dies slowly on TERM (so stop waits).
DAEMON = """#!/bin/sh
exec >/dev/null 2>&1
echo $$ > /var/run/dummyd.pid
trap 'sleep 0.2; rm -f /var/run/dummyd.pid; exit 0' TERM
trap '' HUP
while :; do sleep 0.05; done
"""

#: A scratch rc.d script in pidfile mode.
SCRIPT = """#!/bin/sh
# PROVIDE: dummyd
# REQUIRE: DAEMON

$_rc_subr_loaded . /etc/rc.subr

name="dummyd"
rcvar=$name
command="/usr/local/sbin/dummyd"
command_args="&"
pidfile="/var/run/dummyd.pid"
procname="/bin/sh"
required_files="/etc/dummyd.conf"
extra_commands="reload"
stop_postcmd="echo stopped-hook"

load_rc_config $name
run_rc_command "$1"
"""

#: A scratch rc.d script found by process name (no pidfile).
SLEEPER = """#!/bin/sh
# PROVIDE: sleeper
# KEYWORD: nostart

. /etc/rc.subr

name="sleeper"
rcvar=$name
command="/usr/bin/sleep"
command_args="1000 >/dev/null 2>&1 &"

load_rc_config $name
run_rc_command "$1"
"""


def _install(box, path: str, text: str) -> None:
    target = box.path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(0o555)


def _setup(box) -> None:
    _install(box, "/usr/local/sbin/dummyd", DAEMON)
    _install(box, "/etc/rc.d/dummyd", SCRIPT)
    _install(box, "/etc/rc.d/sleeper", SLEEPER)


def _run(box, *argv):
    out = box.exec(list(argv))
    return out.returncode, out.stdout, out.stderr


def test_rc_subr_messages_and_exit_codes(sandbox):
    box = sandbox
    _setup(box)
    script = "/etc/rc.d/dummyd"
    unset = f"{script}: WARNING: $dummyd is not set properly - see rc.conf(5).\n"

    for verb in ("start", "status", "stop"):
        assert _run(box, script, verb) == (
            1,
            "",
            unset
            + (
                "$dummyd is not enabled - see rc.conf(5).\n"
                "Use the following if you wish to perform the operation:\n"
                f"  {script} one{verb}\n"
            ),
        )
    assert f"root: {unset.strip()}" in box.read("/var/log/messages")
    assert _run(box, script, "rcvar") == (0, "# dummyd\n$dummyd=NO\n", unset)
    usage = f"Usage: {script} [fast|force|one](start|stop|restart|rcvar|reload|status|poll)\n"
    assert _run(box, script, "bogus") == (
        1,
        "",
        unset + f"{script}: unknown directive 'bogus'.\n" + usage,
    )
    assert _run(box, script, "onestatus") == (1, "dummyd is not running.\n", "")
    assert _run(box, script, "onestop") == (
        1,
        "",
        "dummyd not running? (check /var/run/dummyd.pid).\n",
    )

    # from /etc/rc (run_rc_script): a disabled service is skipped, status 0 (only the
    # checkyesno warning, with $0 the sourcing shell)
    quiet = box.sh(". /etc/rc.subr; run_rc_script /etc/rc.d/dummyd start")
    assert (quiet.returncode, quiet.stdout) == (0, "")
    assert quiet.stderr == "/bin/sh: WARNING: $dummyd is not set properly - see rc.conf(5).\n"

    box.sh("echo dummyd=YES >> /etc/rc.conf")
    assert _run(box, script, "rcvar") == (0, "# dummyd\n$dummyd=YES\n", "")
    assert _run(box, script, "bogus") == (1, "", f"{script}: unknown directive 'bogus'.\n" + usage)
    assert _run(box, script, "start") == (
        1,
        "",
        f"{script}: WARNING: /etc/dummyd.conf is not readable.\n",
    )
    assert "WARNING: /etc/dummyd.conf is not readable." in box.read("/var/log/messages")

    box.sh("touch /etc/dummyd.conf")
    assert _run(box, script, "start") == (0, "Starting dummyd.\n", "")
    assert wait_for(lambda: _run(box, script, "status")[0] == 0)  # (its pid file, as below)
    code, out, _ = _run(box, script, "status")
    pid = box.read("/var/run/dummyd.pid").strip()
    assert (code, out) == (0, f"dummyd is running as pid {pid}.\n")
    assert _run(box, script, "start") == (1, "", f"dummyd already running? (pid={pid}).\n")
    assert _run(box, script, "faststatus")[0] == 1  # fast: no pid check, so no status verb
    assert _run(box, script, "reload") == (0, "Reloading dummyd config files.\n", "")
    code, out, err = _run(box, script, "stop")
    assert (code, err) == (0, "")
    assert re.fullmatch(
        rf"Stopping dummyd.\nWaiting for PIDS: {pid}(, {pid})*.\nstopped-hook\n", out
    )
    assert _run(box, script, "status") == (1, "dummyd is not running.\n", "")
    assert _run(box, script, "stop") == (
        1,
        "",
        "dummyd not running? (check /var/run/dummyd.pid).\n",
    )
    code, out, _ = _run(box, script, "restart")
    assert (code, out) == (0, "Starting dummyd.\n")
    # the daemon (started with "&") writes its pid file in its own time
    assert wait_for(lambda: _run(box, script, "status")[0] == 0)
    assert _run(box, script, "onestop")[0] == 0


def test_force_one_and_process_names(make_sandbox):
    box = make_sandbox("2020Q2")
    _setup(box)
    box.sh("echo dummyd=NO >> /etc/rc.conf")
    # force: runs although disabled and a required file is missing
    code, out, err = _run(box, "/etc/rc.d/dummyd", "forcestart")
    assert (code, out) == (0, "Starting dummyd.\n")
    assert err == "/etc/rc.d/dummyd: WARNING: /etc/dummyd.conf is not readable.\n"
    # the daemon writes its pid file in its own time; until then rc.subr (like NetBSD's)
    # answers "not running?" to a stop
    assert wait_for(lambda: _run(box, "/etc/rc.d/dummyd", "onestatus")[0] == 0)
    assert _run(box, "/etc/rc.d/dummyd", "onestop")[0] == 0
    # process detection by command (first word of ps) for the sleeper
    assert _run(box, "/etc/rc.d/sleeper", "onestart") == (0, "Starting sleeper.\n", "")

    def sleepers() -> list[str]:
        ps = "ps -ax -o pid= -o command= | sed -n 's|^ *\\([0-9]*\\) /usr/bin/sleep 1000$|\\1|p'"
        return box.sh(ps).stdout.split()

    assert wait_for(sleepers)  # started with &: its exec may come after onestart returns
    pid = sleepers()[0]
    assert _run(box, "/etc/rc.d/sleeper", "onestatus") == (
        0,
        f"sleeper is running as pid {pid}.\n",
        "",
    )
    code, out, _ = _run(box, "/etc/rc.d/sleeper", "onestop")
    assert code == 0 and out.startswith("Stopping sleeper.\n")
    assert _run(box, "/etc/rc.d/sleeper", "onestatus")[0] == 1


def test_service_command(make_sandbox):
    box = make_sandbox()
    _setup(box)
    listing = _run(box, "service", "-l")
    assert listing[0] == 0
    names = [line.rsplit("/", 1)[1] for line in listing[1].split()]
    assert names.index("DAEMON") < names.index("dummyd") and "postfix" in names
    assert "sleeper" not in names  # KEYWORD: nostart
    assert _run(box, "service", "-e") == (0, "/etc/rc.d/postfix\n", "")
    box.sh("echo dummyd=YES >> /etc/rc.conf; touch /etc/dummyd.conf")
    assert _run(box, "service", "-e", "dummyd") == (0, "/etc/rc.d/dummyd\n", "")
    assert _run(box, "service", "nosuch", "start") == (
        1,
        "",
        "nosuch does not exist in /etc/rc.d\n",
    )
    assert _run(box, "service", "-v", "postfix", "status") == (  # postfix status: syslog only
        0,
        "",
        "postfix is located in /etc/rc.d\n",
    )
    code, out, _ = _run(box, "service", "-e", "-l")
    assert code == 1 and out.startswith("usage: service [-elv]\n")
    assert out.endswith("rc_directories is currently set to /etc/rc.d\n")
    # clean environment, as /etc/rc has it
    env = box.exec(["service", "dummyd", "onestart"], env={"FOO": "bar"})
    assert env.stdout == "Starting dummyd.\n"
    assert wait_for(lambda: box.path("/var/run/dummyd.pid").exists())  # started with &
    environ = box.sh("tr '\\0' '\\n' < /proc/$(cat /var/run/dummyd.pid)/environ | sort").stdout
    assert "FOO=bar" not in environ and "PATH=/sbin:/bin:/usr/sbin:/usr/bin" in environ


def test_service_start_failure_fault(make_sandbox):
    box = make_sandbox()
    _setup(box)
    box.sh("echo dummyd=YES >> /etc/rc.conf; touch /etc/dummyd.conf")
    box.paths.faults_file.write_text(
        "faults:\n  - {kind: service-start-failure, service: dummyd, times: 1}\n"
    )
    assert _run(box, "/etc/rc.d/dummyd", "start") == (0, "Starting dummyd.\n", "")
    assert _run(box, "/etc/rc.d/dummyd", "status") == (1, "dummyd is not running.\n", "")
    assert wait_for(lambda: "dummyd: fatal: unable to start" in box.read("/var/log/maillog"))
    assert _run(box, "/etc/rc.d/dummyd", "start") == (0, "Starting dummyd.\n", "")
    # (its pid file, as above)
    assert wait_for(lambda: _run(box, "/etc/rc.d/dummyd", "status")[0] == 0)


def test_qmail_run_scripts_per_flavor():
    names = {
        "QMAIL_DAEMON_USER": "mydaemon",
        "QMAIL_LOG_USER": "mylog",
        "QMAIL_SEND_USER": "mysend",
    }
    old, new = rcd.qmail_run_scripts("2017Q1", names), rcd.qmail_run_scripts("2020Q2", names)
    assert set(old) == set(new) == set(rcd.QMAIL_RUN_SCRIPTS)
    for scripts in (old, new):
        for name, text in scripts.items():
            assert "@" not in re.sub(r"@[a-z0-9.-]+|\$@|\"\$@\"", "", text), name
            assert subprocess.run(["sh", "-n"], input=text, text=True, check=False).returncode == 0
        assert "-u `/usr/bin/id -u mydaemon`" in scripts["qmailsmtpd"]
        assert "setuidgid mylog" in scripts["qmailsmtpd"]
        assert "/usr/bin/id -u mysend" in scripts["qmailqread"]
        assert "# KEYWORD: nostart" in scripts["qmail"]
        assert "# KEYWORD: shutdown" in scripts["qmailsend"]
    assert "procname=${name}" in old["qmailsmtpd"]
    assert "logger -t nb${name} -p mail.info" in old["qmailsmtpd"]
    assert "/usr/pkg/etc/qmail/tcp.smtp.cdb" in old["qmailsmtpd"]
    assert 'COMMAND_LIST="qmailsend qmailsmtpd qmailpop3d"' in old["qmail"]
    assert "procname=nb${name}" in new["qmailsmtpd"]
    assert "logger -t nbqmail/smtpd -p mail.info" in new["qmailsmtpd"]
    assert "/usr/pkg/etc/qmail/control/tcprules/smtp" in new["qmailsmtpd"]
    assert "bin/sslserver" in new["qmailsmtpd"] and "bin/greetdelay" in new["qmailsmtpd"]
    assert 'pidfile="/var/run/${name}.pid"' in new["qmailsend"]


def test_qmail_script_refusals_without_package(sandbox):
    box = sandbox
    scripts = rcd.qmail_run_scripts(box.config["flavor"], {})
    _install(box, "/etc/rc.d/qmailsmtpd", scripts["qmailsmtpd"])
    script = "/etc/rc.d/qmailsmtpd"
    code, _out, err = _run(box, script, "start")
    assert code == 1 and err.endswith(
        "$qmailsmtpd is not enabled - see rc.conf(5).\n"
        "Use the following if you wish to perform the operation:\n"
        f"  {script} onestart\n"
    )
    assert f"{script}: WARNING: $qmailsmtpd is not set properly - see rc.conf(5).\n" in err
    procname = "qmailsmtpd" if box.config["flavor"] == "2017Q1" else "nbqmailsmtpd"
    # the tcpserver is not installed: start returns 0 silently, status finds nothing
    assert _run(box, script, "onestart")[:2] == (0, "")
    assert _run(box, script, "onestat")[:2] == (1, "qmailsmtpd is not running.\n")
    assert procname in box.read(script)
