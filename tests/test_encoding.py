"""Pages whose declared charset lies about their bytes (real files from ../shared/data)."""
from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsbot.middlewares.encoding import EncodingFixMiddleware
from tests.shared_data import shared_file


@pytest.fixture
def middleware() -> EncodingFixMiddleware:
    return EncodingFixMiddleware(MemoryStatsCollector(get_crawler()))


def through(mw: EncodingFixMiddleware, body: bytes, content_type: str) -> HtmlResponse:
    url = "https://example.invalid/page.html"
    response = HtmlResponse(url=url, body=body, headers={"Content-Type": content_type})
    return mw.process_response(Request(url), response)


def test_utf8_bytes_with_a_gb2312_meta(middleware: EncodingFixMiddleware) -> None:
    body = shared_file("zh-news/gerapy/list/netease_rolling_news.html").read_bytes()
    naive = HtmlResponse(url="https://example.invalid/", body=body, headers={"Content-Type": "text/html"})
    assert "网易新闻中心" not in naive.css("title::text").get()  # what Scrapy alone shows
    fixed = through(middleware, body, "text/html")
    assert fixed.css("title::text").get() == "最新滚动新闻_网易新闻中心"
    assert middleware.stats.get_value("newsbot/encoding/fixed") == 1


def test_gb2312_bytes_declared_as_utf8(middleware: EncodingFixMiddleware) -> None:
    body = shared_file("zh-news/chardet-cjk-encoding/GB2312/_mozilla_bug171813_text.html").read_bytes()
    fixed = through(middleware, body, "text/html; charset=utf-8")
    assert "搜狐在线" in fixed.text
    assert "\ufffd" not in fixed.text


def test_big5_bytes_without_a_declaration(middleware: EncodingFixMiddleware) -> None:
    body = shared_file("zh-news/chardet-cjk-encoding/Big5/_chromium_Big5_with_no_encoding_specified.html").read_bytes()
    fixed = through(middleware, body, "text/html; charset=utf-8")
    assert "台北看守所昨天抽查前總統陳水扁的房舍" in fixed.text


def test_honest_pages_are_left_alone(middleware: EncodingFixMiddleware) -> None:
    body = "<html><head><meta charset='gbk'></head><body>观察者网：中国关怀，全球视野</body></html>".encode("gbk")
    response = through(middleware, body, "text/html")
    assert "观察者网：中国关怀，全球视野" in response.text
    assert middleware.stats.get_value("newsbot/encoding/fixed") is None
