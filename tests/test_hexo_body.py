"""The post body: sanitised again, laid out like the reference, safe inside Markdown."""
from __future__ import annotations

from newsbot.hexo import render_post
from newsbot.items import Article, Image

URL = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"


def body_lines(body_html: str, **fields: object) -> list[str]:
    """The lines between ``<div>`` and the blank line before ``</div>``."""
    article = {"url": URL, "title": "t", "published_at": "2022-04-27T10:22:31+08:00", "body_html": body_html, **fields}
    lines = render_post(article).split("\n")
    start = lines.index("<div>")
    assert lines[-3:] == ["", "</div>", ""]
    return lines[start + 1:-3]


def test_scripts_styles_frames_handlers_and_trackers_are_never_copied() -> None:
    lines = body_lines(
        '<p onclick="steal()">正文<script>alert(1)</script><style>p{}</style>继续</p>'
        '<iframe src="https://evil.example/"></iframe><noscript><img src="https://t.example/n.gif"></noscript>'
        '<p><img src="https://hm.baidu.com/hm.gif?x" width="10" height="10">'
        '<img src="https://i.guancha.cn/p.gif" width="1" height="1">'
        '<img src="https://i.guancha.cn/a.jpg" onerror="x()" onload="y()" data-track="z"></p>'
        '<!-- a comment --><form action="/x"><input name="q"></form>'
        '<p><a href="javascript:alert(1)">坏链接</a><a href="/internation/2022_04_26_636893.shtml" target="_blank">好链接</a></p>'
        '<p style="background:url(https://t.example/x.png)">样式</p>'
        '<object data="x.swf"></object><embed src="x.swf"><video src="v.mp4"></video>'
    )
    assert lines == [
        '<p>',
        '正文继续',
        '</p>',
        '<p>',
        '<img src="https://i.guancha.cn/a.jpg" referrerpolicy="no-referrer"> ',
        '</p>',
        '<p>',
        '<a>坏链接</a><a href="https://www.guancha.cn/internation/2022_04_26_636893.shtml" target="_blank">好链接</a> ',
        '</p>',
        '<p>',
        '样式',
        '</p>',
    ]


def test_every_image_gets_referrerpolicy_once_and_lazy_images_their_src() -> None:
    lines = body_lines(
        '<p align="center"><img referrerpolicy="origin" src="//i.guancha.cn/1.jpg" alt="一"></p>'
        '<div><img data-original="/2.jpg"></div><img src="3.jpg">'
    )
    assert lines == [
        '<p align="center">',
        '<img src="https://i.guancha.cn/1.jpg" alt="一" referrerpolicy="no-referrer"> ',
        '</p>',
        '<div>',
        '<img src="https://www.guancha.cn/2.jpg" referrerpolicy="no-referrer"> ',
        '</div>',
        '<img src="https://www.guancha.cn/internation/3.jpg" referrerpolicy="no-referrer"> ',
    ]


def test_unknown_wrappers_are_unwrapped_and_spacers_dropped() -> None:
    lines = body_lines('<section><p>一</p><custom-x>二</custom-x></section><p>&nbsp;</p><p>  </p><p><br></p>')
    assert lines == ["<p>", "一", "</p>", "二", "<p>", "<br> ", "</p>"]


def test_no_blank_line_and_no_template_syntax_reaches_hexo() -> None:
    lines = body_lines(
        "<p>\n\n{{ page.title }} {% raw %} {# c #}\n\n```js\n\n</p>\n\n\n"
        "<pre>line 1\n\nline 3</pre>text between\n\nblocks<h2>小标题</h2>"
    )
    assert lines == [
        "<p>",
        "&#123;&#123; page.title &#125;&#125; &#123;% raw %&#125; &#123;# c #&#125; &#96;&#96;&#96;js",
        "</p>",
        "<pre>",
        "line 1&#10;&#10;line 3",
        "</pre>",
        "text between blocks",
        "<h2>",
        "小标题",
        "</h2>",
    ]
    assert all(line.strip() for line in lines)


def test_each_template_character_alone_is_protected() -> None:
    # A block whose only dangerous character is one of the three, in its start tag or text.
    assert body_lines("<p>a}b</p><p>c`d</p><p title='{x'>中文</p><p>中文无</p>") == [
        "<p>", "a&#125;b", "</p>", "<p>", "c&#96;d", "</p>", '<p title="&#123;x">', "中文", "</p>",
        "<p>", "中文无", "</p>",
    ]


def test_text_is_escaped_and_nbsp_kept() -> None:
    assert body_lines("<p>a &lt;b&gt; &amp; c&nbsp; d</p>") == ["<p>", "a &lt;b&gt; &amp; c\xa0 d", "</p>"]


def test_cover_image_falls_back_to_first_body_image_then_is_left_out() -> None:
    article = Article(url=URL, title="t", published_at="2022-04-27T10:22:31+08:00",
                      images=[Image(url="https://i.guancha.cn/first.jpg")],
                      body_html='<p><img src="https://i.guancha.cn/first.jpg"></p>')
    post = render_post(article)
    assert "headimg: 'https://i.guancha.cn/first.jpg'" in post
    assert "thumbnail: 'https://i.guancha.cn/first.jpg'" in post
    assert post.count("first.jpg") == 3  # headimg, thumbnail, the body image; no lead line
    article.images = []
    assert "headimg: 'https://i.guancha.cn/first.jpg'" in render_post(article)  # from the body
    article.body_html = "<p>无图</p>"
    assert "headimg" not in render_post(article) and "thumbnail" not in render_post(article)


def test_lead_image_not_repeated_when_it_is_the_first_body_image() -> None:
    lines = body_lines('<p><img src="https://i.guancha.cn/a.jpg"></p>',
                       lead_image={"url": "https://i.guancha.cn/a.jpg", "width": 970, "height": 374})
    assert lines == ["<p>", '<img src="https://i.guancha.cn/a.jpg" referrerpolicy="no-referrer"> ', "</p>"]
    lines = body_lines("<p>x</p>", lead_image={"url": "https://i.guancha.cn/l.jpg?a=1&b=2", "width": None})
    assert lines[0] == '<img src="https://i.guancha.cn/l.jpg?a=1&amp;b=2" referrerpolicy="no-referrer">'
    assert body_lines("<p>x</p>", lead_image={"url": "javascript:alert(1)"}) == ["<p>", "x", "</p>"]


def test_author_falls_back_to_source_then_source_name() -> None:
    base = {"url": URL, "title": "t", "published_at": "2022-04-27T10:22:31+08:00"}
    assert "\nauthor: 王文\n" in render_post({**base, "authors": ["王文"], "source": "观察者网"})
    assert "\nauthor: 中新网\n" in render_post({**base, "authors": [], "source": "中新网"})
    assert "\nauthor: 观察者网\n" in render_post({**base, "authors": [" "], "source_name": "观察者网"})
    assert "\nauthor:" not in render_post(base)


def test_item_and_dict_give_the_same_post() -> None:
    article = Article(url=URL, title="标题", published_at="2022-04-27T10:22:31+08:00", authors=["甲"],
                      lead_image=Image(url="https://i.guancha.cn/l.jpg", width=970, height=374),
                      body_html="<p>正文</p>")
    as_dict = {**article.__dict__, "lead_image": dict(article.lead_image.__dict__)}
    assert render_post(article) == render_post(as_dict)
