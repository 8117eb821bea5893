"""A list page the rules cannot read costs that page only: the first-wave gate still opens."""
from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newsbot.sites.guancha import lists
from newsbot.sites.listing import ListEntry
from newsbot.spiders.guancha import GuanchaSpider

ARTICLE = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"


def response_for(request: Request) -> HtmlResponse:
    return HtmlResponse(request.url, body=b"<html><body></body></html>", encoding="utf-8", request=request)


def test_a_list_callback_that_raises_still_releases_the_held_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    spider = GuanchaSpider.from_crawler(get_crawler(GuanchaSpider), channels="toutiao,shiping")
    headline, commentary = spider.first_wave(list(spider.start_list_requests()))
    monkeypatch.setattr(lists, "headline_list", lambda sel, base: [ListEntry(ARTICLE, "头条")])

    def broken(sel: object, base: str) -> list[ListEntry]:
        raise KeyError("a rule met markup it did not expect")

    monkeypatch.setattr(lists, "commentary_list", broken)
    held = list(spider.parse_headline(response_for(headline)))
    assert [r for r in held if r.meta.get("newsbot_article")] == []  # waiting for 时评
    released = list(spider.parse_commentary(response_for(commentary)))
    assert [r.cb_kwargs["canonical"] for r in released if r.meta.get("newsbot_article")] == [ARTICLE]
    assert spider.crawler.stats.get_value("newsbot/lists/failed/KeyError") == 1
