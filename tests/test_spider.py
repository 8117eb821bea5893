"""GuanchaSpider on NewsSpider: its arguments, which callback reads which URL, and each
callback run on a saved sample page with no keyword arguments (as ``scrapy parse`` does)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from newsbot.items import UNRANKED, Article
from newsbot.sites.guancha import lists
from newsbot.sites.listing import ListEntry
from newsbot.spiders.base import ArgumentError
from newsbot.spiders.guancha import GuanchaSpider
from tests.expected_items import PAGE_FIELDS
from tests.project import project_crawler

SITE = Path(__file__).resolve().parent / "sites" / "guancha"
EXPECTED = Path(__file__).resolve().parent / "expected" / "guancha"
WWW = "https://www.guancha.cn"
KNOWN = ("toutiao, review, yaowen, fengwen, redian, gundong, shiping, fengwen-topic, fengwen-user, "
         "column, author")


def spider(**args: Any) -> GuanchaSpider:
    return GuanchaSpider.from_crawler(project_crawler(GuanchaSpider, NEWSBOT_NOW="2022-04-27T12:00:00+08:00"),
                                      **args)


@pytest.mark.parametrize("args, message", [
    ({"max_pages": "abc"}, "max_pages: 'abc' is not a positive whole number"),
    ({"max_pages": "0"}, "max_pages: '0' is not a positive whole number"),
    ({"max_pages": "-1"}, "max_pages: '-1' is not a positive whole number"),
    ({"max_pages": ""}, "max_pages: '' is not a positive whole number"),
    ({"since": "notadate"}, "since: 'notadate' is not a date (YYYY-MM-DD)"),
    ({"since": "2022-13-01"}, "since: '2022-13-01' is not a date (YYYY-MM-DD)"),
    ({"since": "20220427"}, "since: '20220427' is not a date (YYYY-MM-DD)"),
    ({"refresh": "yes"}, "refresh: 'yes' is not 0 or 1"),
    ({"refresh": "2"}, "refresh: '2' is not 0 or 1"),
    ({"channels": ""}, f"channels: '' names no channel; known: {KNOWN}"),
    ({"channels": " , "}, f"channels: ' , ' names no channel; known: {KNOWN}"),
    ({"channels": "toutiao,tuotiao,x"}, f"channels: unknown 'tuotiao', 'x'; known: {KNOWN}"),
    ({"order": "latest"}, "order: 'latest' is not a positive whole number"),
])
def test_a_bad_argument_is_named_with_what_is_expected(args: dict[str, str], message: str) -> None:
    with pytest.raises(ArgumentError) as raised:
        spider(**args)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_arguments_as_given_on_the_command_line() -> None:
    given = spider(channels="toutiao, redian", max_pages="3", since="2022-04-27", refresh="1", order="2")
    assert (given.channels, given.max_pages, given.since, given.refresh, given.order) == (
        ["toutiao", "redian"], 3, "2022-04-27", True, "2")
    default = spider()
    assert (default.channels, default.max_pages, default.since, default.refresh) == (
        ["toutiao", "review", "yaowen", "fengwen", "redian", "gundong", "shiping"], 10, None, False)


@pytest.mark.parametrize("url, callback", [
    (f"{WWW}/internation/2022_04_27_636949.shtml", "parse_article"),
    (f"{WWW}/ChenSiYuan/2022_04_26_636921_s.shtml", "parse_article"),
    (f"{WWW}/GuoJi%C2%B7ZhanLue/2022_04_26_636944.shtml?s=x", "parse_article"),
    ("https://user.guancha.cn/main/content?id=900001&page=0", "parse_post"),
    (f"{WWW}/GuanChaZheTouTiao/list_2.shtml", "parse_headline"),
    (f"{WWW}/", "parse_home"),
    (f"{WWW}/api/gundong.htm", "parse_api"),
    (f"{WWW}/mainnews-sp/", "parse_commentary"),
    ("https://user.guancha.cn/main/index-list.json?&page=1&order=1", "parse_fengwen"),
    ("https://user.guancha.cn/topic/post-list?topic_id=110&page=1&order=1", "parse_fengwen"),
    ("https://app.guancha.cn/user/get-published-list?page_size=20&page_no=1&uid=7788", "parse_members"),
    (f"{WWW}/column/GuoJi%C2%B7ZhanLue/2", "parse_column"),
    (f"{WWW}/ChenSiYuan/list_1.shtml", "parse_author"),
    (f"{WWW}/about/about.shtml", None),
    ("https://news.cctv.com/2022/04/26/ARTI.shtml", None),
])
def test_the_site_rules_pick_the_callback(url: str, callback: str | None) -> None:
    found = spider().callback_for(url)
    assert (found.__name__ if found else None) == callback


@pytest.mark.parametrize("url, page", [
    (f"{WWW}/GuanChaZheTouTiao/list_3.shtml", 3), (f"{WWW}/column/GuoJi%C2%B7ZhanLue/2", 2),
    ("https://user.guancha.cn/main/index-list.json?&page=4&order=1", 4),
    ("https://app.guancha.cn/user/get-published-list?page_size=20&page_no=5&uid=7788", 5), (f"{WWW}/", 1),
])
def test_list_page_numbers_come_from_the_url(url: str, page: int) -> None:
    assert spider().list_page(url) == page


def response(url: str, path: Path) -> HtmlResponse:
    return HtmlResponse(url, body=path.read_bytes(), encoding="utf-8", request=Request(url))


def test_parse_on_an_article_url_gives_its_item_with_no_channel() -> None:
    url = f"{WWW}/internation/2022_04_27_636949.shtml"
    [item] = list(spider().parse(response(url, SITE / "www" / "internation" / "2022_04_27_636949.shtml")))
    assert isinstance(item, Article)
    expected = json.loads((EXPECTED / "636949.json").read_text("utf-8"))
    got = json.loads(json.dumps({name: getattr(item, name) for name in PAGE_FIELDS}, default=vars))
    assert got == {name: expected[name] for name in PAGE_FIELDS}
    # No list named it: no channel, and the page's own summary and no list picture.
    assert (item.categories, item.channel_rank) == (["新媒体", "观察者网"], UNRANKED)
    assert item.summary == expected["summary"] and item.lead_image is None


def test_parse_on_a_list_url_gives_its_article_requests() -> None:
    url = f"{WWW}/GuanChaZheTouTiao/list_2.shtml"
    page = SITE / "www" / "GuanChaZheTouTiao" / "list_2.shtml"
    out = list(spider(channels="redian").parse(response(url, page)))  # 头条 not selected: read all the same
    assert [r.url for r in out] == [
        f"{WWW}/internation/2022_04_26_636893.shtml", f"{WWW}/military-affairs/2022_04_26_636874.shtml",
        f"{WWW}/politics/2022_04_26_636899.shtml", f"{WWW}/politics/2022_04_26_636888.shtml",
        f"{WWW}/internation/2022_04_25_636712.shtml", f"{WWW}/GuanChaZheTouTiao/list_3.shtml"]
    assert [r.cb_kwargs["listing"].channel for r in out[:-1]] == ["头条"] * 5
    assert [r.meta["newsbot_channel_rank"] for r in out[:-1]] == [0] * 5
    assert out[-1].callback.__name__ == "parse_headline" and out[-1].cb_kwargs == {}


def test_a_list_callback_that_raises_costs_that_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{WWW}/api/redian.htm"
    broken = TextResponse(url, body=b'{"items": []}', encoding="utf-8", request=Request(url))

    def unreadable(text: str, base: str, channel: str) -> list[ListEntry]:
        raise TypeError("the rules cannot read this list")

    monkeypatch.setattr(lists, "api_list", unreadable)
    crawled = spider(channels="redian")
    assert list(crawled.parse_api(broken)) == []
    assert crawled.crawler.stats.get_value("newsbot/lists/failed/TypeError") == 1


# --- an article listed in two channels ----------------------------------------------------
ARTICLE = f"{WWW}/military-affairs/2022_04_26_636874.shtml"


def listing(channel: str) -> ListEntry:
    return ListEntry(ARTICLE, channel, summary=f"{channel}的摘要")


def test_a_better_listing_while_the_worse_request_is_queued_replaces_it() -> None:
    crawl = spider()
    worse = crawl.listed(listing("要闻"))
    better = crawl.listed(listing("头条"))
    assert worse is not None and better is not None
    assert (worse.meta["newsbot_channel"], better.meta["newsbot_channel"]) == ("要闻", "头条")
    assert crawl.listed(listing("滚动")) is None  # merged into the pending requests
    assert not crawl.claim(worse) and crawl.claim(better)  # the 要闻 one is never downloaded
    assert crawl.settle(ARTICLE, better.cb_kwargs["listing"]).summary == "头条的摘要"


def test_a_better_listing_while_the_worse_request_downloads_is_read_with_it() -> None:
    crawl = spider()
    worse = crawl.listed(listing("要闻"))
    assert worse is not None and crawl.claim(worse)
    better = crawl.listed(listing("头条"))
    assert better is not None and not crawl.claim(better)
    assert crawl.settle(ARTICLE, worse.cb_kwargs["listing"]).channel == "头条"


def test_a_better_listing_after_the_article_was_read_asks_for_it_again() -> None:
    crawl = spider()
    first = crawl.listed(listing("要闻"))
    assert first is not None and crawl.claim(first)
    assert crawl.settle(ARTICLE, first.cb_kwargs["listing"]).channel == "要闻"
    assert crawl.listed(listing("滚动")) is None and crawl.listed(listing("要闻")) is None
    again = crawl.listed(listing("头条"))
    assert again is not None and crawl.claim(again)
    assert crawl.crawler.stats.get_value("newsbot/lists/upgraded") == 1
    assert not crawl.claim(first)  # a retry of the first one, say, is not needed any more


def test_settled_articles_leave_no_per_article_entries_but_their_answer() -> None:
    """A crawl of 100,000 articles must not keep 100,000 listings, requests or downloads."""
    crawl = spider()
    urls = [f"{WWW}/politics/2022_04_26_{n}.shtml" for n in range(600000, 600300)]
    for url in urls:
        request = crawl.listed(ListEntry(url, "要闻"))
        assert request is not None and crawl.claim(request)
        crawl.settle(url, request.cb_kwargs["listing"])
    assert (crawl.listings, crawl.requested, crawl.downloading) == ({}, {}, {})
    assert len(crawl.answered) == 300
    assert crawl.listed(ListEntry(urls[7], "滚动")) is None  # still answered
    assert crawl.listed(ListEntry(urls[7], "头条")) is not None  # a better channel still asks


def test_requests_another_worker_asked_for_are_all_downloaded() -> None:
    """In distributed mode a worker downloads requests other workers made: it cannot know
    their listings, so it drops none of them."""
    maker, worker = spider(), spider()
    gundong, redian = maker.listed(listing("滚动")), spider().listed(listing("热点"))
    assert gundong is not None and redian is not None
    assert worker.claim(gundong) and worker.claim(redian)


def test_a_better_request_the_duplicate_filter_dropped_leaves_the_worse_one_needed() -> None:
    crawl = spider()
    worse, better = crawl.listed(listing("要闻")), crawl.listed(listing("头条"))
    assert worse is not None and better is not None
    crawl.request_dropped(better)  # e.g. another worker asked for it in 头条 already
    assert crawl.claim(worse)


def test_the_rest_of_a_multi_page_article_travels_with_every_listing_seen_here() -> None:
    """636921 (two pages and a full-text page) is on 时评 and on the home page's 评论&研究.
    A worker that asked for it on 时评, then read the home page, hands the full-text page on
    for 评论&研究: in distributed mode another worker, which saw neither list, may read it
    (a three-worker crawl stored it as 时评 before)."""
    url = f"{WWW}/ChenSiYuan/2022_04_26_636921.shtml"
    crawl = spider()
    first = crawl.listed(ListEntry(url, "时评"))
    assert first is not None and crawl.claim(first)
    better = crawl.listed(ListEntry(url, "评论&研究", summary="首页的摘要"))
    assert better is not None and not crawl.claim(better)  # this download will be read with it
    page = HtmlResponse(url, body=(SITE / "www" / "ChenSiYuan" / "2022_04_26_636921.shtml").read_bytes(),
                        encoding="utf-8", request=first)
    [rest] = list(crawl.parse_article(page, **first.cb_kwargs))
    assert rest.url == f"{WWW}/ChenSiYuan/2022_04_26_636921_s.shtml"
    assert rest.cb_kwargs["listing"].channel == "评论&研究" and rest.cb_kwargs["listing"].summary == "首页的摘要"
    assert rest.meta["newsbot_channel"] == "评论&研究"
    # Read here, a later listing in a worse channel changes nothing; a better one asks again.
    assert crawl.listed(ListEntry(url, "时评")) is None
