"""The README's commands leave nothing in the system temp directory.

(That the tests themselves leave nothing there is checked for the whole run by
tests/plugins/tmp_guard.py.) ``scrapyd-deploy --build-egg`` never removes its
``scrapydeploy-*`` build directory, so the README's way to look inside the egg builds it
in a directory of its own and removes that.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.scrapyd_server import clean_env, copy_project

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_command(containing: str) -> str:
    [command] = [c for c in re.findall(r"`([^`\n]+)`", README.read_text("utf-8")) if containing in c]
    return command


def test_looking_inside_the_egg_as_the_readme_says_leaves_nothing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # .venv/bin: scrapyd-deploy, python
    ran = subprocess.run(["bash", "-c", readme_command("scrapyd-deploy --build-egg")], cwd=project,
                         env=clean_env(TMPDIR=str(system_tmp), PATH=path), capture_output=True, text=True, timeout=180)
    assert ran.returncode == 0, ran.stderr
    assert "newsbot/settings.py" in ran.stdout  # the listing of the egg
    assert list(system_tmp.iterdir()) == []
