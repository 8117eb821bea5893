"""newsbot.html_clean: body fragments made safe to store and republish (values written by hand)."""
from __future__ import annotations

import pytest

from newsbot.dom import first, parse_html
from newsbot.html_clean import clean_fragment, inner_html
from newsbot.items import Image
from newsbot.sites.guancha.body import extract_body

BASE = "https://www.guancha.cn/internation/2022_04_26_636893.shtml"


def cleaned(fragment: str, *drop: str) -> str:
    page = parse_html(f"<html><body><div id='body'>{fragment}</div>after</body></html>")
    element = first(page, "div#body")
    assert element is not None
    return inner_html(clean_fragment(element, BASE, drop)).strip()


def test_scripts_styles_comments_and_forms_go_their_tail_text_stays() -> None:
    assert cleaned("<p>正文<script>alert(1)</script>继续<!-- 广告 -->完<style>p{}</style></p><form><input></form>") == \
        "<p>正文继续完</p>"


def test_event_handlers_and_script_urls_go_a_lazy_image_keeps_its_real_address() -> None:
    assert cleaned('<p onclick="steal()" ONMOUSEOVER="x()">文</p><a href=" javascript:alert(1)">坏</a>'
                   '<img src="data:image/gif;base64,R0lG" data-src="/a.jpg">') == \
        '<p>文</p><a>坏</a><img src="https://www.guancha.cn/a.jpg">'


def test_links_and_images_become_absolute_against_the_article() -> None:
    assert cleaned('<a href="/politics/2022_04_26_636899.shtml">链接</a><img src="//i.guancha.cn/a.jpg">') == \
        '<a href="https://www.guancha.cn/politics/2022_04_26_636899.shtml">链接</a>' \
        '<img src="https://i.guancha.cn/a.jpg">'


def test_tracking_pixels_and_images_without_address_go() -> None:
    assert cleaned('<p>文<img src="/t.gif" width="1" height="1px"><img alt="空"><img src="/b.jpg" width="1"></p>') == \
        '<p>文<img src="https://www.guancha.cn/b.jpg" width="1"></p>'


def test_whitespace_folds_outside_pre_and_no_break_spaces_stay() -> None:
    assert cleaned("<p>\n\t\u3000\u3000第一段\n <b> 加粗 </b>\n</p><p>图\xa0\xa0说明</p><pre>a\n\n  b</pre>\n\n") == \
        "<p> 第一段 <b> 加粗 </b> </p><p>图\xa0\xa0说明</p><pre>a\n\n  b</pre>"


def test_text_before_the_first_child_is_escaped_like_the_rest() -> None:
    assert cleaned("AT&amp;T 称 1 &lt; 2<p>正文 &lt;注&gt;</p>") == "AT&amp;T 称 1 &lt; 2<p>正文 &lt;注&gt;</p>"


def test_dropped_selectors_and_the_original_is_left_alone() -> None:
    page = parse_html("<div id='body'><p>正文</p><div class='share x'>分享</div><p>尾</p></div>")
    element = first(page, "div#body")
    assert element is not None
    assert inner_html(clean_fragment(element, BASE, ("div.share",))).strip() == "<p>正文</p><p>尾</p>"
    assert first(page, "div.share") is not None


# Issue 18, point 5: each of these survived the cleaner and was stored in body_html.
@pytest.mark.parametrize(("fragment", "expected"), [
    ('<p>前<svg><a xlink:href="javascript:alert(1)"><text>点我</text></a></svg>后</p>', "<p>前后</p>"),
    ('<base href="https://evil.example/"><p><a href="x.shtml">链</a></p>',
     '<p><a href="https://www.guancha.cn/internation/x.shtml">链</a></p>'),
    ('<p><math><maction actiontype="statusline" xlink:href="javascript:alert(1)">公式</maction></math>文</p>'
     '<math href="javascript:alert(2)"><mi>x</mi></math>', "<p>文</p>"),
    ('<p><a href="https://www.guancha.cn/a.shtml" ping="https://track.example/p">链</a></p>',
     '<p><a href="https://www.guancha.cn/a.shtml">链</a></p>'),
    ('<p><img src="https://i.guancha.cn/a.jpg" srcset="javascript:alert(1) 1x"></p>',
     '<p><img src="https://i.guancha.cn/a.jpg"></p>'),
    ('<p style="background:url(javascript:alert(1))">样</p><span style="color:red">红</span>',
     '<p>样</p><span style="color:red">红</span>'),
], ids=["svg-xlink-href", "base-href", "mathml-link", "ping", "srcset-javascript", "style-url-javascript"])
def test_the_payloads_of_issue_18_are_gone(fragment: str, expected: str) -> None:
    assert cleaned(fragment) == expected


def test_handlers_scripts_and_disguised_script_urls_are_gone() -> None:
    assert cleaned('<p><img src="https://i.guancha.cn/a.jpg" onerror="alert(1)" OnLoad="x()"></p>'
                   '<p>文<script>alert(1)</script><SCRIPT src="https://evil.example/x.js"></SCRIPT>尾</p>'
                   '<a href="JaVaScRiPt:alert(1)">一</a><a href=" &#106;ava&#x53;cript:alert(2)">二</a>'
                   '<a href="java&#x09;script:alert(3)">三</a><a href="\njavascript:alert(4)">四</a>'
                   '<a href="vbscript:x">五</a><a href="mailto:a@example.org">六</a>'
                   '<img src="DATA:image/png;base64,AA" alt="图">') == \
        '<p><img src="https://i.guancha.cn/a.jpg"></p><p>文尾</p>' \
        '<a>一</a><a>二</a><a>三</a><a>四</a><a>五</a><a>六</a>'


def test_unknown_wrappers_give_way_to_their_content() -> None:
    assert cleaned("<section><article><p>甲</p></article>乙<custom>丙</custom></section>") == "<p>甲</p>乙丙"


# Issue 18, point 2: lxml refused these characters and the whole article was lost.
CONTROLS = ('<p>一\x01二\x08三\x0b四\x1f五</p>'
            '<p><a href="/politics/2022_04_26\x01_636899.shtml\x1f" title="标\x08题">链\x0b接</a></p>'
            '<p align="center"><img src="//i.guancha.cn/\x08a.jpg\x0b" alt="图\x01"></p>'
            '<p align="center">图\x1f说</p><pre>a\x01\n b</pre>')


def test_control_characters_are_dropped_from_text_and_attributes() -> None:
    assert cleaned(CONTROLS) == \
        '<p>一二三四五</p>' \
        '<p><a href="https://www.guancha.cn/politics/2022_04_26_636899.shtml" title="标题">链接</a></p>' \
        '<p align="center"><img src="https://i.guancha.cn/a.jpg" alt="图"></p>' \
        '<p align="center">图说</p><pre>a\n b</pre>'


def test_an_article_body_with_control_characters_is_kept() -> None:
    page = parse_html(f"<html><body><div id='body'>{CONTROLS}</div></body></html>")
    body = extract_body(first(page, "div#body"), BASE)
    assert body.paragraphs == ["一二三四五", "链接"]
    assert body.images == [Image("https://i.guancha.cn/a.jpg", alt="图", caption="图说", index=2)]
    assert body.html.startswith('<p>一二三四五</p><p><a href="https://www.guancha.cn/politics/2022_04_26_636899.shtml"')
