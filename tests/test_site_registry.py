"""The site registry, guancha's one URL rule, and the README's "Adding a site" example
(run from the README's own text). Expected values are written by hand."""
from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsbot.dom import parse_html
from newsbot.hexo import article_id
from newsbot.items import Article
from newsbot.sites import registry
from newsbot.sites.page import PageContext
from newsbot.sites.site import Site
from newsbot.urls import canonical_url

README = Path(__file__).resolve().parents[1] / "README.md"
GUANCHA_HOSTS = ["guancha.cn", "www.guancha.cn", "m.guancha.cn", "user.guancha.cn", "m.user.guancha.cn",
                 "app.guancha.cn", "i.guancha.cn"]


@pytest.mark.parametrize("host", [*GUANCHA_HOSTS, "stat.guancha.cn", "a.b.guancha.cn", "WWW.Guancha.CN", "m.guancha.cn."])
def test_every_guancha_host_and_subdomain_is_guancha(host: str) -> None:
    site = registry.site_for_url(f"http://{host}/any/path?x=1")
    assert site is not None and site.name == "guancha"


@pytest.mark.parametrize("url", ["https://example.org/a", "https://notguancha.cn/", "https://guancha.cn.example.org/",
                                 "https://cn/", "/internation/2022_04_26_636893.shtml", "", "http://[broken"])
def test_a_url_of_no_site_has_none(url: str) -> None:
    assert registry.site_for_url(url) is None


def test_guancha_declares_itself() -> None:
    site = registry.get("guancha")
    assert (site.name, site.source_name, site.language, site.timezone) == ("guancha", "观察者网", "zh-CN", "Asia/Shanghai")
    assert site.hosts == frozenset(GUANCHA_HOSTS)
    assert site.article_hosts == frozenset({"guancha.cn", "www.guancha.cn", "m.guancha.cn", "user.guancha.cn",
                                            "m.user.guancha.cn"})
    assert site.channel_order == ("头条", "评论&研究", "要闻", "风闻", "热点", "滚动", "时评", "栏目", "专栏")
    assert registry.all_sites()[0] is site
    with pytest.raises(KeyError):
        registry.get("no-such-site")


def _site(name: str, hosts: set[str]) -> Site:
    return Site(name=name, source_name=name, language="en", timezone="UTC", hosts=frozenset(hosts),
                article_hosts=frozenset(), canonical_url=str.strip, is_article=bool, extractors={})


def test_a_taken_name_or_host_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("guancha"))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(_site("guancha", {"other.example"}))
    with pytest.raises(ValueError, match="m.user.guancha.cn"):
        registry.register(_site("copycat", {"copycat.example", "m.user.guancha.cn"}))
    assert registry.site_for_url("https://copycat.example/") is None  # nothing half-registered


def test_a_declaration_that_contradicts_itself_is_refused() -> None:
    with pytest.raises(ValueError, match="are not hosts"):
        Site(name="x", source_name="X", language="en", timezone="UTC", hosts=frozenset({"x.example"}),
             article_hosts=frozenset({"y.example"}), canonical_url=str.strip, is_article=bool, extractors={})
    with pytest.raises(ValueError, match="hold no articles"):
        Site(name="x", source_name="X", language="en", timezone="UTC", hosts=frozenset({"x.example", "img.x.example"}),
             article_hosts=frozenset({"x.example"}), canonical_url=str.strip, is_article=bool,
             extractors={"img.x.example": lambda page, ctx: Article()})


@pytest.mark.parametrize(("url", "expected"), [
    ("https://Example.org/a?b=2&a=1&utm_campaign=x&gclid=1#f", "https://example.org/a?a=1&b=2"),
    ("HTTP://user:pw@Example.org:80/news/?id=3&fbclid=abc&spm=a.b.c", "http://example.org/news/?id=3"),
    ("https://example.org:8443/a%2fb?x=%e4%b8%ad", "https://example.org:8443/a%2Fb?x=%E4%B8%AD"),
    ("https://example.org/新闻/1.html", "https://example.org/%E6%96%B0%E9%97%BB/1.html"),
    # a search query, not tracking, on other sites: only guancha's rule drops its `s`
    ("https://blog.example.org/?s=trade&utm_medium=wx", "https://blog.example.org/?s=trade"),
])
def test_other_sites_get_the_w3lib_rule_without_tracking(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


ARTICLE = "https://www.guancha.cn/internation/2022_04_26_636893.shtml"
POST = "https://user.guancha.cn/main/content?id=723415"


@pytest.mark.parametrize(("url", "canonical", "file_id"), [
    # the whole-text page and page N are pages of the article
    ("https://www.guancha.cn/internation/2022_04_26_636893_s.shtml", ARTICLE, "guancha-636893"),
    ("https://www.guancha.cn/internation/2022_04_26_636893_3.shtml", ARTICLE, "guancha-636893"),
    ("http://guancha.cn/internation/2022_04_26_636893.shtml#comment", ARTICLE, "guancha-636893"),
    # the mobile 风闻 host holds the same posts
    ("http://m.user.guancha.cn/main/content?id=723415&page=0", POST, "fengwen-723415"),
    ("https://user.guancha.cn/main/content/?page=0&id=723415&s=fwzwyzzwzbt", POST, "fengwen-723415"),
])
def test_one_guancha_rule_for_every_question(url: str, canonical: str, file_id: str) -> None:
    site = registry.get("guancha")
    assert site.is_article(url) and site.is_article(canonical)
    assert canonical_url(url) == canonical
    assert site.article_id(url) == article_id(url) == file_id


@pytest.mark.parametrize("url", [
    "https://www.guancha.cn/GuanChaZheTouTiao/list_1.shtml",
    "https://user.guancha.cn/main/content?id=abc",
    "https://user.guancha.cn/main/index-list.json?page=1&order=1",
    "https://www.guancha.cn/a/2022_04_27_" + "9" * 21 + ".shtml",  # no 21-digit ids
    "https://i.guancha.cn/news/2022_04_27_636953.shtml",
])
def test_guancha_pages_that_are_no_article(url: str) -> None:
    site = registry.get("guancha")
    assert not site.is_article(url)
    assert site.article_id(url) is None


def test_guancha_full_text_pages() -> None:
    site = registry.get("guancha")
    assert site.full_text_url(ARTICLE) == "https://www.guancha.cn/internation/2022_04_26_636893_s.shtml"
    assert site.full_text_url(POST) == POST + "&page=0"


def _readme_example() -> str:
    section = README.read_text("utf-8").split("\n## Adding a site\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1, "the section shows one example"
    return blocks[0]


@pytest.fixture
def example() -> Iterator[types.ModuleType]:
    """The README's example site, run as the module it would be, and registered."""
    module = types.ModuleType("examplenews_site")
    sys.modules[module.__name__] = module
    try:
        exec(compile(_readme_example(), str(README), "exec"), module.__dict__)  # noqa: S102 (our own README)
        registry.register(module.SITE)
        try:
            yield module
        finally:
            registry.unregister(module.SITE.name)
    finally:
        del sys.modules[module.__name__]


def test_the_readme_example_site(example: types.ModuleType) -> None:
    url = "http://www.example.news/story/42/rain-in-spain?utm_source=x"
    assert registry.site_for_url(url) is example.SITE
    assert registry.get("example") is example.SITE
    assert canonical_url(url) == "https://example.news/story/42"
    assert canonical_url("https://www.example.news/about?b=1&a=2&fbclid=z") == "https://www.example.news/about?a=2&b=1"
    assert example.SITE.is_article(url) and not example.SITE.is_article("https://example.news/about")
    assert article_id("https://example.news/story/42", "example") == "example-42"
    assert example.SITE.full_text_url("https://example.news/story/42") == "https://example.news/story/42"

    canonical = canonical_url(url)
    page = parse_html("<html><body><h1 class='headline'> Rain  in\n Spain </h1><p>It rains.</p></body></html>")
    ctx = PageContext(canonical, url, datetime(2026, 1, 1, tzinfo=UTC))
    item = example.SITE.extractor_for(canonical)(page, ctx)
    assert (item.url, item.fetched_url, item.title) == ("https://example.news/story/42", url, "Rain in Spain")
    assert (item.site, item.source_name, item.language) == ("example", "Example News", "en")


def test_the_readme_names_the_registration_line() -> None:
    section = README.read_text("utf-8").split("\n## Adding a site\n", 1)[1].split("\n## ", 1)[0]
    assert '`"newsbot.sites.examplenews.site",`' in section
    assert "tests/expected/<site>/" in section and "tests/sites/<site>/" in section
