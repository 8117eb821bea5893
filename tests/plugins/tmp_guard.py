"""The tests leave nothing in the system temp directory.

Every program the tests start (scrapy, scrapyd-deploy, scrapyd, SecantusDB, Redis,
Chromium, npm) inherits ``TMPDIR`` pointing at a directory of this run's own, while the
test process itself keeps the system temp directory (pytest's ``tmp_path`` lives there
and is pytest's to manage). Whatever a program leaves in that directory fails the run
with the names listed, and the directory is removed. ``scrapyd-deploy --build-egg``, for
one, never removes its ``scrapydeploy-*`` build directory: tests give it a ``TMPDIR``
under their ``tmp_path``. The directory of a run that was killed before its end is
removed by the next run.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PREFIX = "newsbot-tests-tmpdir-"
_guard: Path | None = None
_previous: str | None = None
_left: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    global _guard, _previous
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller guards
        return
    tempfile.tempdir = tempfile.gettempdir()  # this process keeps the system temp directory
    remove_stale(Path(tempfile.tempdir))
    _guard = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    _previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(_guard)


def remove_stale(system_tmp: Path) -> None:
    """Remove the directories of runs that were killed before they could (their pid is gone)."""
    for directory in system_tmp.glob(f"{PREFIX}*-*"):
        pid = directory.name.removeprefix(PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def leftovers() -> list[str]:
    return sorted(p.name for p in _guard.iterdir()) if _guard is not None and _guard.exists() else []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _guard, _left
    if _guard is None:
        return
    _left = leftovers()
    if _left and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    shutil.rmtree(_guard, ignore_errors=True)
    _guard = None
    if _previous is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = _previous


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _left:
        terminalreporter.write_sep("=", "left in the temp directory by programs the tests ran", red=True)
        for name in _left:
            terminalreporter.write_line(name)
