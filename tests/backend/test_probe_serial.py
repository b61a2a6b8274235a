"""probe(serial=True), what the interactive start's helper runs: the probe's slow
commands one after another (one core), with the same answer as run concurrently."""

from __future__ import annotations

from tui.backend.hosts import SandboxHost
from tui.backend.probe import probe

#: two of the first stage's concurrent commands on a fresh host (hostname is the third;
#: its /usr/bin is the machine's, read-only)
WATCHED = ("/sbin/ifconfig", "/usr/sbin/pkg_info")
NAMES = [path.rsplit("/", 1)[1] for path in WATCHED]
LOG = "/tmp/probe-order"


def _watch(box) -> None:
    """Each watched program logs its begin and end around the real one, 0.3 s apart."""
    for path in WATCHED:
        name = path.rsplit("/", 1)[1]
        done = box.sh(
            f"mv {path} {path}.real && cat > {path} <<'EOF' && chmod 555 {path}\n"
            "#!/bin/sh\n"
            f"echo begin {name} >> {LOG}; sleep 0.3\n"
            f'{path}.real "$@"; rc=$?\n'
            f"echo end {name} >> {LOG}; exit $rc\n"
            "EOF\n"
        )
        assert done.returncode == 0, done.stderr


def _order(box, host, serial: bool):
    box.sh(f"rm -f {LOG}")
    state = probe(host, catalog=False, serial=serial)
    return state, box.read(LOG).split("\n")[:-1]


def test_serial_runs_one_command_at_a_time_and_reads_the_same(make_sandbox):
    box = make_sandbox()
    _watch(box)
    host = SandboxHost(box.paths.base)

    concurrent, order = _order(box, host, serial=False)
    assert sorted(order[:2]) == [f"begin {name}" for name in NAMES]  # both at once

    one_by_one, order = _order(box, host, serial=True)
    assert order == [f"{edge} {name}" for name in NAMES for edge in ("begin", "end")]
    assert one_by_one == concurrent
    assert one_by_one.hostname and one_by_one.packages and one_by_one.addresses


def test_the_interactive_start_reads_the_host_one_command_at_a_time(make_sandbox):
    """create_app (the CLI's wizard) reads the first stage in its helper, serially."""
    from tui.commands.interactive import create_app

    box = make_sandbox()
    _watch(box)
    box.sh(f"rm -f {LOG}")
    app = create_app(f"sandbox:{box.paths.base}")
    assert app.probing.summary.result(timeout=60).hostname == "mail.example.org"
    order = box.read(LOG).split("\n")[:-1]
    assert order == [f"{edge} {name}" for name in NAMES for edge in ("begin", "end")]
    assert app.session.state is not None and app.session.state.packages
