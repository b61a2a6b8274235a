"""useradd/groupadd/userdel/groupdel: NetBSD rules, messages and files (facts §6.4)."""

from __future__ import annotations


def test_add_and_delete(make_sandbox):
    box = make_sandbox("2017Q1")
    assert box.exec(["groupadd", "mygroup"]).returncode == 0
    assert "\nmygroup:*:1000:\n" in box.read("/etc/group")
    result = box.exec(
        [
            "useradd",
            "-m",
            "-g",
            "mygroup",
            "-G",
            "wheel",
            "-c",
            "Test User",
            "-s",
            "/sbin/nologin",
            "-d",
            "/home/tester",
            "tester",
        ]
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "tester:*:1001:1000:Test User:/home/tester:/sbin/nologin\n" in box.read("/etc/passwd")
    assert "tester:*:1001:1000::0:0:Test User:/home/tester:/sbin/nologin\n" in box.read(
        "/etc/master.passwd"
    )
    assert "wheel:*:0:root,admin,tester\n" in box.read("/etc/group")
    assert box.sh("stat -c %U /home/tester/.profile").stdout == "tester\n"
    assert box.exec(["id", "-u", "tester"]).stdout == "1001\n"
    dup = box.exec(["useradd", "tester"])
    assert (dup.returncode, dup.stderr) == (
        1,
        "useradd: Can't add user `tester': `tester' is already a user\n",
    )
    nogroup = box.exec(["useradd", "-g", "nosuch", "bob"])
    assert nogroup.stderr == "useradd: Can't add user `bob': group nosuch not found\n"
    invalid = box.exec(["useradd", "Bad:Name"])
    assert (invalid.returncode, invalid.stderr) == (
        1,
        "useradd: `Bad:Name' is not a valid login name\n",
    )
    toolong = box.exec(["useradd", "a" * 17])
    assert toolong.returncode == 1
    uid = box.exec(["useradd", "-u", "1001", "carol"])
    assert uid.stderr == "useradd: Can't add user `carol': uid 1001 is already in use\n"
    nohome = box.exec(["useradd", "-d", "/nonexistent/x", "dave"])
    assert nohome.returncode == 0
    assert nohome.stderr == (
        "useradd: Warning: home directory `/nonexistent/x' doesn't exist,"
        " and -m was not specified\n"
    )
    assert box.exec(["userdel", "-r", "tester"]).returncode == 0
    assert "tester" not in box.read("/etc/passwd") and not box.path("/home/tester").exists()
    assert "wheel:*:0:root,admin\n" in box.read("/etc/group")
    gone = box.exec(["userdel", "tester"])
    assert (gone.returncode, gone.stderr) == (1, "userdel: No such user `tester'\n")
    assert box.exec(["groupdel", "mygroup"]).returncode == 0
    nogrp = box.exec(["groupdel", "mygroup"])
    assert (nogrp.returncode, nogrp.stderr) == (1, "groupdel: No such group `mygroup'\n")
    usage = box.exec(["groupadd"])
    assert (usage.returncode, usage.stderr) == (
        1,
        "usage: groupadd [-ov] [-g gid] [-r lowgid..highgid] group\n",
    )
    gid = box.exec(["groupadd", "-g", "0", "other"])
    assert gid.stderr == "groupadd: Can't add group: gid 0 is a duplicate\n"
