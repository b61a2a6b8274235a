"""pkgsrc versions and patterns, and the package file format (no sandbox needed)."""

from __future__ import annotations

from tui.sandbox.flavors import FLAVORS
from tui.sandbox.pkgdb import best, matching, pkg_match, version_cmp
from tui.sandbox.pkgfmt import PackageReader, parse_contents
from tui.sandbox.repo import build_package


def test_dewey_order():
    assert version_cmp("1.03nb27", "1.03nb28") < 0
    assert version_cmp("1.03nb27", "1.03") > 0
    assert version_cmp("0.999.10.11nb3", "0.999.10.11nb2") > 0
    assert version_cmp("1.0alpha1", "1.0") < 0
    assert version_cmp("1.0rc1", "1.0beta2") > 0
    assert version_cmp("1.10", "1.9") > 0
    assert version_cmp("2.1", "2.1.0") == 0


def test_patterns():
    assert pkg_match("qmail>=1.03nb8", "qmail-1.03nb27")
    assert not pkg_match("qmail>=1.03nb28", "qmail-1.03nb27")
    assert pkg_match("qmail>=1.03<1.04", "qmail-1.03nb27")
    assert pkg_match("qmail-qfilter>1.5nb1", "qmail-qfilter-2.1nb1")
    assert pkg_match("{ucspi-tcp6>=1.10.7nb1,ucspi-tcp>=0.88}", "ucspi-tcp-0.88nb8")
    assert pkg_match("qmail-[0-9]*", "qmail-1.03nb27")
    assert not pkg_match("qmail-[0-9]*", "qmail-run-20170406")
    names = ["qmail-1.03nb27", "qmail-run-20170406", "qmail-1.03nb28"]
    assert matching("qmail", names) == ["qmail-1.03nb27", "qmail-1.03nb28"]
    assert best(matching("qmail", names)) == "qmail-1.03nb28"
    assert matching("qmail-run", names) == ["qmail-run-20170406"]


def test_package_file(tmp_path):
    flavor = FLAVORS["2017Q1"]
    path = build_package(
        tmp_path, flavor, "qmail", ["qmail-srs", "tls"], {"QMAIL_DAEMON_USER": "mydaemon"}, tmp_path
    )
    assert path.name == "qmail-1.03nb27.tgz"
    with PackageReader(path) as reader:
        text = reader.meta["+CONTENTS"]
        lines = text.splitlines()
        assert lines[:3] == [
            "@name qmail-1.03nb27",
            "@blddep daemontools-0.76nb1",
            "@pkgdep daemontools>=0.76",
        ]
        assert "@cwd /usr/pkg" in lines and "@pkgdep libsrs2>=1.0.18" in lines
        contents = parse_contents(text)
        assert "share/doc/qmail/README.srs" in [p for p, _ in contents.files]
        assert all(md5 for _, md5 in contents.files)
        info = reader.build_info
        assert info["PKG_OPTIONS"] == "qmail-srs tls"
        assert info["QMAIL_DAEMON_USER"] == "mydaemon"
        assert info["OPSYS"] == "NetBSD" and info["OS_VERSION"] == "7.1"
        keys = [line.split("=")[0] for line in reader.meta["+BUILD_INFO"].splitlines()]
        assert keys == sorted(keys)
        assert "MESSAGE.srs" in reader.meta["+DISPLAY"]
        assert reader.meta["+INSTALL"].startswith("#!/bin/sh")
