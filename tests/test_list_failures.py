"""A list page the rules cannot read costs that page only, and the health check hears of it."""
from __future__ import annotations

from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request

from newsbot import signals
from newsbot.sites.guancha import lists
from newsbot.sites.listing import ListEntry
from newsbot.spiders.guancha import GuanchaSpider
from tests.project import project_crawler

ARTICLE = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"


def response_for(request: Request) -> HtmlResponse:
    return HtmlResponse(request.url, body=b"<html><body></body></html>", encoding="utf-8", request=request)


def test_a_list_callback_that_raises_costs_that_page_only(monkeypatch: pytest.MonkeyPatch) -> None:
    spider = GuanchaSpider.from_crawler(project_crawler(GuanchaSpider), channels="toutiao,shiping")
    parsed: list[dict[str, Any]] = []
    spider.crawler.signals.connect(lambda **kw: parsed.append(kw), signal=signals.list_parsed, weak=False)
    headline, commentary = spider.start_list_requests()
    monkeypatch.setattr(lists, "headline_list", lambda sel, base: [ListEntry(ARTICLE, "头条")])

    def broken(sel: object, base: str) -> list[ListEntry]:
        raise KeyError("a rule met markup it did not expect")

    monkeypatch.setattr(lists, "commentary_list", broken)
    assert list(spider.parse_commentary(response_for(commentary))) == []
    articles = [r for r in spider.parse_headline(response_for(headline)) if r.meta.get("newsbot_article")]
    assert [r.cb_kwargs["canonical"] for r in articles] == [ARTICLE]  # not held back by the broken list
    assert spider.crawler.stats.get_value("newsbot/lists/failed/KeyError") == 1
    assert [(p["kind"], p["channel"], p["links"]) for p in parsed] == [
        ("commentary", "时评", 0), ("headline", "头条", 1)]
