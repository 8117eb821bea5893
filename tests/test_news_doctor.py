"""``scrapy doctor news -a sites=…``: the live check of configured sites, here on the sample.

A short crawl (first list pages, 3 articles a list, nothing stored) and one line per site:
its start pages read, the article links they gave, the articles read in full, the fields
missing. A site whose feed gives links but whose pages give no article is named.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.crawl import ROOT, scrapy
from tests.plugins.sample_site import start_sample_site
from tests.test_news_crawl import SITES_FILE

pytestmark = pytest.mark.integration
NEWS_ROOT = ROOT / "tests" / "sites" / "news"
# A cookie wall where the article should be: a 200, and no article on it.
CONSENT = (b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Northwind News</title></head>'
           b'<body><div class="consent"><button>Accept all</button> <button>Manage choices</button></div>'
           b"</body></html>")


def doctor(bases: dict[str, Any], tmp: Path, sites: str) -> tuple[int, str]:
    proc = scrapy(["doctor", "news"], bases, tmp, {"NEWSBOT_SITES_FILE": str(SITES_FILE)}, args={"sites": sites})
    return proc.returncode, proc.stdout


def site_line(out: str, site: str) -> str:
    """The per-site line of ``site`` (after the ``per site:`` heading)."""
    summary = out[out.index("\nper site:\n"):].splitlines()
    [line] = [line for line in summary if line[6:].startswith(f"{site} ")]
    return " ".join(line.split())


@pytest.fixture(scope="module")
def walled_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sample with every northwind article page behind a cookie wall."""
    tmp = tmp_path_factory.mktemp("walled")
    root = tmp / "news"
    shutil.copytree(NEWS_ROOT, root)
    for page in (root / "northwind" / "world").rglob("*"):
        if page.is_file():
            page.write_bytes(CONSENT)
    proc, bases = start_sample_site(tmp, root=root)
    yield bases
    proc.terminate()
    proc.wait(10)


def test_doctor_passes_on_healthy_sites(news_site: dict[str, Any], tmp_path: Path) -> None:
    code, out = doctor(news_site, tmp_path, "northwind,lakeside")
    assert code == 0, out
    # northwind: the Atom feed (b1, b2) and the news sitemap (b1, b3) under robots.txt and the index
    assert site_line(out, "northwind") == ("ok northwind lists read: feed 1, sitemap 1 (2 with links); "
                                           "4 article links; 3 of 3 articles read in full, 0 failed; "
                                           "fields missing: none")
    # lakeside: /news/ (201 twice, 202) and /culture/ (204, 203); one page of each list
    assert site_line(out, "lakeside") == ("ok lakeside lists read: list 2 (2 with links); 4 article links; "
                                          "4 of 4 articles read in full, 0 failed; fields missing: none")
    assert "list_2.html" not in out
    assert "sites missed" not in out
    assert out.strip().endswith("missed: OK")


def test_doctor_names_the_site_whose_pages_give_no_article(walled_site: dict[str, Any], tmp_path: Path) -> None:
    code, out = doctor(walled_site, tmp_path, "huaxia,northwind,lakeside")
    assert code == 1
    # the feed and the sitemap still give their links; the pages behind them no text
    assert site_line(out, "northwind") == ("MISS northwind lists read: feed 1, sitemap 1 (2 with links); "
                                           "4 article links; 0 of 3 articles read in full, 0 failed; "
                                           "fields missing: paragraphs (3)")
    # huaxia's feed lists 1003, the sample's deliberate 404
    assert site_line(out, "huaxia") == ("MISS huaxia lists read: feed 1 (1 with links); 3 article links; "
                                        "2 of 3 articles read in full, 1 failed; fields missing: none")
    assert site_line(out, "lakeside").startswith("ok lakeside ")
    assert "\nsites missed: huaxia, northwind\n" in out
    assert out.strip().endswith("FAILED")


def test_doctor_names_a_site_whose_feed_is_gone(tmp_path: Path) -> None:
    proc, bases = start_sample_site(tmp_path, root=NEWS_ROOT, specials={"huaxia:/rss/guonei.xml": {"status": 404}})
    try:
        code, out = doctor(bases, tmp_path, "huaxia,lakeside")
    finally:
        proc.terminate()
        proc.wait(10)
    assert code == 1
    assert site_line(out, "huaxia") == ("MISS huaxia lists read: feed 1 (0 with links); 0 article links; "
                                        "0 of 0 articles read in full, 0 failed; fields missing: none")
    assert "\nsites missed: huaxia\n" in out
