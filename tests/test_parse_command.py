"""`scrapy parse` on pages of the sample site, for real (README "Debug one page")."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.crawl import scrapy
from tests.expected_items import PAGE_FIELDS

pytestmark = pytest.mark.integration

EXPECTED = Path(__file__).resolve().parent / "expected" / "guancha"
WWW = "https://www.guancha.cn"  # the sample site mirrors it (NEWSBOT_MIRRORS): real URLs throughout
LEVEL = re.compile(r">>> (?:STATUS )?DEPTH LEVEL:? (\d+) <<<\n# Scraped Items  -+\n(.*?)\n"
                   r"# Requests  -+\n(.*?)(?=\n\n>>>|\Z)", re.DOTALL)


Levels = dict[int, tuple[list[dict[str, Any]], list[str]]]


def parse(bases: dict[str, str], tmp: Path, path: str, *options: str) -> Levels:
    """Items and request URLs that ``scrapy parse`` prints, by depth level."""
    done = scrapy(["parse", "--spider", "guancha", "--nocolour", *options, WWW + path], bases, tmp,
                  {"LOG_LEVEL": "ERROR"})
    assert done.returncode == 0, done.stderr[-3000:]
    levels = {int(level): (ast.literal_eval(items), re.findall(r"<GET (\S+)>", requests))
              for level, items, requests in LEVEL.findall(done.stdout)}
    assert levels, done.stdout[-3000:]
    return levels


def expected(article_id: str) -> dict[str, Any]:
    return json.loads((EXPECTED / f"{article_id}.json").read_text("utf-8"))


def test_an_article_page_gives_its_item(sample_site: dict[str, str], tmp_path: Path) -> None:
    [(items, requests)] = parse(sample_site, tmp_path, "/internation/2022_04_27_636949.shtml").values()
    want = expected("636949")
    assert requests == [] and len(items) == 1
    assert {name: items[0][name] for name in PAGE_FIELDS} == {name: want[name] for name in PAGE_FIELDS}
    assert items[0]["categories"] == ["新媒体", "观察者网"]  # no list named it


def test_a_multi_page_article_gives_its_full_text_one_level_down(sample_site: dict[str, str], tmp_path: Path) -> None:
    levels = parse(sample_site, tmp_path, "/ChenSiYuan/2022_04_26_636921.shtml", "--depth", "2", "--verbose")
    assert levels[1] == ([], [WWW + "/ChenSiYuan/2022_04_26_636921_s.shtml"])
    [item] = levels[2][0]
    want = expected("636921")
    assert {name: item[name] for name in PAGE_FIELDS} == {name: want[name] for name in PAGE_FIELDS}
    assert item["fetched_url"] == want["fetched_url"]


def test_a_list_page_gives_its_article_requests(sample_site: dict[str, str], tmp_path: Path) -> None:
    www = WWW
    levels = parse(sample_site, tmp_path, "/GuanChaZheTouTiao/list_2.shtml", "-c", "parse_headline")
    [(items, requests)] = levels.values()
    assert items == []
    assert requests == [f"{www}/internation/2022_04_26_636893.shtml", f"{www}/military-affairs/2022_04_26_636874.shtml",
                        f"{www}/politics/2022_04_26_636899.shtml",
                        f"{www}/politics/2022_04_26_636888.shtml", f"{www}/internation/2022_04_25_636712.shtml",
                        f"{www}/GuanChaZheTouTiao/list_3.shtml"]
