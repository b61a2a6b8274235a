"""djb's error_str(): the wording his programs use for errno values."""

from __future__ import annotations

import errno

_TEXT = {
    errno.EEXIST: "file already exists",
    errno.ENOENT: "file does not exist",
    errno.EACCES: "access denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "not a directory",
    errno.EISDIR: "is a directory",
    errno.ENOSPC: "out of disk space",
    errno.EROFS: "read-only file system",
    errno.EADDRINUSE: "address already used",
    errno.EADDRNOTAVAIL: "address not available",
    errno.ECONNREFUSED: "connection refused",
    errno.EINVAL: "invalid argument",
    errno.ENOMEM: "out of memory",
}


def error_str(exc: OSError) -> str:
    fallback = exc.strerror or "unknown error"
    return _TEXT.get(exc.errno, fallback) if exc.errno is not None else fallback
