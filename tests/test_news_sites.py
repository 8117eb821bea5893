"""The sites file (newsbot/sites/configured/config.py) and what its start points list."""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from newsbot.sites.configured.config import SitesFileError, bundled_sites, load_sites_file, parse_sites
from newsbot.sites.configured.discover import feed_entries, robots_sitemaps, sitemap_entries

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "sites" / "news"
GOOD: dict[str, Any] = {"sites": [{
    "name": "demo", "source_name": "Demo", "language": "en", "timezone": "UTC", "allowed_domains": ["demo.example"],
    "feeds": ["https://www.demo.example/rss.xml"],
}]}


def with_site(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["sites"][0].update(changes)
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"feed": ["https://www.demo.example/rss.xml"]},
     "site 'demo': feed: expected one of the keys name, source_name,"),
    ({"allowed_domains": "demo.example"}, ("site 'demo': allowed_domains: expected a non-empty list of host names, "
                                          "got 'demo.example'")),
    ({"article_pattern": "/story/(\\d+"}, ("site 'demo': article_pattern: expected a valid regular expression "
                                          "(missing ), unterminated subpattern at position 7), got '/story/(\\\\d+'")),
    ({"selectors": {"title": "h1[["}}, "site 'demo': selectors.title: expected a valid CSS selector or XPath"),
    ({"selectors": {"headline": "h1"}}, "site 'demo': selectors.headline: expected one of title, body, time, author"),
    ({"timezone": "Asia/Peking"}, ("site 'demo': timezone: expected an IANA time zone such as 'Asia/Shanghai', "
                                  "got 'Asia/Peking'")),
    ({"feeds": ["https://elsewhere.example/rss.xml"]},
     "site 'demo': feeds[0]: expected a URL on the allowed_domains (demo.example), got 'https://elsewhere.example/"),
    ({"delay": "2"}, "site 'demo': delay: expected a number >= 0, got '2'"),
    ({"concurrency": 1.5}, "site 'demo': concurrency: expected a whole number >= 1, got 1.5"),
    ({"lists": [{"url": "https://www.demo.example/news/"}]},
     "site 'demo': lists[0].article_pattern: expected a regular expression (a string), got None"),
    ({"encoding": "klingon"}, "site 'demo': encoding: expected an encoding Python knows"),
    ({"feeds": []}, "site 'demo': feeds: expected at least one feed, sitemap or list page"),
])
def test_a_wrong_key_type_or_pattern_is_one_error_naming_site_and_key(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SitesFileError) as caught:
        parse_sites(with_site(**changes), "sites.toml")
    assert str(caught.value).startswith(f"sites.toml: {message}"), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_site_without_a_name_is_named_by_its_place(tmp_path: Path) -> None:
    data = with_site()
    del data["sites"][0]["name"]
    with pytest.raises(SitesFileError, match=r"^sites file: site #1: name: expected a non-empty string, got None$"):
        parse_sites(data)


def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text("[[sites]]\nname = demo\n", "utf-8")
    with pytest.raises(SitesFileError, match=r"sites\.toml: not TOML \(Invalid value \(at line 2, column 8\)\)"):
        load_sites_file(path)


def test_sections_rank_in_the_order_the_file_declares_them() -> None:
    text = """
[[sites]]
name = "demo"
source_name = "Demo"
language = "en"
timezone = "UTC"
allowed_domains = ["demo.example"]
sitemaps = [{ url = "https://www.demo.example/sitemap.xml", section = "World" }]
feeds = ["https://www.demo.example/all.xml", { url = "https://www.demo.example/sport.xml", section = "Sport" }]

[[sites.lists]]
url = "https://www.demo.example/arts/"
section = "Arts"
article_pattern = '/story/'

[[sites.lists]]
url = "https://www.demo.example/world/"
section = "World"
article_pattern = '/story/'
"""
    [site] = parse_sites(tomllib.loads(text))
    assert site.sections == ("World", "", "Sport", "Arts")  # the sitemap's first: it comes first


def test_the_sample_and_the_bundled_example_are_valid() -> None:
    sample = {site.name: site for site in load_sites_file(ROOT / "tests" / "sites" / "news.toml")}
    assert list(sample) == ["huaxia", "northwind", "lakeside"]
    assert sample["huaxia"].encoding == "gbk" and sample["huaxia"].feeds[0].section == "国内"
    assert sample["lakeside"].lists[0].next_page is not None
    assert sample["lakeside"].sections == ("本地", "文化")
    assert [site.name for site in bundled_sites()] == ["people"]


def test_an_rss_feed_in_gbk_bytes() -> None:
    body = (SAMPLE / "huaxia" / "rss" / "guonei.xml").read_bytes()
    assert "城东".encode("gbk") in body
    found = feed_entries(body, "https://www.huaxia-daily.example/rss/guonei.xml", "application/rss+xml")
    assert [(f.url, f.title, f.published_at) for f in found][:2] == [
        ("https://www.huaxia-daily.example/2022/0426/1001.html", "城东新建图书馆今日开放", "2022-04-26T02:30:00+00:00"),
        ("https://www.huaxia-daily.example/2022/0426/1002.html?utm_source=rss", "春耕时节农机下田",
         "2022-04-27T01:00:00+00:00"),
    ]
    assert len(found) == 4


def test_an_atom_feed_with_a_relative_link_and_an_author() -> None:
    body = (SAMPLE / "northwind" / "feeds" / "world.atom").read_bytes()
    found = feed_entries(body, "https://news.northwind.example/feeds/world.atom")
    assert found[1].url == "https://news.northwind.example/world/2022/04/26/fishing-fleet-returns?utm_medium=atom"
    assert (found[1].author, found[0].author) == ("Jane Doe", None)


def test_robots_sitemap_index_and_news_sitemap() -> None:
    robots = (SAMPLE / "northwind" / "robots.txt").read_bytes()
    assert robots_sitemaps(robots, "https://news.northwind.example/robots.txt") == [
        "https://news.northwind.example/sitemap-index.xml"]
    index = sitemap_entries((SAMPLE / "northwind" / "sitemap-index.xml").read_bytes(), "https://x", "Europe/London")
    assert index.sitemaps == ["https://news.northwind.example/sitemap-news.xml"] and index.urls == []
    news = sitemap_entries((SAMPLE / "northwind" / "sitemap-news.xml").read_bytes(), "https://x", "Europe/London")
    assert [(f.url.rsplit("/", 1)[1], f.title, f.published_at) for f in news.urls] == [
        ("harbour-bridge-reopens", "Harbour bridge reopens after repairs", "2022-04-26T08:15:00+00:00"),
        ("museum-wins-award", "Town museum wins national award", "2022-04-26T11:05:00+01:00"),
    ]


def readme_sites_block() -> str:
    """The TOML block of the README's "Adding a site by configuration" section."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Adding a site by configuration\n", 1)[1].split("\n## ", 1)[0]
    [block] = [part.split("\n```", 1)[0] for part in section.split("```toml\n")[1:]]
    return block


def test_the_readme_example_is_a_valid_sites_file() -> None:
    [site] = parse_sites(tomllib.loads(readme_sites_block()), "README")
    assert (site.name, site.source_name, site.allowed_domains) == ("lakeside", "湖畔新闻", ("lakeside.example",))
    assert [listing.url for listing in site.lists] == ["https://www.lakeside.example/news/",
                                                       "https://www.lakeside.example/culture/"]
    assert site.sections == ("本地", "文化")

