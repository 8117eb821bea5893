"""Pages whose declared charset lies about their bytes (real files from ../shared/data and the sample site)."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsbot.middlewares.encoding import EncodingFixMiddleware
from tests.shared_data import shared_file

SAMPLE = Path(__file__).parent / "sites" / "guancha" / "www" / "economy" / "2022_04_27_636958.shtml"
TITLE = "统计局：一季度全国规上工业企业利润同比增长8.5%"
PARAGRAPH = "国家统计局工业司高级统计师朱虹解读称，3月份以来，国内疫情多发散发"


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


def test_one_bad_byte_in_a_utf8_page_spoils_one_character(middleware: EncodingFixMiddleware) -> None:
    body = SAMPLE.read_bytes()
    at = body.index("朱虹解读称".encode())
    response = through(middleware, body[:at] + b"\xff" + body[at:], "text/html; charset=utf-8")
    assert response.css("title::text").get() == TITLE
    assert "国家统计局工业司高级统计师\ufffd朱虹解读称，3月份以来" in response.text
    assert response.text.count("\ufffd") == 1


def test_a_utf8_page_cut_mid_character_keeps_its_text(middleware: EncodingFixMiddleware) -> None:
    body = SAMPLE.read_bytes()
    cut = body[: body.index("解读称".encode()) + 2]  # two of the three bytes of 解
    response = through(middleware, cut, "text/html; charset=utf-8")
    assert response.css("title::text").get() == TITLE
    assert response.text.endswith("国家统计局工业司高级统计师朱虹\ufffd")
    assert response.text.count("\ufffd") == 1


@pytest.mark.parametrize("charset", ["iso-8859-1", "latin-1", "windows-1252"])
def test_gbk_bytes_under_a_western_charset_header(middleware: EncodingFixMiddleware, charset: str) -> None:
    body = SAMPLE.read_text("utf-8").encode("gbk", errors="xmlcharrefreplace")
    response = through(middleware, body, f"text/html; charset={charset}")
    assert response.css("title::text").get() == TITLE
    assert PARAGRAPH in response.text
    assert "\ufffd" not in response.text
    assert middleware.stats.get_value("newsbot/encoding/fixed") == 1


def test_a_real_latin1_page_stays_latin1(middleware: EncodingFixMiddleware) -> None:
    """Its bytes also decode as GB18030, into lone CJK characters between Latin letters."""
    text = "<html><body><p>Dicht gedrängt am Kai: Ärger über Öl für Ärzte in Zürich und Köln.</p></body></html>"
    response = through(middleware, text.encode("latin-1"), "text/html; charset=iso-8859-1")
    assert "Dicht gedrängt am Kai: Ärger über Öl für Ärzte in Zürich und Köln." in response.text
    assert middleware.stats.get_value("newsbot/encoding/fixed") is None
