"""pkgsrc binary package format: the .tgz, its +CONTENTS packing list and +BUILD_INFO.

A package is a gzipped tar whose first member is ``+CONTENTS``, followed by the other
metadata files (``+COMMENT``, ``+DESC``, ``+BUILD_INFO``, ``+INSTALL`` ...) and then the
files, named relative to the ``@cwd`` prefix (facts §7.3).
"""

from __future__ import annotations

import io
from collections import namedtuple
from pathlib import Path

TYPE_CHECKING = False  # tarfile, gzip and hashlib load where used: pkg_info reads
if TYPE_CHECKING:  # packing lists far more often than packages (~13 ms a start)
    import tarfile

#: Metadata members in the order pkg_create writes them.
META_ORDER = (
    "+CONTENTS",
    "+COMMENT",
    "+DESC",
    "+DISPLAY",
    "+INSTALL",
    "+DEINSTALL",
    "+BUILD_VERSION",
    "+BUILD_INFO",
    "+SIZE_PKG",
    "+SIZE_ALL",
)
#: Fixed mtime of every member, so that a rebuild gives the same bytes.
EPOCH = 1492387200  # 2017-04-17


class Contents:
    """A parsed packing list: ``files`` are (path relative to cwd, md5 hex or "") in
    order; ``execs``/``unexecs`` the @exec/@unexec commands.  (A plain class:
    ``dataclasses`` would cost pkg_info's every start ~9 ms of CPU.)"""

    def __init__(
        self,
        name: str = "",
        cwd: str = "",
        pkgdeps: list[str] | None = None,
        blddeps: list[str] | None = None,
        files: list[tuple[str, str]] | None = None,
    ) -> None:
        self.name, self.cwd, self.display = name, cwd, ""
        self.pkgdeps: list[str] = pkgdeps or []
        self.blddeps: list[str] = blddeps or []
        self.files: list[tuple[str, str]] = files or []
        self.execs: list[str] = []
        self.unexecs: list[str] = []
        self.dirrms: list[str] = []


def parse_contents(text: str) -> Contents:
    contents = Contents()
    for raw in text.splitlines():
        line = raw.rstrip("\n")
        if not line.startswith("@"):
            if line:
                contents.files.append((line, ""))
            continue
        directive, _, arg = line.partition(" ")
        arg = arg.strip()
        if directive == "@name":
            contents.name = arg
        elif directive == "@cwd" and not contents.cwd:
            contents.cwd = arg
        elif directive == "@pkgdep":
            contents.pkgdeps.append(arg)
        elif directive == "@blddep":
            contents.blddeps.append(arg)
        elif directive == "@exec":
            contents.execs.append(arg)
        elif directive == "@unexec":
            contents.unexecs.append(arg)
        elif directive == "@dirrm":
            contents.dirrms.append(arg)
        elif directive == "@display":
            contents.display = arg
        elif directive == "@comment" and arg.startswith("MD5:") and contents.files:
            path, _ = contents.files[-1]
            contents.files[-1] = (path, arg[4:])
    return contents


def emit_contents(contents: Contents) -> str:
    """The +CONTENTS text: @name, @blddep/@pkgdep pairs, @cwd, files with MD5 comments."""
    lines = [f"@name {contents.name}"]
    for blddep, pkgdep in zip(contents.blddeps, contents.pkgdeps):
        lines += [f"@blddep {blddep}", f"@pkgdep {pkgdep}"]
    lines.append(f"@cwd {contents.cwd}")
    for path, md5 in contents.files:
        lines.append(path)
        if md5:
            lines.append(f"@comment MD5:{md5}")
    lines += [f"@exec {cmd}" for cmd in contents.execs]
    lines += [f"@unexec {cmd}" for cmd in contents.unexecs]
    lines += [f"@dirrm {d}" for d in contents.dirrms]
    return "\n".join(lines) + "\n"


def emit_build_info(values: dict[str, str]) -> str:
    """+BUILD_INFO: one sorted VAR=value line per variable."""
    return "".join(f"{key}={values[key]}\n" for key in sorted(values))


def parse_build_info(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key:
            values[key] = value
    return values


class PackageFile(namedtuple("PackageFile", "meta files")):
    """A package to write: metadata texts and (relative path, bytes, mode) files."""

    __slots__ = ()
    meta: dict[str, str]
    files: list[tuple[str, bytes, int]]


def md5(data: bytes) -> str:
    import hashlib

    return hashlib.md5(data).hexdigest()


def _member(name: str, data: bytes, mode: int) -> tuple[tarfile.TarInfo, io.BytesIO]:
    import tarfile

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = EPOCH
    info.uname, info.gname = "root", "wheel"
    return info, io.BytesIO(data)


def write_package(dest: Path, package: PackageFile) -> Path:
    """Write the .tgz at ``dest`` (metadata first, +CONTENTS leading)."""
    import gzip
    import tarfile

    dest.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        names = [n for n in META_ORDER if n in package.meta]
        names += sorted(n for n in package.meta if n not in META_ORDER)
        for name in names:
            tar.addfile(*_member(name, package.meta[name].encode(), 0o444))
        for path, data, mode in package.files:
            tar.addfile(*_member(path, data, mode))
    tmp = dest.with_name(dest.name + ".tmp")
    with (
        open(tmp, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=EPOCH, filename="") as gz,
    ):
        gz.write(buffer.getvalue())
    tmp.replace(dest)
    return dest


class PackageReader:
    """Read a package .tgz: its metadata texts and its files."""

    def __init__(self, path: str | Path):
        import tarfile

        self.path = Path(path)
        self._tar = tarfile.open(self.path, "r:gz")  # noqa: SIM115 (kept open: files are read later)
        self.meta: dict[str, str] = {}
        self._files: list[tarfile.TarInfo] = []
        for info in self._tar.getmembers():
            if info.name.startswith("+") and "/" not in info.name:
                member = self._tar.extractfile(info)
                if member is not None:
                    self.meta[info.name] = member.read().decode(errors="replace")
            elif info.isfile():
                self._files.append(info)

    def close(self) -> None:
        self._tar.close()

    def __enter__(self) -> PackageReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def contents(self) -> Contents:
        return parse_contents(self.meta.get("+CONTENTS", ""))

    @property
    def build_info(self) -> dict[str, str]:
        return parse_build_info(self.meta.get("+BUILD_INFO", ""))

    def files(self):
        """(relative path, bytes, mode) for every file member, in order."""
        for info in self._files:
            yield info.name, self._tar.extractfile(info).read(), info.mode
