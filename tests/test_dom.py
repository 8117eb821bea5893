"""newsbot.dom: one tree per page, whatever the markup does."""
from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newsbot.dom import parse_response
from newsbot.sites.guancha.body import extract_body

URL = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"


@pytest.mark.parametrize("depth", [3000, 40000])
def test_a_page_nested_past_libxml2s_limit_keeps_all_its_text(depth: int, caplog: pytest.LogCaptureFixture) -> None:
    """libxml2 stops at 2,048 levels and drops the rest of the page; a hostile page that nests
    a teaser that deep must not cost the article that follows it."""
    deep = "<div>" * depth + "广告" + "</div>" * depth
    page = (f'<html><head><title>标题</title></head><body>{deep}<div class="content all-txt">'
            "<p>第一段正文。</p><p>第二段正文。</p></div></body></html>")
    root = parse_response(HtmlResponse(URL, body=page.encode("utf-8"), encoding="utf-8"))
    assert root.findtext("head/title") == "标题"
    body = root.xpath("//div[@class='content all-txt']")
    assert len(body) == 1 and extract_body(body[0], URL).paragraphs == ["第一段正文。", "第二段正文。"]
    assert "广告" in "".join(root.itertext())
    warnings = [r.getMessage() for r in caplog.records if r.name == "newsbot.dom"]
    assert warnings == [f"{URL} nests elements deeper than libxml2's 2,048 levels: elements below level 1000 "
                        "are unwrapped so that no text is lost"]


def test_an_ordinary_page_is_parsed_once_and_quietly(caplog: pytest.LogCaptureFixture) -> None:
    page = "<html><body>" + "<div>" * 500 + "<p>正文</p>" + "</div>" * 500 + "</body></html>"
    root = parse_response(HtmlResponse(URL, body=page.encode("utf-8"), encoding="utf-8"))
    assert len(root.xpath("//div")) == 500 and root.xpath("string(//p)") == "正文"
    assert not [r for r in caplog.records if r.name == "newsbot.dom"]
