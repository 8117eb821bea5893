"""`make demo`'s script, run for real: a quiet healthy log and a summary at the end.

The demo crawls guancha's sample, then the multi-site sample (`scrapy crawl news`, one log,
one state store, one set of outputs). The samples break some pages on purpose
(tests/sites/guancha/MANIFEST.md, "Bad input", and the GBK page 636905; huaxia's 1003 in
tests/sites/news/MANIFEST.md); every WARNING and ERROR of the demo's log must name one of
them, and nothing else may warn: a component that is off by choice says so at INFO.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.crawl import PROXY_VARS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
# The sample site's deliberately broken pages that log a WARNING or an ERROR, by what the
# line names (from MANIFEST.md), and how many lines each gives in the demo.
BROKEN = {
    "2022_04_26_636899.shtml": "302 to the home page: redirected away",
    "2022_04_26_636888.shtml": "an empty page: no title, time or body, dropped",
    "2022_04_26_636913.shtml": "status 500",
    "2022_04_26_636927.shtml": "answers after 5 s: times out",
    "2022_04_26_636931.shtml": "redirect loop",
    "2022_04_26_636905.shtml": "GBK bytes under a utf-8 meta charset",
    "huaxia-daily.example/2022/0426/1003.html": "in huaxia's feed, a 404",
}
# GuanChaZheTouTiao/list_3.shtml, the empty page after the last 头条 page, is the normal end
# of a list: an INFO line.
LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]+\] (?P<level>[A-Z]+): ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("demo") / "output"
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS and k not in ("MONGO_URI", "REDIS_URL")}
    proc = subprocess.run(["bash", "scripts/demo.sh"], cwd=ROOT, env={**env, "PY": sys.executable, "OUT": str(out)},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, out


def leveled(log: str, *levels: str) -> list[str]:
    return [line for line in log.splitlines() if (m := LEVEL.match(line)) and m["level"] in levels]


def test_the_demo_ends_with_what_it_did_dropped_and_failed(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, _ = demo
    summary = proc.stdout.split("\n\n", 1)[1].splitlines()
    # An article read before a better channel's list names it (636874 always: the home page's
    # 要闻 before 头条 list_2; lakeside's 203 when 文化 is read before 本地's list_2) is sent
    # again, raised: 26 + 9 articles (2 huaxia, 3 northwind, 4 lakeside), one item more per raise.
    first = re.fullmatch(r"crawl finished in [\d.]+ s: \d+ pages downloaded, (\d+) articles out "
                         r"\(35 new, 0 updated, (\d+) raised to a better channel\)", summary[0])
    assert first and int(first[2]) >= 1 and int(first[1]) == 35 + int(first[2]), summary[0]
    assert summary[1:] == [
        # a raised post is written again; feed files: guancha's 18, then the news crawl's 16
        # (all, 3 sites, 4 sections, Atom and RSS each: all.atom and all.rss twice)
        f"written: Hexo posts written {first[1]}, feed files written 34",
        "dropped items 1: missing_title (clean) 1",
        "failed pages 5: DownloadTimeoutError 1, RedirectLoopError 1, http_404 1, http_500 1, redirected_away 1",
        ("also: pages decoded by their bytes (wrong declared charset) 1; list pages without article links 1; "
         "redirect stubs to other sites skipped 1"),
        ("log: 8 ERROR and 3 WARNING lines: the sample sites' deliberately broken pages "
         '(tests/sites/guancha/MANIFEST.md, "Bad input"; tests/sites/news/MANIFEST.md)'),
    ]


def test_a_healthy_crawl_warns_only_about_the_deliberately_broken_pages(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    log = (demo[1] / "crawl.log").read_text("utf-8")
    loud = leveled(log, "WARNING", "ERROR", "CRITICAL")
    assert [line for line in loud if not any(page in line for page in BROKEN)] == []
    assert len(loud) == 11  # the summary's 8 ERROR and 3 WARNING lines
    assert "Traceback" not in log


def test_components_off_by_choice_say_so_at_info(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    log = (demo[1] / "crawl.log").read_text("utf-8")
    disabled = [line.split(": ", 1)[1] for line in leveled(log, "INFO") if "Disabled " in line]
    # The demo writes a stats file and Hexo posts and feeds, but has no MongoDB and no images
    # store: each of its two crawls says so.
    assert sorted(disabled) == [
        "Disabled ImagesPipeline: NEWSBOT_IMAGES_STORE is not set; items keep hot links",
        "Disabled ImagesPipeline: NEWSBOT_IMAGES_STORE is not set; items keep hot links",
        "Disabled MongoPipeline: MONGO_URI is not set",
        "Disabled MongoPipeline: MONGO_URI is not set",
    ]
    assert [line for line in leveled(log, "WARNING") if "Disabled" in line] == []


def test_a_dropped_item_is_one_line_with_its_url_and_reason(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    lines = (demo[1] / "crawl.log").read_text("utf-8").splitlines()
    [at] = [n for n, line in enumerate(lines) if "Dropped:" in line]
    assert lines[at].endswith(" [scrapy.core.scraper] WARNING: Dropped: missing field 'title' in "
                              "https://www.guancha.cn/politics/2022_04_26_636888.shtml")
    assert LEVEL.match(lines[at + 1])  # the next line is the next record, not the item's repr
    assert "Article(" not in "\n".join(lines)


def test_the_demo_crawls_the_multi_site_sample_into_the_same_outputs(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    out = demo[1]
    items = [json.loads(line) for line in (out / "articles.jsonl").read_text("utf-8").splitlines()]
    sites = Counter(item["site"] for item in {item["url"]: item for item in items}.values())
    assert sites == {"guancha": 26, "huaxia": 2, "northwind": 3, "lakeside": 4}
    posts = Counter(path.name.split("-")[3] for path in (out / "hexo" / "source" / "_posts").glob("*.md"))
    assert {site: posts[site] for site in ("huaxia", "northwind", "lakeside")} == {
        "huaxia": 2, "northwind": 3, "lakeside": 4}
    assert {path.name for path in (out / "feeds").glob("*.atom")} >= {
        "all.atom", "guancha.atom", "huaxia.atom", "northwind.atom", "lakeside.atom"}
