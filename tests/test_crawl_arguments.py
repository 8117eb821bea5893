"""`scrapy crawl` with a bad spider argument: one line, exit 2, nothing fetched (issue 16.3)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.crawl import ROOT
from tests.workers import clean_env

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("argument", "line"), [
    ("max_pages=abc", "max_pages: 'abc' is not a positive whole number"),
    ("since=notadate", "since: 'notadate' is not a date (YYYY-MM-DD)"),
    ("refresh=yes", "refresh: 'yes' is not 0 or 1"),
    ("chanels=toutiao", "unknown argument 'chanels' for spider guancha; known: authors, channels, columns,"),
])
def test_a_bad_argument_is_one_line_and_exit_2(argument: str, line: str, tmp_path: object) -> None:
    # A mirror nobody listens on: were anything fetched, the log would say so.
    cmd = [sys.executable, "-m", "scrapy", "crawl", "guancha", "-a", argument,
           "-s", 'NEWSBOT_MIRRORS={"https://www.guancha.cn": "http://127.0.0.1:9"}',
           "-s", f"NEWSBOT_STATE_DIR={tmp_path}"]
    done = subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"error: {line}" in done.stderr
    assert f"ERROR: spider guancha not started: {line}" in done.stderr  # the log (a scrapyd job's log) too
    assert "Traceback" not in done.stderr and "Crawled" not in done.stderr and "robots.txt" not in done.stderr
