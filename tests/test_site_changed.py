"""A crawl of a site that changed must fail loudly: one ERROR, site_changed, a non-zero exit.

Each test serves the sample site with one change, the kind the real site has made or could
make: every article redirected to the home page, a JavaScript challenge instead of the
lists, article markup renamed, a full-text page gone.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.commands.crawl import EXIT_SITE_CHANGED
from tests.crawl import CrawlResult, crawl
from tests.expected_items import expected_articles
from tests.plugins.sample_site import SITE_ROOT, start_sample_site

pytestmark = pytest.mark.integration

CHALLENGE = (b"<html><head><title></title></head><body><script>var arg1='3F9A1C';"
             b"document.cookie='acw_sc__v2='+arg1+'; path=/';location.reload();</script></body></html>")


@pytest.fixture()
def changed_site(tmp_path: Path) -> Iterator:
    """Start the sample site with ``specials`` and/or a copy of its files changed by ``edit``."""
    procs = []

    def start(specials: dict | None = None, edit=None) -> dict[str, str]:
        root = SITE_ROOT
        if edit is not None:
            root = tmp_path / "site" / "guancha"
            shutil.copytree(SITE_ROOT, root)
            edit(root)
        proc, bases = start_sample_site(tmp_path, specials=specials, root=root)
        procs.append(proc)
        return bases

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def errors(result: CrawlResult) -> list[str]:
    return [line for line in result.log.splitlines() if " ERROR: " in line]


def health_error(result: CrawlResult) -> str:
    """The health check's one ERROR, with its continuation lines."""
    text = result.log
    start = text.index("the site does not look the way the spider expects")
    end = text.find("\n20", start)  # the next log record starts with its date
    return text[start:end if end > 0 else None]


def test_every_article_redirected_home_exits_non_zero_with_one_clear_error(changed_site, tmp_path: Path) -> None:
    bases = changed_site(specials={"www:/*/20*_*.shtml": {"redirect": "/", "status": 302}})
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao,redian,gundong"})
    assert result.items == []
    assert result.returncode == EXIT_SITE_CHANGED
    assert result.stats["finish_reason"] == "site_changed"
    assert "Spider closed (site_changed)" in result.log
    health = [line for line in errors(result) if "the site does not look" in line]
    assert len(health) == 1
    message = health_error(result)
    for channel in ("头条", "热点", "滚动"):
        assert f"channel {channel}: 0 of " in message
    assert "redirected away" in message
    examples = re.findall(r"(https://www\.guancha\.cn/\S+\.shtml) -> https://www\.guancha\.cn/[,)]", message)
    assert len(examples) == 9  # three a channel
    assert "127.0.0.1" not in message


def test_the_home_page_served_for_every_article_is_no_article(changed_site, tmp_path: Path) -> None:
    """The 2026 site answers some unknown paths with its home page and a 200: nothing may be
    made of that page (the generic extractor would find "an article" in its teasers)."""
    bases = changed_site(specials={"www:/*/20*_*.shtml": {"same_as": "/"}})
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao,redian"})
    assert result.items == []
    assert result.returncode == EXIT_SITE_CHANGED
    assert result.stats["newsbot/fetch/failed/list_page"] >= 10
    assert result.stats.get("newsbot/extraction/fallback", 0) == 0
    message = health_error(result)
    assert "channel 头条: 0 of " in message and "-> a list page (200)" in message
    missed = [line for line in errors(result) if "was answered with a list or the home page" in line]
    assert any("https://www.guancha.cn/internation/2022_04_27_636953.shtml was answered" in line for line in missed)


def test_a_challenge_page_says_so_and_names_user_agent(changed_site, tmp_path: Path) -> None:
    def challenge(root: Path) -> None:
        for page in ("GuanChaZheTouTiao/list_1.shtml", "index.html"):
            (root / "www" / page).write_bytes(CHALLENGE)

    bases = changed_site(edit=challenge)
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao,review"})
    assert result.returncode == EXIT_SITE_CHANGED
    message = health_error(result)
    assert "JavaScript challenge" in message and "USER_AGENT" in message
    assert "newsbot/0.1" in message  # the User-Agent the site refused
    assert result.stats["newsbot/health/challenge_pages"] == 2


def test_renamed_body_markup_is_filled_by_the_fallback_and_still_reported(changed_site, tmp_path: Path) -> None:
    """The article body's class changed: the generic extractor keeps the articles (degrade,
    don't drop), and the crawl still fails loudly, naming the selector that found nothing."""
    def rename(root: Path) -> None:
        for page in (root / "www").glob("*/20*_*.shtml"):
            page.write_bytes(page.read_bytes().replace(b'class="content all-txt"', b'class="article-body"'))

    bases = changed_site(edit=rename)
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao"})
    assert result.returncode == EXIT_SITE_CHANGED
    assert "found no paragraphs" in health_error(result) and "div.content.all-txt" in health_error(result)
    by_url = {item["url"]: item for item in result.items}
    expected = {e["url"]: e for e in expected_articles()}
    headline = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"
    assert by_url[headline]["extraction"] == "fallback"
    assert by_url[headline]["title"] == expected[headline]["title"]
    assert by_url[headline]["published_at"] == expected[headline]["published_at"]
    body = set(by_url[headline]["paragraphs"])
    assert len(body & set(expected[headline]["paragraphs"])) >= len(expected[headline]["paragraphs"]) - 2
    assert result.stats["newsbot/extraction/fallback"] >= 4


def test_a_missing_full_text_page_is_read_page_by_page(changed_site, tmp_path: Path) -> None:
    """636921 has two pages and a 余下全文 page; with the latter redirected home, the spider
    joins pages 1 and 2, in order, into the same article."""
    bases = changed_site(specials={"www:/ChenSiYuan/2022_04_26_636921_s.shtml": {"redirect": "/", "status": 302}})
    result = crawl(tmp_path / "crawl", bases, args={"channels": "review"})
    assert result.returncode == 0, result.log[-2000:]
    [item] = [i for i in result.items if i["url"].endswith("636921.shtml")]
    expected = next(e for e in expected_articles() if e["url"] == item["url"])
    assert item["paragraphs"] == expected["paragraphs"]
    assert item["images"] == expected["images"]
    assert item["fetched_url"] == "https://www.guancha.cn/ChenSiYuan/2022_04_26_636921.shtml"
    assert result.stats["newsbot/fetch/full_text_missing"] == 1
    assert "余下全文" not in " ".join(item["paragraphs"]) and "下一页" not in item["body_html"]


@pytest.mark.parametrize("answer", [{"same_as": "/"}, {"status": 404}], ids=["home-page-200", "404"])
def test_a_lost_second_page_keeps_the_first(changed_site, tmp_path: Path, answer: dict) -> None:
    """636937's full-text page is gone and so is its page 2: page 1 is stored all the same,
    counted as partial, never a page of home-page teasers."""
    bases = changed_site(specials={"www:/ZhouYunFan/2022_04_26_636937_s.shtml": {"redirect": "/", "status": 302},
                                   "www:/ZhouYunFan/2022_04_26_636937_2.shtml": answer})
    result = crawl(tmp_path / "crawl", bases, args={"channels": "redian"})
    [item] = [i for i in result.items if i["url"].endswith("636937.shtml")]
    expected = next(e for e in expected_articles() if e["url"] == item["url"])
    assert item["paragraphs"] == expected["paragraphs"][:len(item["paragraphs"])]
    assert 0 < len(item["paragraphs"]) < len(expected["paragraphs"])
    assert result.stats["newsbot/articles/partial"] == 1
    assert "storing the 1 page(s) fetched" in result.log


def test_a_bad_link_or_an_unreadable_list_costs_only_that(changed_site, tmp_path: Path) -> None:
    """A link that is no URL (``http://[broken``) on the home page and a 滚动 API nested
    100,000 deep: the link and that list are skipped, with a line each; every article of
    the other lists is still crawled (article requests wait for the first list pages, so a
    list that raised used to hold them back for good)."""
    def break_lists(root: Path) -> None:
        home = root / "www" / "index.html"
        text = home.read_text("utf-8")
        teaser = '<h4 class="module-title"><a href="http://[broken" target="_blank">坏链接</a></h4>'
        text = text.replace('<ul class="Review-item">', '<ul class="Review-item"><li>' + teaser + "</li>", 1)
        assert teaser in text
        home.write_text(text, "utf-8")
        (root / "www" / "api" / "gundong.htm").write_text('{"items": ' + "[" * 100_000 + "]" * 100_000 + "}", "utf-8")

    bases = changed_site(edit=break_lists)
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao,review,yaowen,gundong"})
    expected = {e["url"] for e in expected_articles() if e["categories"][2] in ("头条", "评论&研究", "要闻")}
    assert expected <= {item["url"] for item in result.items}
    assert "skipping the link 'http://[broken'" in result.log
    assert result.stats["newsbot/lists/bad_json"] == 1
    [bad] = [line for line in errors(result) if "is not the JSON we expect" in line]
    assert "/api/gundong.htm" in bad and "RecursionError" in bad
    # The 滚动 channel gave nothing: the health check says so.
    assert result.returncode == EXIT_SITE_CHANGED
    assert "channel 滚动: every first list page had no article links" in health_error(result)


def test_offsite_redirects_and_meta_refresh_are_never_fetched(changed_site, tmp_path: Path) -> None:
    """An article 302 to another host is a miss; a page that is only a <meta refresh> to
    another host is an offsite stub. Neither target is ever requested."""
    def meta_refresh(root: Path) -> None:
        page = root / "www" / "internation" / "2022_04_27_636949.shtml"
        page.write_text('<html><head><meta http-equiv="refresh" content="0; url=http://evil.example/636949">'
                        '</head><body></body></html>', "utf-8")

    bases = changed_site(edit=meta_refresh,
                         specials={"www:/internation/2022_04_27_636953.shtml": {"redirect": "http://evil.example/x"}})
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao"}, settings={"LOG_LEVEL": "DEBUG"})
    assert not [line for line in result.log.splitlines() if "evil.example" in line and "<GET" in line]
    assert result.stats["newsbot/stubs/offsite"] == 1
    assert result.stats["newsbot/fetch/failed/redirected_away"] == 2  # 636953, and 636899 as always
    assert any("636953.shtml was redirected away to http://evil.example/x" in line for line in errors(result))


def test_a_page_over_the_size_cap_costs_that_page_only(changed_site, tmp_path: Path) -> None:
    """DOWNLOAD_MAXSIZE caps a download (8 MiB by default; 300 KB here)."""
    def pad(root: Path) -> None:
        page = root / "www" / "internation" / "2022_04_27_636949.shtml"
        page.write_bytes(page.read_bytes() + b"<!--" + b"x" * 400_000 + b"-->")

    bases = changed_site(edit=pad)
    result = crawl(tmp_path / "crawl", bases, args={"channels": "toutiao"}, settings={"DOWNLOAD_MAXSIZE": "300000"})
    urls = {item["url"] for item in result.items}
    assert "https://www.guancha.cn/internation/2022_04_27_636949.shtml" not in urls
    assert "https://www.guancha.cn/internation/2022_04_27_636953.shtml" in urls
    failed = {key: value for key, value in result.stats.items() if key.startswith("newsbot/fetch/failed/")}
    assert sum(failed.values()) == 2, failed  # the big page, and 636899 as always
    assert any("2022_04_27_636949.shtml failed" in line for line in errors(result))
