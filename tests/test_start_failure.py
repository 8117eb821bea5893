"""A crawl that cannot open its store stops with one clear ERROR line and no traceback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.crawl import scrapy

pytestmark = pytest.mark.integration

# Nothing is downloaded: the crawl stops while opening its pipelines.
NOWHERE = {"mirrors": {"https://www.guancha.cn": "http://127.0.0.1:9"}}
LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]+\] (ERROR|CRITICAL|WARNING): ")


def loud_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if LEVEL.match(line)]


def test_an_unreachable_mongodb_is_one_line_without_the_password(tmp_path: Path) -> None:
    proc = scrapy(["crawl", "guancha"], NOWHERE, tmp_path, {"NEWSBOT_MONGO_TIMEOUT_MS": "500"},
                  env={"MONGO_URI": "mongodb://newsbot:s3cret@127.0.0.1:1/"})
    assert proc.returncode == 1
    [line] = loud_lines(proc.stderr)
    assert line.split("] ERROR: ", 1)[1].startswith(
        "The crawl did not start: cannot open its storage: cannot reach MongoDB at "
        "mongodb://newsbot:***@127.0.0.1:1/ within 500 ms (is the server running and MONGO_URI right?)")
    assert "Traceback" not in proc.stderr
    assert "never retrieved" not in proc.stderr
    assert "s3cret" not in proc.stderr


def test_a_state_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory", "utf-8")
    proc = scrapy(["crawl", "guancha"], NOWHERE, tmp_path, {"NEWSBOT_STATE_DIR": str(tmp_path / "a-file" / "state")})
    assert proc.returncode == 1
    assert [line.split("] ", 1)[1] for line in loud_lines(proc.stderr)] == [
        ("ERROR: The crawl did not start: cannot open its storage: NotADirectoryError: [Errno 20] "
         f"Not a directory: '{tmp_path / 'a-file' / 'state'}'")]
    assert "Traceback" not in proc.stderr
