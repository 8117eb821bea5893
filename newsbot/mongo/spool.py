"""A local JSON-lines spool for documents MongoDB could not take, replayed later.

Each writing process appends to its own file and holds an exclusive ``flock`` on it while
it runs, so a replaying process only claims files whose writer is gone (or finished).
Lines are flushed and fsync'ed before ``append`` returns: a spooled document survives a
crash of the crawler.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._file: IO[str] | None = None
        self.path: Path | None = None

    def append(self, docs: list[dict[str, Any]]) -> None:
        if not docs:
            return
        handle = self._own()
        handle.write("".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs))
        handle.flush()
        os.fsync(handle.fileno())

    def _own(self) -> IO[str]:
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{id(self):x}.jsonl"
            self.path = self.directory / name
            handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held (and locked) until close()
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._file = handle
        return self._file

    def close(self) -> None:
        """Release our file (removed when nothing was spooled to it)."""
        if self._file is None:
            return
        handle, self._file = self._file, None
        empty = handle.tell() == 0
        if empty and self.path is not None:
            self.path.unlink(missing_ok=True)
        handle.close()

    def claim(self) -> Iterator[Claimed]:
        """Spool files left by earlier (finished or dead) writers, each locked for us."""
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("*.jsonl")):
            if path == self.path:
                continue
            try:
                handle = open(path, "r+", encoding="utf-8")  # noqa: SIM115 - the Claimed owns it
            except FileNotFoundError:
                continue  # replayed by someone else meanwhile
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()  # its writer is still running
                continue
            if not path.exists():  # removed between our open and our lock
                handle.close()
                continue
            yield Claimed(path, handle)


class Claimed:
    """One locked spool file: read its documents, then remove it once they are safe."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self.handle = handle

    def documents(self) -> list[dict[str, Any]]:
        docs = []
        for number, line in enumerate(self.handle.read().splitlines(), 1):
            if not line.strip():
                continue
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                # Only a crash in the middle of append() leaves a torn last line.
                logger.error("unreadable line %d in spool file %s kept aside", number, self.path)
                with open(self.path.with_suffix(".torn"), "a", encoding="utf-8") as torn:
                    torn.write(line + "\n")
        return docs

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.handle.close()

    def release(self) -> None:
        self.handle.close()
