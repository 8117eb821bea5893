"""The end-of-crawl summary (newsbot.summary), from stats written by hand."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsbot.summary import main, summarize

SITE_CHANGED = {
    "finish_reason": "site_changed", "elapsed_time_seconds": 4.0, "downloader/response_count": 9,
    "item_scraped_count": 0, "newsbot/fetch/failed/redirected_away": 6, "newsbot/health/problems": 1,
    "log_count/ERROR": 7, "log_count/WARNING": 0,
}
RECRAWL = {
    "finish_reason": "finished", "elapsed_time_seconds": 2.25, "downloader/response_count": 12,
    "item_scraped_count": 1, "newsbot/dedupe/updated": 1, "newsbot/incremental/skipped": 20,
    "newsbot/dedupe/dropped": 3, "newsbot/dedupe/dropped/unchanged": 2, "newsbot/dedupe/dropped/alias": 1,
    "newsbot/mongo/updated": 1, "log_count/ERROR": 0, "log_count/WARNING": 0,
}


def test_a_changed_site_is_never_called_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps(SITE_CHANGED), "utf-8")
    assert main([str(stats), "--expected", "the sample site's broken pages"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "crawl site_changed in 4.0 s: 9 pages downloaded, 0 articles out (0 new, 0 updated)",
        "failed pages 6: redirected_away 6",
        "log: 7 ERROR and 0 WARNING lines",
        "this crawl needs a look: finish_reason site_changed, 1 health problems (see the ERROR lines of the log)",
    ]


def test_a_quiet_recrawl_counts_the_drops_by_reason() -> None:
    assert summarize(RECRAWL, "never said: nothing to explain") == [
        "crawl finished in 2.2 s: 12 pages downloaded, 1 articles out (0 new, 1 updated)",
        "written: MongoDB updated 1",
        "dropped items 3: unchanged (dedupe) 2, alias (dedupe) 1",
        "also: articles already stored, not downloaded again 20",
        "log: 0 ERROR and 0 WARNING lines",
    ]


def test_two_crawls_are_added_up_and_one_changed_site_spoils_both(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text(json.dumps(RECRAWL), "utf-8")
    two.write_text(json.dumps(RECRAWL), "utf-8")
    assert main([str(one), str(two), "--expected", "two quiet crawls"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "crawl finished in 4.5 s: 24 pages downloaded, 2 articles out (0 new, 2 updated)",
        "written: MongoDB updated 2",
    ]
    two.write_text(json.dumps(SITE_CHANGED), "utf-8")
    assert main([str(one), str(two)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "crawl site_changed in 6.2 s: 21 pages downloaded, 1 articles out (0 new, 1 updated)")
