"""Issue 7: `qmail-wizard validate` on hostile files exits 1 with one clear message that
names the file (and the line when there is one), never a traceback, and never runs
what a YAML tag asks for.  (tests/e2e/test_validate_cli.py covers the plain malformed
files: empty, unclosed, list root, duplicate key, a simple anchor, binary junk.)"""

from __future__ import annotations

import random
import re

import pytest

from tests.e2e.test_validate_cli import rejected, validate
from tui import cli

BOMB = (
    "\n".join(
        ["version: 1", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        + [
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
            for i in range(8)
        ]
    )
    + "\n"
)
TAGS = (
    "!!python/object/apply:os.system ['touch {canary}']",
    "!!python/object/new:os.system ['touch {canary}']",
    "!!python/object/apply:subprocess.call [['touch', '{canary}']]",
    "!!python/name:os.system",
    "!!python/module:os",
)


def garbage(n: int, seed: int) -> bytes:
    return bytes(random.Random(seed).randrange(256) for _ in range(n))


#: name -> (file bytes, what the message says after "PATH", the line it names or None)
CASES = {
    "random bytes": (garbage(4096, 7), "not UTF-8 text", None),
    "NUL in UTF-8 text": (b"version: 1\nmail:\x00 {}\n", "not valid YAML", 2),
    "escape sequence key": (b'version: 1\n"\\e[2J\\e]0;pwned\\a": 1\n', "unknown key", 2),
    "lone surrogate key": (b'version: 1\n"\\ud800": 1\n', "unknown key", 2),
    "billion laughs": (BOMB.encode(), "anchors and aliases are not allowed", 2),
    "merge key": (b"version: 1\nmail:\n  <<: {me: a.example.org}\n", "YAML tag", 3),
    "empty !!int": (b"version: !!int\n", "cannot read '' as int", 1),
    "integer of 5000 digits": (b"version: " + b"9" * 5000 + b"\n", "as int", 1),
    "scalar root": (b"42\n", "expected a mapping", 1),
    "string root": (b"just some text\n", "expected a mapping", 1),
    "10,000-deep flow list": (b"[" * 10_000 + b"]" * 10_000, "nested too deeply", 1),
    "10,000-deep flow mapping": (
        b"version: 1\nmail: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n",
        "nested too deeply",
        2,
    ),
    "500-deep block mapping": (
        "".join("  " * i + "k:\n" for i in range(500)).encode(),
        "nested too deeply",
        21,
    ),
    "two documents": (b"version: 1\n---\nversion: 1\n", "expected one YAML document", None),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_refused_with_file_and_line(tmp_path, case):
    data, wanted, line = CASES[case]
    path = tmp_path / "hostile.yaml"
    path.write_bytes(data)
    stderr = rejected(validate(str(path)))
    where = f"qmail-wizard: {path}:{line}: " if line else f"qmail-wizard: {path}: "
    assert stderr.startswith(where), stderr[:300]
    assert wanted in stderr, stderr[:300]
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", stderr), "raw control character"


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("where", ["root", "value", "key"])
def test_python_tags_refused_and_never_run(tmp_path, tag, where):
    canary = tmp_path / "canary"
    tagged = tag.format(canary=canary)
    text = {
        "root": f"{tagged}\n",
        "value": f"version: 1\nservices: {tagged}\n",
        "key": f"version: 1\n? {tagged}\n: 1\n",
    }[where]
    path = tmp_path / "tagged.yaml"
    path.write_text(text)
    stderr = rejected(validate(str(path)))
    line = 1 if where == "root" else 2
    assert stderr.startswith(f"qmail-wizard: {path}:{line}: "), stderr
    assert "is not allowed" in stderr and "python/" in stderr, stderr
    assert not canary.exists()


def bytes_read() -> int:
    """This process's bytes read so far, every read(2) counted (Linux's rchar)."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


@pytest.mark.parametrize("size_mb", [50])
def test_huge_file_refused_without_reading_it_all(tmp_path, capsys, size_mb):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.write(b"version: 1\nmail:\n  me: '")
        fh.truncate(size_mb << 20)  # a sparse 50 MB of NULs inside a quoted string
    stderr = rejected(validate(str(path)))
    assert stderr == f"qmail-wizard: {path}: larger than 1000000 bytes; not a profile\n"

    small = tmp_path / "small.yaml"
    small.write_bytes(b"version: 1\nmail:\n  me: '\x00'\n")
    assert cli.main(["validate", str(small)]) == 1  # the imports validate needs, done
    before = bytes_read()
    assert cli.main(["validate", str(path)]) == 1
    read = bytes_read() - before
    assert "larger than 1000000 bytes" in capsys.readouterr().err
    assert read <= 1_000_000 + (64 << 10), f"read {read} bytes of a {size_mb} MB file"


@pytest.mark.parametrize("name", ["directory", "/dev/zero"])
def test_not_a_file(tmp_path, name):
    path = str(tmp_path) if name == "directory" else name
    stderr = rejected(validate(path))
    assert stderr.startswith(f"qmail-wizard: {path}: "), stderr
    assert "Is a directory" in stderr or "larger than" in stderr, stderr
