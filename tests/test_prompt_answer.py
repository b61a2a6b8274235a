"""The confirmation prompt of apply and undo (commands/answer.ask) at a real
terminal: a pty driven by pexpect, the keys an admin presses."""

import sys
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHILD = (
    "from tui.commands.answer import ask\n"
    "try:\n"
    "    print('answer=' + repr(ask('Go on? [y/N] ')))\n"
    "except KeyboardInterrupt:\n"
    "    print('interrupted')\n"
    "except EOFError:\n"
    "    print('eof')\n"
)


def asked() -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable, ["-c", CHILD], cwd=str(ROOT), encoding="utf-8", timeout=20
    )
    child.expect_exact("Go on? [y/N] ")
    return child


@pytest.mark.parametrize(
    "press, shown",
    [
        (lambda c: c.sendline("yes"), "answer='yes'"),
        (lambda c: c.sendline(""), "answer=''"),
        (lambda c: c.sendcontrol("c"), "interrupted"),
        (lambda c: c.sendcontrol("d"), "eof"),
        (lambda c: (c.send("y"), c.sendcontrol("c")), "interrupted"),  # half a line
    ],
    ids=["yes", "enter", "ctrl-c", "ctrl-d", "y-then-ctrl-c"],
)
def test_the_prompt_takes_each_key_as_input_would(press, shown):
    child = asked()
    press(child)
    child.expect_exact(shown)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_at_once_after_the_prompt_is_not_lost():
    """input() loses a Ctrl+C that lands between its prompt and its read (with the
    two cores busy, 3 of 60 and 6 of 60 presses were lost; ask: 0 of 100). The key
    is sent the moment the prompt shows, twenty times, and each one ends it."""
    for _ in range(20):
        child = asked()
        child.delaybeforesend = None
        child.sendcontrol("c")
        child.expect_exact("interrupted")
        child.expect(pexpect.EOF)
        child.close()
