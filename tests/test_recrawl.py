"""A second crawl, a refresh=1 crawl and the export, on the sample site (issue 16.2)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.crawl import crawl, scrapy
from tests.expected_items import expected_articles

pytestmark = pytest.mark.integration


def test_a_second_crawl_says_why_it_is_empty_and_refresh_emits_everything_again(
        sample_site: dict[str, Any], tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    # No article counts as recent: a plain second crawl downloads none of them again.
    state = tmp_path / "state"
    settings = {"NEWSBOT_HEXO_DIR": str(posts), "NEWSBOT_REFETCH_HOURS": "0", "NEWSBOT_STATE_DIR": str(state)}
    expected = {article["url"] for article in expected_articles()}
    first = crawl(tmp_path / "one", sample_site, settings, {**ALL})
    assert first.returncode == 0, first.log[-3000:]
    assert {item["url"] for item in first.items} == expected
    mtimes = {path.name: path.stat().st_mtime_ns for path in posts.glob("*.md")}
    assert len(mtimes) == len(expected)

    second = crawl(tmp_path / "two", sample_site, settings, {**ALL})
    assert second.returncode == 0 and second.items == []
    skipped = second.stats["newsbot/incremental/skipped"]
    assert skipped >= len(expected) - 1  # 636953 and the rest; a forwarded stub counts under its own URL
    assert (f"INFO: {skipped} article(s) already stored (state in {state / 'state.sqlite3'}) were not downloaded again; "
            "refresh=1 to fetch and emit them again") in second.log

    refreshed = crawl(tmp_path / "three", sample_site, settings, {**ALL, "refresh": "1"})
    assert refreshed.returncode == 0, refreshed.log[-3000:]
    assert {item["url"] for item in refreshed.items} == expected
    assert refreshed.stats["newsbot/dedupe/refreshed"] >= len(expected) - 1
    assert "already stored" not in refreshed.log
    # Nothing changed, so nothing was rewritten: the same posts, untouched.
    assert {path.name: path.stat().st_mtime_ns for path in posts.glob("*.md")} == mtimes

    out = tmp_path / "export.jsonl"
    done = scrapy(["export", "--from", str(refreshed.log_dir / "items.jsonl"), "-O", str(out)], sample_site, tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(line)["url"] for line in out.read_text("utf-8").splitlines()) == sorted(expected)


ALL = {"channels": "toutiao,review,yaowen,fengwen,redian,gundong,shiping,column,author",
       "columns": "GuoJi·ZhanLue", "authors": "ChenSiYuan"}
