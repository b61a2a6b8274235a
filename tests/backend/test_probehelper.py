"""probehelper: the interactive start's first stage in a forked process; its answer,
its errors and its death reach the waiting thread, and it never writes to the
terminal."""

from __future__ import annotations

import os
import signal

import pytest

from tui.backend import probehelper
from tui.backend.admission import Refused
from tui.backend.hosts import HostError


def test_the_work_runs_in_another_process_and_its_result_comes_back():
    result = probehelper.fork(lambda: {"pid": os.getpid(), "rows": [("System", "NetBSD")]})()
    assert result["pid"] != os.getpid()
    assert result["rows"] == [("System", "NetBSD")]


def test_a_refusal_is_raised_here_as_the_helper_raised_it():
    def refused():
        raise Refused("NetBSD", 1000)

    with pytest.raises(Refused) as caught:
        probehelper.fork(refused)()
    assert (caught.value.system, caught.value.uid, caught.value.needs_root) == (
        "NetBSD",
        1000,
        True,
    )
    assert "you are uid 1000" in str(caught.value)


class Unrebuildable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}+{b}")


def test_an_error_that_cannot_cross_is_said_in_words():
    def fails():
        raise Unrebuildable(1, 2)

    with pytest.raises(HostError, match=r"^Unrebuildable: 1\+2$"):
        probehelper.fork(fails)()


@pytest.mark.parametrize(
    ("end", "said"),
    [
        (lambda: os._exit(3), "exit status 3"),
        (lambda: os.kill(os.getpid(), signal.SIGKILL), "killed by signal 9"),
    ],
)
def test_a_helper_that_dies_without_an_answer_is_a_host_error(end, said):
    with pytest.raises(HostError, match=f"ended without an answer \\({said}\\)"):
        probehelper.fork(end)()


def test_the_helper_writes_nothing_to_the_terminal(capfd):
    def noisy():
        print("to stdout", flush=True)
        os.write(2, b"to stderr\n")
        return "done"

    assert probehelper.fork(noisy)() == "done"
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
