"""Writing a file so that a reader sees the old bytes or the new ones, never half of them
(Hexo posts and their manifest, feeds and their state)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_if_changed(path: Path, data: bytes, *, sync: bool = False) -> bool:
    """Replace ``path`` with ``data`` unless it already holds exactly that; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    write_atomically(path, data, sync=sync)
    return True


def write_atomically(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Write a hidden temporary file beside ``path`` and rename it over ``path``; with
    ``sync`` the bytes are flushed to disk first (one fsync: worth it for a feed rewritten
    now and then, not for each of thousands of posts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a web server must be able to read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
