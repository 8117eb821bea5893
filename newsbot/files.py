"""Writing a file so that a reader sees the old bytes or the new ones, never half of them
(Hexo posts and their manifest, feeds and their state)."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

# Temporary names: pid (two crawls may write one directory) and a counter (threads).
_serial = itertools.count()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def write_if_changed(path: Path, data: bytes, *, sync: bool = False) -> bool:
    """Replace ``path`` with ``data`` unless it already holds exactly that; True if written."""
    try:
        with open(path, "rb") as old:
            if old.read() == data:
                return False
    except FileNotFoundError:
        pass
    write_atomically(path, data, sync=sync)
    return True


def write_atomically(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Write a hidden temporary file beside ``path`` and rename it over ``path``; with
    ``sync`` the bytes are flushed to disk first (one fsync: worth it for a feed rewritten
    now and then, not for each of thousands of posts).

    The temporary name is made from the pid and a counter rather than by ``mkstemp``
    (whose random names were most of the cost of writing a Hexo post); ``O_EXCL`` still
    refuses a name that exists (left by a killed process of the same pid: the next name
    is tried).
    """
    fd, tmp = _create(path)
    try:
        os.fchmod(fd, 0o644)  # whatever the umask: a web server must be able to read it
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create(path: Path) -> tuple[int, str]:
    """A new hidden temporary file beside ``path``, open for writing (its folder made if missing)."""
    folder, name, pid = os.fspath(path.parent), path.name, os.getpid()
    for attempt in range(100):
        tmp = os.path.join(folder, f".{name}.{pid}-{next(_serial)}.tmp")
        try:
            return os.open(tmp, _CREATE, 0o600), tmp
        except FileNotFoundError:
            if attempt:
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")
