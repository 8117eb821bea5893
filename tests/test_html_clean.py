"""newsbot.html_clean: body fragments made safe to store and republish (values written by hand)."""
from __future__ import annotations

from newsbot.dom import first, parse_html
from newsbot.html_clean import clean_fragment, inner_html

BASE = "https://www.guancha.cn/internation/2022_04_26_636893.shtml"


def cleaned(fragment: str, *drop: str) -> str:
    page = parse_html(f"<html><body><div id='body'>{fragment}</div>after</body></html>")
    element = first(page, "div#body")
    assert element is not None
    return inner_html(clean_fragment(element, BASE, drop)).strip()


def test_scripts_styles_comments_and_forms_go_their_tail_text_stays() -> None:
    assert cleaned("<p>正文<script>alert(1)</script>继续<!-- 广告 -->完<style>p{}</style></p><form><input></form>") == \
        "<p>正文继续完</p>"


def test_event_handlers_and_script_urls_go() -> None:
    assert cleaned('<p onclick="steal()" ONMOUSEOVER="x()">文</p><a href=" javascript:alert(1)">坏</a>'
                   '<img src="data:image/gif;base64,R0lG" data-src="/a.jpg">') == \
        '<p>文</p><a>坏</a><img data-src="https://www.guancha.cn/a.jpg">'


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
