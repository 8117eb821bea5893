"""Golden test: the reference 头条 article gives the reference post (issue 4).

The expected text is a verbatim copy of shared/reference/guancha-headline-post.md (checked
against the original below when ../shared is present). The only line allowed to differ is
``date``: the old tool wrote Beijing time as GMT; 10:22:31+08:00 is 02:22:31 GMT.

The input body is the reference body as the real page gives it after lxml: no
``referrerpolicy`` (the site has none), compact serialisation. The whitespace variants
are the other shapes real guancha pages come in (tab-indented 2019 markup, a browser
snapshot's deep indentation with CRLF and ``&nbsp;``, and no whitespace at all).
"""
from __future__ import annotations

import re

import pytest

from newsbot.hexo import post_filename, render_post
from tests.hexo_golden import BODY, REFERENCE, reference_article
from tests.shared_data import shared_file

WRONG_DATE = "date: Wed, 27 Apr 2022 10:22:31 GMT"
RIGHT_DATE = "date: Wed, 27 Apr 2022 02:22:31 GMT"


def _tabs(body: str) -> str:
    """2019 markup: ``<p>\\n\\t text\\n</p>`` (every content line starts with a tab)."""
    return "\n".join(line if line.startswith(("<p", "</p")) else "\t" + line for line in body.split("\n"))


def _snapshot(body: str) -> str:
    """Browser snapshot: blocks indented 20 spaces, content 24, CRLF, ``&nbsp;`` entity."""
    out = []
    for line in body.split("\n"):
        indent = 20 if line.startswith(("<p", "</p")) else 24
        out.append(" " * indent + line.replace("\xa0", "&nbsp;"))
    return "\r\n" + "\r\n".join(out) + "\r\n\r\n                "


def _compact(body: str) -> str:
    """No whitespace between or around elements at all."""
    return "".join(line.strip(" ") for line in body.split("\n"))


VARIANTS = {"lxml": lambda b: b, "tabs": _tabs, "snapshot": _snapshot, "compact": _compact}


def expected_lines() -> list[str]:
    text = REFERENCE.read_text(encoding="utf-8")
    assert WRONG_DATE in text.split("\n")
    return [line.rstrip() for line in text.replace(WRONG_DATE, RIGHT_DATE).split("\n")]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_post_equals_reference_line_for_line(variant: str) -> None:
    body = VARIANTS[variant](BODY)
    assert variant == "lxml" or body != BODY
    post = render_post(reference_article(body))
    assert [line.rstrip() for line in post.split("\n")] == expected_lines()


def test_differences_are_trailing_whitespace_only() -> None:
    """Byte for byte, only whitespace-only padding differs (the reference pads `<div>`,
    the blank line before `</div>` and the end of the file with spaces)."""
    post = render_post(reference_article(BODY))
    reference = REFERENCE.read_text(encoding="utf-8").replace(WRONG_DATE, RIGHT_DATE)
    unpadded = re.sub(r"(?m)^(<div>)? +$", lambda m: m[1] or "", reference)
    assert reference.count("\n") == unpadded.count("\n") and len(reference) - len(unpadded) == 3 + 2 + 12
    assert post == unpadded
    assert "</p>\n\n</div>\n" in post and post.startswith("\n---\ntitle: '普京会见古特雷斯")


def test_lines_the_reference_writes_with_care() -> None:
    post = render_post(reference_article(BODY)).split("\n")
    assert post[3] == "categories: "
    assert post[4:7] == [" - 新媒体", " - 观察者网", " - 头条"]
    assert post[10] == RIGHT_DATE
    assert post[15] == ('<img src="https://i.guancha.cn/news/2022/04/27/20220427095811212.jpg" '
                        'width="970px" height="374px" referrerpolicy="no-referrer">')
    assert post[29] == ('<img src="https://i.guancha.cn/news/external/2022/04/27/20220427092854700.jpg" '
                        'title="点击查看大图" width="530" class="bigimg" referrerpolicy="no-referrer"> ')
    assert post[80] == '<span style="color:#666666;">联合国秘书长古特雷斯及其代表团（左）在莫斯科会见俄罗斯外长拉夫罗夫\xa0 图源：联合国新闻</span> '


def test_file_name() -> None:
    assert post_filename(reference_article(BODY)) == "2022-04-27-guancha-636953.md"


def test_copy_matches_shared_reference() -> None:
    shared = shared_file("../reference/guancha-headline-post.md")
    assert REFERENCE.read_bytes() == shared.read_bytes()


def test_through_the_crawls_own_body_extraction() -> None:
    """The body as newsbot's guancha extraction really hands it over (tab-indented page)."""
    from lxml import html

    from newsbot.sites.guancha.body import extract_body

    page = html.fromstring(f'<html><body><div class="content all-txt">\n{_tabs(BODY)}\n'
                           '<div class="content-bottom-ad"><script>ad()</script></div>\n</div></body></html>')
    body = extract_body(page.cssselect("div.content.all-txt")[0], "https://www.guancha.cn/internation/2022_04_27_636953.shtml")
    post = render_post(reference_article(body.html))
    assert [line.rstrip() for line in post.split("\n")] == expected_lines()
