"""A small disk for full-disk tests: a tmpfs of a few kilobytes, grown once "fixed".

Mounting needs root (or CAP_SYS_ADMIN); where the machine refuses, ``small_disk`` raises
DiskUnavailable and the tests skip with that reason (the in-process tests in
tests/test_output_failures.py still cover every failure path there).
"""
from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DiskUnavailable(RuntimeError):
    """This machine does not let us mount a tmpfs."""


class SmallDisk:
    def __init__(self, path: Path) -> None:
        self.path = path

    def resize(self, size_kb: int) -> None:
        """Grow (or shrink) the file system: how a test "frees" the disk."""
        _run(["mount", "-o", f"remount,size={size_kb}k", str(self.path)])

    def used_kb(self) -> int:
        out = _run(["df", "-k", "--output=used", str(self.path)])
        return int(out.split()[-1])


def _run(command: list[str]) -> str:
    proc = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise DiskUnavailable(f"{' '.join(command)}: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


@contextmanager
def small_disk(path: Path, size_kb: int) -> Iterator[SmallDisk]:
    """A tmpfs of ``size_kb`` mounted on ``path`` (created), unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    _run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(path)])
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)
