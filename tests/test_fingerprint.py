"""ChannelFingerprinter: an article's channel is part of its request's identity."""
from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import RequestFingerprinter

from newsbot.fingerprint import ChannelFingerprinter
from tests.articles import make_crawler

ARTICLE = "https://www.guancha.cn/military-affairs/2022_04_26_636874.shtml"
LIST = "https://www.guancha.cn/GuanChaZheTouTiao/list_2.shtml"


def article(channel: str | None) -> Request:
    meta = {"newsbot_article": True, "newsbot_canonical": ARTICLE}
    return Request(ARTICLE, meta=meta if channel is None else {**meta, "newsbot_channel": channel})


def test_the_project_uses_it() -> None:
    assert isinstance(make_crawler().request_fingerprinter, ChannelFingerprinter)


def test_an_article_in_two_channels_is_two_requests_for_the_duplicate_filter() -> None:
    dupefilter = RFPDupeFilter.from_crawler(make_crawler())
    seen = [dupefilter.request_seen(r) for r in (article("要闻"), article("头条"), article("要闻"), article("头条"))]
    assert seen == [False, False, True, True]


def test_requests_without_a_channel_keep_scrapys_fingerprint() -> None:
    ours, scrapys = ChannelFingerprinter(), RequestFingerprinter()
    for request in (Request(LIST), article(None), article("")):
        assert ours.fingerprint(request) == scrapys.fingerprint(request)
    assert ours.fingerprint(article("头条")) != scrapys.fingerprint(article("头条"))
    assert len(ours.fingerprint(article("头条"))) == 20
