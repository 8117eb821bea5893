"""The article shapes 2026 evidence shows (guancha-2026.md), beside the 2019-2022 ones.

Pages are the sample site's (tests/sites/guancha/www); every expected value below was
read off those pages by hand, as were the expected items in tests/expected/guancha.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from itemadapter import ItemAdapter
from lxml import etree
from scrapy.http import HtmlResponse

from newsbot.dom import parse_html, parse_response
from newsbot.sites.guancha.article import extract_article, fengwen_redirect
from newsbot.sites.guancha.pages import Pager, pager, redirect_target
from newsbot.sites.page import PageContext
from tests.crawl import PINNED_NOW

WWW = Path(__file__).resolve().parent / "sites" / "guancha" / "www"
EXPECTED = Path(__file__).resolve().parent / "expected" / "guancha"
NOW = datetime.fromisoformat(PINNED_NOW)
MULTI = "https://www.guancha.cn/ZhouYunFan/2022_04_26_636937"


def page(path: str) -> etree._Element:
    return parse_html((WWW / path).read_bytes())


def article(path: str, url: str, more: tuple[str, ...] = ()) -> dict:
    ctx = PageContext(url, url, NOW)
    return ItemAdapter(extract_article(page(path), ctx, [page(p) for p in more])).asdict()


def expected(name: str) -> dict:
    return json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))


def html_page(body: str, head: str = "") -> etree._Element:
    return parse_html(f"<html><head>{head}</head><body>{body}</body></html>")


# --- the 2026 wrapper and time blocks ---------------------------------------------------

NEW_SHAPE = "GuoJi/2022_04_27_636940.shtml"
NEW_URL = "https://www.guancha.cn/GuoJi/2022_04_27_636940.shtml"


def test_div_left_main_and_div_time_without_fix() -> None:
    item = article(NEW_SHAPE, NEW_URL)
    assert item["title"] == "斯里兰卡与IMF开启救助磋商，外汇储备已不足五亿美元"
    assert item["published_at"] == "2022-04-27T08:12:40+08:00"
    assert item["updated_at"] == "2022-04-27T09:03:15+08:00"  # the second div.time, 最后更新
    assert item["source"] == "观察者网"
    assert item["authors"] == ["许文澜"]  # （文/观察者网 许文澜）, not the editor 宋知微
    assert item["paragraphs"][-1] == "本文系观察者网独家稿件，未经授权，不得转载。"


def test_a_time_block_outside_the_article_is_not_its_time() -> None:
    """The hot list's div.time (11:40:00) comes after the article's; without the 最后更新
    block the article has no update time, not the hot list's."""
    text = (WWW / NEW_SHAPE).read_text("utf-8")
    block = '<div class="time" style="padding:0"><span>最后更新: 2022-04-27 09:03:15</span></div>'
    assert block in text
    item = ItemAdapter(extract_article(parse_html(text.replace(block, "")), PageContext(NEW_URL, NEW_URL, NOW))).asdict()
    assert (item["published_at"], item["updated_at"]) == ("2022-04-27T08:12:40+08:00", None)


def test_old_and_new_wrappers_give_the_same_article() -> None:
    text = (WWW / NEW_SHAPE).read_text("utf-8")
    old = (text.replace('<div class="left-main">', '<ul class="two-coloum fix"><li class="left left-main">', 1)
               .replace('<div class="right-main">', '</li><li class="right">', 1)
               .replace('class="time"', 'class="time fix"'))
    assert old != text
    ctx = PageContext(NEW_URL, NEW_URL, NOW)
    new_item, old_item = (ItemAdapter(extract_article(parse_html(t), ctx)).asdict() for t in (text, old))
    for field in ("title", "published_at", "updated_at", "authors", "paragraphs", "images", "tags"):
        assert old_item[field] == new_item[field], field


def test_the_first_datetime_span_is_the_publication_time() -> None:
    doc = html_page('<div class="left-main"><h3>标题</h3><div class="time"><span>作者：张三</span>'
                    '<span>2022-04-26 10:00:00</span><span>来源：观察者网</span></div>'
                    '<div class="content all-txt"><p>正文。</p></div></div>')
    item = extract_article(doc, PageContext(NEW_URL, NEW_URL, NOW))
    assert item.published_at == "2022-04-26T10:00:00+08:00"


# --- bylines ----------------------------------------------------------------------------

def test_translated_article_credits_the_writer_not_the_translator() -> None:
    url = "https://www.guancha.cn/GuoJi%C2%B7ZhanLue/2022_04_26_636944.shtml"
    item = article("GuoJi·ZhanLue/2022_04_26_636944.shtml", url)
    assert item["paragraphs"][0] == "【文/马蒂亚斯·容克尔 译/观察者网 林若舟】"
    assert item["authors"] == ["马蒂亚斯·容克尔"]


# --- multi-page articles ----------------------------------------------------------------

def test_pager_of_page_one() -> None:
    assert pager(page("ZhouYunFan/2022_04_26_636937.shtml"), f"{MULTI}.shtml") == Pager(
        full_text=f"{MULTI}_s.shtml", pages=[f"{MULTI}_2.shtml"])


def test_pager_of_the_last_page_and_of_the_full_text() -> None:
    # page 2 links back to page 1 (never a page 2..N) and offers no 余下全文
    assert pager(page("ZhouYunFan/2022_04_26_636937_2.shtml"), f"{MULTI}_2.shtml") == Pager(None, [])
    assert pager(page("ZhouYunFan/2022_04_26_636937_s.shtml"), f"{MULTI}_s.shtml") is None


def test_no_pager_on_single_page_articles() -> None:
    assert pager(page(NEW_SHAPE), NEW_URL) is None
    # the comment list's own pagination (下一页) is not the article's pager
    assert pager(page("internation/2022_04_27_636953.shtml"), "https://www.guancha.cn/internation/2022_04_27_636953.shtml") is None


def test_pager_pages_are_in_order_unique_and_absolute() -> None:
    doc = html_page('<div id="select_page"><div class="module-page"><span class="active">1</span>'
                    '<a href="/A/2022_04_26_7_3.shtml">3</a><a href="/A/2022_04_26_7_2.shtml">2</a>'
                    '<a href="/A/2022_04_26_7_3.shtml">3</a><a class="next" onclick="location.href=\'/A/2022_04_26_7_2.shtml\'">下一页</a>'
                    '<a class="last" href="//www.guancha.cn/A/2022_04_26_7_s.shtml">余下全文</a></div></div>')
    assert pager(doc, "https://www.guancha.cn/A/2022_04_26_7.shtml") == Pager(
        full_text="https://www.guancha.cn/A/2022_04_26_7_s.shtml",
        pages=["https://www.guancha.cn/A/2022_04_26_7_2.shtml", "https://www.guancha.cn/A/2022_04_26_7_3.shtml"])


def test_a_lone_full_text_link_is_a_pager() -> None:
    doc = html_page('<div class="content all-txt"><p>正文。</p>'
                    '<p><a onclick="javascript:location.href=\'/A/2022_04_26_7_s.shtml\';">余下全文</a></p></div>')
    assert pager(doc, "https://www.guancha.cn/A/2022_04_26_7.shtml") == Pager("https://www.guancha.cn/A/2022_04_26_7_s.shtml", [])


def test_pages_two_to_n_give_the_whole_article() -> None:
    whole = expected("636937")
    item = article("ZhouYunFan/2022_04_26_636937.shtml", f"{MULTI}.shtml", more=("ZhouYunFan/2022_04_26_636937_2.shtml",))
    assert item["paragraphs"] == whole["paragraphs"]  # page 1's 5, then page 2's 5, the notice last
    assert item["images"] == whole["images"]  # page 2's image: index 3 on its page, 5 + 3 here
    assert (item["title"], item["published_at"], item["authors"], item["tags"]) == (
        whole["title"], whole["published_at"], whole["authors"], whole["tags"])
    for pager_text in ("余下全文", "下一页", "上一页", "select_page", "module-page"):
        assert pager_text not in item["body_html"]


def test_page_one_alone_is_only_page_one() -> None:
    item = article("ZhouYunFan/2022_04_26_636937.shtml", f"{MULTI}.shtml")
    assert len(item["paragraphs"]) == 5 and item["paragraphs"][-1].startswith("过去几年，动力电池")


def test_a_pager_inside_the_body_never_leaks() -> None:
    doc = html_page('<div class="left-main"><h3>标题</h3><div class="time"><span>2022-04-26 10:00:00</span></div>'
                    '<div class="content all-txt"><p>第一段。</p><p><a href="/A/2022_04_26_7_2.shtml">2</a> '
                    '<a onclick="location.href=\'/A/2022_04_26_7_2.shtml\'">下一页</a></p>'
                    '<p><a onclick="location.href=\'/A/2022_04_26_7_s.shtml\'">余下全文</a></p>'
                    '<div id="select_page"><div class="module-page"><span>1</span><a href="/A/2022_04_26_7_2.shtml">2</a></div></div>'
                    '</div></div>')
    item = extract_article(doc, PageContext(NEW_URL, NEW_URL, NOW))
    assert item.paragraphs == ["第一段。"]
    assert item.body_html == "<p>第一段。</p>"


# --- redirect stubs ---------------------------------------------------------------------

@pytest.mark.parametrize(("path", "target", "post_id"), [
    ("politics/2022_04_27_636946.shtml", "https://user.guancha.cn/main/content?id=900003", "900003"),
    ("internation/2022_04_26_636947.shtml", "https://news.cctv.com/2022/04/26/ARTIq8Fo3Ny7kVbQ2sWzHx5d220426.shtml", None),
    ("FengWen/2022_04_27_636999.shtml", "https://user.guancha.cn/main/content?id=900001", "900001"),  # no body at all
])
def test_stub_pages(path: str, target: str, post_id: str | None) -> None:
    url = "https://www.guancha.cn/" + path
    assert redirect_target(page(path), url) == target
    assert fengwen_redirect(page(path)) == post_id


@pytest.mark.parametrize("path", [
    NEW_SHAPE,  # its share script reads window.location.href
    "ChenSiYuan/2022_04_26_636921.shtml",  # its pager's onclick sets location.href
    "ZhouYunFan/2022_04_26_636937.shtml",
    "politics/2022_04_26_636933.shtml",
])
def test_articles_are_not_stubs(path: str) -> None:
    assert redirect_target(page(path), "https://www.guancha.cn/" + path) is None
    assert fengwen_redirect(page(path)) is None


def test_an_article_whose_script_redirects_is_still_an_article() -> None:
    doc = html_page('<div class="content all-txt"><p>正文。</p></div>'
                    '<script>if (/Mobile/.test(navigator.userAgent)) { window.location.href = "https://m.guancha.cn/a/1.shtml"; }</script>')
    assert redirect_target(doc, "https://www.guancha.cn/a/1.shtml") is None


@pytest.mark.parametrize(("markup", "target"), [
    ('<div class="content all-txt"> <p>&nbsp;</p> </div><script>location.href=\'/main/x\';</script>',
     "https://www.guancha.cn/main/x"),  # relative, resolved against the page
    ('<div class="content all-txt"><img src="https://stat.guancha.cn/pv.gif" width="1" height="1"></div>'
     '<script>window.location.replace("https://h.xinhuaxmt.com/vh512/share/10712345")</script>',
     "https://h.xinhuaxmt.com/vh512/share/10712345"),  # a tracking pixel is no content
])
def test_stub_variants(markup: str, target: str) -> None:
    assert redirect_target(html_page(markup), "https://www.guancha.cn/politics/2022_04_26_1.shtml") == target


def test_meta_refresh_stub() -> None:
    doc = html_page('<div class="content all-txt"></div>',
                    head='<meta http-equiv="Refresh" content="0; url=https://user.guancha.cn/main/content?id=42">')
    assert redirect_target(doc, "https://www.guancha.cn/a/1.shtml") == "https://user.guancha.cn/main/content?id=42"
    assert fengwen_redirect(doc) == "42"


def test_a_picture_alone_is_content() -> None:
    doc = html_page('<div class="content all-txt"><p><img src="https://i.guancha.cn/a.jpg"></p></div>'
                    '<script>location.href="https://news.cctv.com/x.shtml";</script>')
    assert redirect_target(doc, "https://www.guancha.cn/a/1.shtml") is None


def test_a_page_without_body_or_redirect_is_no_stub() -> None:
    # the "页面不存在" page: full chrome and scripts, but no body and no redirect
    assert redirect_target(page("politics/2022_04_26_636888.shtml"), "https://www.guancha.cn/politics/2022_04_26_636888.shtml") is None


# --- the "speech" template: two <html> shells -------------------------------------------

SPEECH = "politics/2022_04_26_636933.shtml"
SPEECH_URL = "https://www.guancha.cn/politics/2022_04_26_636933.shtml"


def test_speech_template_through_parse_response() -> None:
    raw = (WWW / SPEECH).read_bytes()
    assert raw.count(b"<html") == 2 and b"<title></title>" in raw
    doc = parse_response(HtmlResponse(url=SPEECH_URL, body=raw, encoding="utf-8"))
    # one tree: lxml alone would make the second shell a second top-level <html>
    assert doc.getnext() is None and doc.find(".//h3") is not None
    item = extract_article(doc, PageContext(SPEECH_URL, SPEECH_URL, NOW))
    assert item.title == "以数字化转型推动制造业高质量发展——在长三角制造业数字化论坛开幕式上的致辞"
    assert item.published_at == "2022-04-26T17:40:00+08:00"
    assert item.source == "新华社" and item.authors == ["新华社"]
    assert len(item.paragraphs) == 5 and item.paragraphs[0] == "各位来宾，女士们、先生们："
    assert item.summary == "在长三角制造业数字化论坛开幕式上的致辞：以数字化转型推动制造业高质量发展。"


def test_speech_stub_redirects_to_xinhua() -> None:
    """hulelan's speech pages: two shells, the h3 title, an empty body and a script redirect."""
    doc = parse_html('<!DOCTYPE html><html><head><title></title></head><body></body></html>\n'
                     '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div class="main">'
                     '<h3>在某论坛上的致辞</h3><div class="time"><span>2022-04-26 17:40:00</span></div>'
                     '<div class="content all-txt"></div></div>'
                     '<script>window.location.href="https://h.xinhuaxmt.com/vh512/share/10712345";</script></body></html>')
    assert redirect_target(doc, SPEECH_URL) == "https://h.xinhuaxmt.com/vh512/share/10712345"
    assert fengwen_redirect(doc) is None
