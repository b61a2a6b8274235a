"""cdb files as djb writes them, tcprules' keys, tcpserver's prefix matching, tcprulescheck."""

from __future__ import annotations

import struct

from qmailhost import setup

from tui.sandbox import cdb
from tui.sandbox.qmail.rules import instructions, lookup_keys, match

RULES = """\
# comment
127.0.0.1:allow,RELAYCLIENT="",GREETING='hi there'
127.:allow,RELAYCLIENT=""
10.1.2.3-5:deny
=trusted.example.org:allow
:deny
"""


def test_empty_cdb_is_djbs_layout():
    image = cdb.dumps([])
    assert len(image) == 2048
    assert struct.unpack_from("<LL", image, 0) == (2048, 0)
    assert struct.unpack_from("<LL", image, 255 * 8) == (2048, 0)
    assert cdb.cdb_hash(b"") == 5381


def test_cdb_roundtrip_with_duplicates():
    records = [(b"a", b"1"), (b"b", b""), (b"a", b"2")] + [
        (b"k%d" % i, b"v%d" % i) for i in range(300)
    ]
    reader = cdb.Reader(cdb.dumps(records))
    assert list(reader.get_all(b"a")) == [b"1", b"2"]
    assert reader.get(b"b") == b""
    assert reader.get(b"k299") == b"v299"
    assert reader.get(b"missing") is None
    assert list(reader.items()) == records


def test_lookup_order_is_tcpservers():
    assert lookup_keys("127.0.0.2") == ["127.0.0.2", "127.0.0.", "127.0.", "127.", ""]


def test_tcprules_compiles_and_rules_match_by_prefix(make_sandbox):
    box = make_sandbox()
    setup(box, programs=["tcprules", "tcprulescheck"])
    box.path("/usr/pkg/etc/qmail/tcp.smtp").write_text(RULES)
    done = box.sh("cd /usr/pkg/etc/qmail && tcprules tcp.smtp.cdb tcp.smtp.tmp < tcp.smtp")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not box.path("/usr/pkg/etc/qmail/tcp.smtp.tmp").exists()
    db = cdb.Reader.open(str(box.path("/usr/pkg/etc/qmail/tcp.smtp.cdb")))
    assert db.get(b"127.") == b"+RELAYCLIENT=\0"
    assert db.get(b"127.0.0.1") == b"+RELAYCLIENT=\0+GREETING=hi there\0"
    assert [db.get(b"10.1.2.%d" % n) for n in (2, 3, 4, 5, 6)] == [None, b"D", b"D", b"D", None]
    assert db.get(b"=trusted.example.org") == b""
    assert match(db, "127.0.0.2") == ("127.", b"+RELAYCLIENT=\0")
    assert instructions(match(db, "127.0.0.1")[1]) == (
        False,
        {"RELAYCLIENT": "", "GREETING": "hi there"},
    )
    assert match(db, "192.0.2.7") == ("", b"D")
    assert match(db, "192.0.2.7", host="trusted.example.org")[0] == "=trusted.example.org"

    check = box.exec(["tcprulescheck", "/usr/pkg/etc/qmail/tcp.smtp.cdb", "127.0.0.2"])
    assert check.stdout == "rule 127.:\nset environment variable RELAYCLIENT=\nallow connection\n"
    check = box.exec(["tcprulescheck", "/usr/pkg/etc/qmail/tcp.smtp.cdb", "192.0.2.7"])
    assert check.stdout == "rule :\ndeny connection\n"


def test_tcprules_errors(make_sandbox):
    box = make_sandbox()
    setup(box, programs=["tcprules"])
    bad = box.exec(["tcprules", "/tmp/x.cdb", "/tmp/x.tmp"], input="127.:permit\n")
    assert bad.returncode == 100
    assert bad.stderr == "tcprules: fatal: unable to parse this line: 127.:permit\n"
    usage = box.exec(["tcprules", "/tmp/x.cdb"])
    assert (usage.returncode, usage.stderr) == (
        100,
        "tcprules: usage: tcprules rules.cdb rules.tmp\n",
    )
    nodir = box.exec(["tcprules", "/nonexistent/x.cdb", "/nonexistent/x.tmp"], input=":allow\n")
    assert nodir.returncode == 111
    assert nodir.stderr == (
        "tcprules: fatal: unable to create /nonexistent/x.tmp: file does not exist\n"
    )
