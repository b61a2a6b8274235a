"""Read a host's state in one round trip: one batched sh script, parsed into HostState.

The script is constant text (values from an earlier probe reach it only as
positional parameters); each section starts with a marker line
``@@qw <kind> <name> <rc>@@`` so that the output parses without guessing.  Its slow
commands run concurrently (or one after another, ``serial``), each into a temporary
file printed whole at the end.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from .admission import judge
from .facts import ALIAS_DIR, SERVICES, SYSCONF
from .hosts import Host, HostError
from .hosts.safefile import Refused
from .hoststate import (
    CDBS,
    MODE_FILES,
    POSTFIX_PIDFILE,
    SECRET_FILES,
    TEXT_FILES,
    Effect,
    HostState,
)
from .probesections import apply_section

#: rc.d scripts whose status the probe checks (onestatus); the umbrella rc.d/qmail
#: only runs those of qmailsend, qmailsmtpd and qmailpop3d, so it is only looked for.
#: rc.d/postfix is only looked for too: its status runs ``postfix status``, a mail log
#: line at every call; postfix is its master process (``postfix_master``).
RCD_SCRIPTS = SERVICES
ADMISSION = "uname -srm; id -u"  #: what the probe's first lines ask (for admission.judge)
MARK = re.compile(r"^@@qw-([0-9a-f]{16}) (\S+) (\S+) (-?\d+)@@$")

# $1: "again" when an earlier probe of this run supplies what cannot have changed
# (uname, hostname, uid, the interfaces' addresses); $2: that probe's /etc/mk.conf
# ("keep" sections stand for make show-options while it is unchanged) or "-" (run
# it); $3: the package files whose options it read, one per line; $4: its package
# database listing ("-": none), pkg_info's answer is kept while the listing is the
# same (its package names are the database's entries) and no other database could be
# pkg_info's; $5: the stages to read, "host catalog" (all), "host" (all but the option
# catalog's commands) or "catalog" (only make show-options and the binary packages'
# options); $6: "serial" runs the slow commands one after another.  A first probe
# of the host (not "again") reads uname and the uid first, and nothing more when the
# host is not NetBSD or the login not root (admission.judge refuses it).
SCRIPT = r"""
again=$1; mk_before=$2; known_pkgs=$3; pkgdb_before=$4; stages=$5; serial=$6
mark() { echo "@@qw-@NONCE@ $1 $2 $3@@"; }
out() { kind=$1; name=$2; shift 2; o=`"$@" 2>&1`; rc=$?; mark "$kind" "$name" "$rc"; [ -n "$o" ] && printf '%s\n' "$o"; }
case $again:$stages in
  again:*|*:catalog) ;;
  *) out uname s uname -srm; system=${o%% *}
     out id u id -u; uid=$o
     if [ "$system" != NetBSD ] || [ "$uid" != 0 ]; then mark end - 0; exit 0; fi ;;
esac
file() { if [ -f "$1" ]; then mark file "$1" 0; cat "$1"; echo; else mark file "$1" 1; fi; }
tmp=`mktemp -d "${TMPDIR:-/tmp}/qw-probe.XXXXXXXX" 2>/dev/null` || tmp=
[ -n "$tmp" ] && { trap 'rm -rf "$tmp"' 0; echo > "$tmp/nl"; }
# what `file` prints for each of "$@", by one cat: each mark is put in a file of its own
parts=0
files() {
  if [ -z "$tmp" ]; then for f; do file "$f"; done; return; fi
  n=$#
  for f; do
    parts=$((parts+1))
    if [ -f "$f" ]; then
      mark file "$f" 0 > "$tmp/p$parts"; set -- "$@" "$tmp/p$parts" "$f" "$tmp/nl"
    else
      mark file "$f" 1 > "$tmp/p$parts"; set -- "$@" "$tmp/p$parts"
    fi
  done
  shift $n
  [ $# -eq 0 ] || cat "$@"
}
njobs=0
job() {
  [ -n "$tmp" ] || { out "$@"; return; }
  njobs=$((njobs+1))
  if [ "$serial" = serial ]; then out "$@" > "$tmp/$njobs" 2>&1; else out "$@" > "$tmp/$njobs" 2>&1 & fi
}
finish() {
  if [ -n "$tmp" ]; then
    wait
    set --; i=1; while [ $i -le $njobs ]; do set -- "$@" "$tmp/$i"; i=$((i+1)); done
    [ $# -eq 0 ] || cat "$@"
  fi
  mark end - 0
}
catalog=; case $stages in *catalog*) catalog=yes ;; esac
if [ -f /usr/pkgsrc/mail/qmail/Makefile ]; then
  mark pkgsrc-tree qmail 0
  if [ -z "$catalog" ]; then :
  elif [ "$mk_before" != - ] && [ "`cat /etc/mk.conf 2>/dev/null`" = "$mk_before" ]; then
    mark keep show_options 0
  else
    job show-options qmail sh -c 'cd /usr/pkgsrc/mail/qmail && make show-options'
  fi
fi
pkgpath=${PKG_PATH:-`sed -n 's/^PKG_PATH=//p' /etc/pkg_install.conf 2>/dev/null | tail -1`}
IFS=';'
for dir in $pkgpath; do
  for f in "$dir"/qmail-[0-9]*.tgz; do
    [ -f "$f" ] || continue
    mark binary-package "$f" 0
    [ -n "$catalog" ] || continue
    case "$known_pkgs" in
      *"
$f
"*) mark keep-binary "$f" 0 ;;
      *) job binary-options "$f" pkg_info -Q PKG_OPTIONS "$f" ;;
    esac
  done
done
unset IFS
case $stages in *host*) ;; *) finish; exit 0 ;; esac
if [ "$again" = again ]; then
  mark keep uname 0; mark keep hostname 0; mark keep uid 0; mark keep addresses 0
else
  job hostname - hostname
  job ifconfig - /sbin/ifconfig -a
fi
set -- /var/db/pkg/* /var/db/pkg/*/+CONTENTS
mark pkgdb - 0; printf '%s\n' "$*"
if [ "$pkgdb_before" = "$*" ] && [ -z "$PKG_DBDIR" ] && [ ! -e /usr/pkg/pkgdb ] &&
   ! grep -q PKG_DBDIR /etc/pkg_install.conf 2>/dev/null; then
  mark keep pkgs 0
else
  job pkgs - pkg_info
fi
for s in @RCD@; do
  [ -f /etc/rc.d/$s ] && job rcd "$s" /etc/rc.d/$s onestatus
done
for s in qmail postfix; do [ -f /etc/rc.d/$s ] && mark rcd-script $s 0; done
files @FILES@
# postfix runs when the pid in its master.pid is a master process (what postfix-script's
# status checks); rc.d/postfix status would log a line at every probe
pid=; [ -f @POSTFIX_PID@ ] && read -r pid 2>/dev/null < @POSTFIX_PID@
case $pid in *[!0-9]*) pid= ;; esac
if [ -n "$pid" ]; then mark postfix-master "$pid" 0; ps -p "$pid" -o command= 2>/dev/null; fi
for d in @SYSCONF@/control @SYSCONF@/control/tcprules; do
  [ -d "$d" ] || continue
  set --
  for f in "$d"/* "$d"/.qmail-*; do
    case " @SECRETS@ " in *" $f "*) continue ;; esac
    [ -f "$f" ] && set -- "$@" "$f"
  done
  files "$@"
done
for f in @MODES@; do
  [ -f "$f" ] && { mark mode "$f" 0; ls -lL "$f" | awk '{print $1; print $3, $4}'; }
done
if [ -d @SYSCONF@/alias ]; then
  mark names @SYSCONF@/alias 0
  for f in @SYSCONF@/alias/.qmail-*; do
    if [ -e "$f" ] || [ -h "$f" ]; then printf '%s\n' "${f##*/}"; fi
  done
fi
for p in qmail qmail-run; do
  for dir in /var/db/pkg/$p-[0-9]*; do
    if [ -e "$dir" ]; then file "$dir/+BUILD_INFO"; mark pkgdir "$p" 0; echo "$dir"; fi
    break
  done
done
# k=what PATH is, nothing followed; a directory is "dir" when it is one of $owned
# (newline-separated paths that belong to the user), else "foreign"
kind() {
  if [ -h "$1" ]; then k=link
  elif [ -d "$1" ]; then
    case "$nl$owned$nl" in *"$nl$1$nl"*) k=dir ;; *) k=foreign ;; esac
  elif [ -e "$1" ]; then k=other
  else k=missing; fi
}
nl='
'
maildir() {
  mark maildir "$1" 0
  owned=`find "$2" -prune -user "$3" -print 2>/dev/null`
  kind "$2"; echo "Maildir $k"
  case $k in dir|foreign) ;; *) return ;; esac
  owned=`find "$2/new" "$2/cur" "$2/tmp" -prune -user "$3" -print 2>/dev/null`
  for s in new cur tmp; do kind "$2/$s"; echo "$s $k"; done
  find "$2" -path "$2/*/*/*" -prune -o \( -type l -o ! -user "$3" \) ! -path "$2" \
    ! -path "$2/new" ! -path "$2/cur" ! -path "$2/tmp" -print 2>/dev/null |
    sed -n 's/^/odd /p; 3q'
}
# the users plan_maildirs serves: ordinary uids at home in /home
for u in `awk -F: '$3 >= 1000 && $3 < 32767 && $6 ~ /^\/home\// { print $1 ":" $6 }' /etc/passwd`; do
  maildir "${u%%:*}" "${u#*:}/Maildir" "${u%%:*}"
done
maildir /etc/skel /etc/skel/Maildir root
for pair in @CDBS@; do
  src=${pair%:*}; cdb=${pair#*:}
  if [ -f "$cdb" ]; then
    if [ "$src" -nt "$cdb" ]; then mark cdb "$cdb" 2; else mark cdb "$cdb" 0; fi
  fi
done
set --
for s in @RCD@ qmail; do
  [ -f /usr/pkg/share/examples/rc.d/$s ] && set -- "$@" /usr/pkg/share/examples/rc.d/$s
done
files "$@"
command -v pkgin >/dev/null 2>&1 && mark tool pkgin 0
command -v make >/dev/null 2>&1 && mark tool make 0
command -v setuidgid >/dev/null 2>&1 && mark tool setuidgid 0
finish
"""


def script(nonce: str) -> str:
    return (
        SCRIPT.replace("@NONCE@", nonce)
        .replace("@FILES@", " ".join(TEXT_FILES))
        .replace("@SYSCONF@", SYSCONF)
        .replace("@SECRETS@", " ".join(SECRET_FILES))
        .replace("@MODES@", " ".join(MODE_FILES))
        .replace("@RCD@", " ".join(RCD_SCRIPTS))
        .replace("@POSTFIX_PID@", POSTFIX_PIDFILE)
        .replace("@CDBS@", " ".join(f"{src}:{cdb}" for src, cdb in CDBS))
    )


def parse(output: str, nonce: str, previous: HostState | None = None) -> HostState:
    """The state ``output`` shows; its ``keep`` sections take values from ``previous``."""
    state = HostState()
    sections: list[tuple[str, str, int, list[str]]] = []
    for line in output.split("\n"):
        match = MARK.match(line)
        if match and match.group(1) == nonce:
            sections.append((match.group(2), match.group(3), int(match.group(4)), []))
        elif sections:
            sections[-1][3].append(line)
    if not sections or sections[-1][0] != "end":
        raise HostError("the host probe was cut short; run it again")
    for kind, name, rc, lines in sections:
        if kind == "file" and rc == 0:
            state.files[name] = "\n".join(lines)  # exact: `cat; echo` ends each file
        if kind.startswith("keep"):
            _keep(state, previous, kind, name)
        else:
            apply_section(state, kind, name, rc, lines)
    return state


def _keep(state: HostState, previous: HostState | None, kind: str, name: str) -> None:
    if previous is None:
        raise HostError("the host probe answered for an earlier probe it was not given")
    if kind == "keep-binary":
        state.binary_options[name] = previous.binary_options[name]
    elif name == "pkgs":
        state.packages = dict(previous.packages)
    elif name in ("uname", "hostname", "uid", "addresses", "show_options"):
        setattr(state, name, getattr(previous, name))


def probe(
    host: Host, previous: HostState | None = None, catalog: bool = True, serial: bool = False
) -> HostState:
    """One round trip: run the batched script and parse what it printed.

    ``previous``: a probe of the same host earlier in this run (an apply changing it
    since).  What no apply step changes is then taken from it, not run again: uname,
    hostname, uid, the interfaces' addresses, the options of package files it already read, ``make show-options``
    while /etc/mk.conf is unchanged, and pkg_info's list while /var/db/pkg has the same
    entries.  ``catalog=False``: everything but the option catalog's input
    (show_options, binary_options), which ``read_catalog`` adds.  ``serial``: its
    commands one after another (they use one core of the host).  Without ``previous``
    it raises admission.Refused (having read only uname and the uid) for a host that is
    not NetBSD or a login that is not root."""
    nonce = os.urandom(8).hex()
    args = ["full", "-", "", "-"]
    if previous is not None:
        mk_conf = (previous.text("/etc/mk.conf") or "").rstrip("\n")
        keep_options = (
            previous.show_options is not None and "\0" not in mk_conf and len(mk_conf) < 65536
        )
        args = [
            "again",
            mk_conf if keep_options else "-",
            "".join(f"\n{path}" for path in previous.binary_options) + "\n",
            previous.pkgdb if 0 < len(previous.pkgdb) < 65536 else "-",
        ]
    stages = "host catalog" if catalog else "host"
    state = parse(_run(host, nonce, args + [stages, "serial" if serial else ""]), nonce, previous)
    if previous is None:  # the script read uname and the uid first (SCRIPT)
        uid = state.uid if state.uid >= 0 else None
        judge(state.uname.split(" ")[0], uid, ADMISSION, f"{state.uname!r}, uid {uid}")
    read_alias_files(host, state)
    return state


def read_catalog(host: Host, state: HostState) -> None:
    """The second stage of a ``probe(catalog=False)``: one round trip running
    ``make show-options`` and ``pkg_info -Q PKG_OPTIONS`` of the binary packages,
    their answers put in ``state``."""
    nonce = os.urandom(8).hex()
    found = parse(_run(host, nonce, ["full", "-", "", "-", "catalog"]), nonce)
    state.show_options, state.binary_options = found.show_options, found.binary_options


def _run(host: Host, nonce: str, args: list[str]) -> str:
    # surrogateescape: bytes of the files read that are not UTF-8 survive an edit
    result = host.run(
        ["/bin/sh", "-c", script(nonce), "probe"] + args, timeout=120, errors="surrogateescape"
    )
    return result.stdout


def read_alias_files(host: Host, state: HostState) -> None:
    """Read ~alias/.qmail-* as the safe rules say: a regular file with one link and at
    most 64 KiB, nothing followed; anything else lands in ``state.refused``."""
    for name in state.alias_names:
        path = f"{ALIAS_DIR}/{name}"
        try:
            data = host.read_user_file(path)
        except Refused as exc:
            state.refused[path] = str(exc)
            continue
        except HostError as exc:
            if "No such file" not in str(exc):  # gone since it was listed: nothing
                state.refused[path] = str(exc)
            continue
        state.files[path] = data.decode("utf-8", "surrogateescape")


class Prober:
    """A host's state while an apply changes it, read no more than needed: probed
    (with ``previous``) only after commands ran, and updated in memory after steps
    that only wrote files the probe reads as plain text."""

    def __init__(self, host: Host, state: HostState | None = None, catalog: bool = True):
        """``state``: a probe of ``host`` moments ago; it is probed again (with it
        as ``previous``) on first use.  ``catalog=False``: the option catalog's input
        is not read (the caller plans with a catalog it already has)."""
        self.host = host
        self.state = state
        self.catalog = catalog
        self.current = False

    def __call__(self) -> HostState:
        if not self.current or self.state is None:
            self.state = probe(self.host, self.state, self.catalog)
            self.current = True
        return self.state

    def changed(self, files: Mapping[str, str], effects: tuple[Effect, ...] = ()) -> None:
        """Only ``files`` (path -> text) were written, and commands did only what
        ``effects`` say, since the last call."""
        if self.current and self.state is not None:
            updated = self.state.after(files, effects)
            self.current = updated is not None
            self.state = updated or self.state

    def ran(self) -> None:
        """Commands ran: anything may have changed."""
        self.current = False
