"""guancha.cn article pages (www): one article out of its page(s). See guancha-site.md and
guancha-2026.md (the 2026 wrapper ``div.left-main`` and time block ``div.time``)."""
from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from newsbot.dom import first, select, text, texts
from newsbot.items import Article
from newsbot.loaders import ArticleLoader
from newsbot.sites.guancha.body import extract_body
from newsbot.sites.guancha.pages import BODY, redirect_target
from newsbot.sites.guancha.urls import REAL, post_id
from newsbot.sites.page import Body, PageContext, add_body, joined, load_summary, start_loader
from newsbot.text import normalise_ws

SOURCE_NAME = "观察者网"

# 【文/…】, and since about 2022 also （文/…） in full-width (or ASCII) parentheses
BYLINE = re.compile(r"^(?:【文\s*/\s*(?P<square>[^】]+)】|[（(]文\s*/\s*(?P<round>[^）)]+)[）)])")
# "A 译/观察者网 B": what follows 译/ names the translator, who is no author
TRANSLATOR = re.compile(r"\s*(?:翻译|编译|译者|译)\s*/.*$")
NOT_NAMES = ("编译", "整理", "翻译")
# 2019-2022 pages, then the 2026 shape; one at a time: a selector group costs four times as much
MAINS = ("li.left-main", "div.left-main")
TIME_BLOCK = "div.time"
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?")
UPDATED_LABEL = "最后更新"
PRECEDING_H3 = etree.XPath("preceding::h3[1]")
# What each required field is looked for with, for the health check and `scrapy doctor`.
FIELD_SELECTORS = {
    "title": "li.left-main > h3, div.left-main > h3 (or the h3 before the body)",
    "published_at": f"the first span of the first {TIME_BLOCK} in the wrapper",
    "paragraphs": f"{BODY} > p",
}


def byline_authors(first_paragraph: str | None) -> list[str]:
    """Authors named by a ``【文/…】`` or ``（文/…）`` byline; a translator credit is left out.

    >>> byline_authors("【文/观察者网专栏作者 王文】")
    ['王文']
    >>> byline_authors("【文/ 观察者网 齐倩 编译】"), byline_authors("【文/张三、李四】")
    (['齐倩'], ['张三', '李四'])
    >>> byline_authors("（文/观察者网 郭光昊）"), byline_authors("(文/观察者网 郭光昊)")
    (['郭光昊'], ['郭光昊'])
    >>> byline_authors("【文/弗朗茲-斯坦凡·蓋蒂 译/观察者网 由冠群】")
    ['弗朗茲-斯坦凡·蓋蒂']
    >>> byline_authors("正文第一段"), byline_authors("（图/观察者网 郭光昊）")
    ([], [])
    >>> byline_authors("评论指出（文/观察者网 郭光昊）")
    []
    """
    match = BYLINE.match(first_paragraph or "")
    if not match:
        return []
    who = TRANSLATOR.sub("", match["square"] or match["round"])
    tokens = [t for t in who.split() if not t.startswith(SOURCE_NAME) and t not in NOT_NAMES]
    return [name for token in tokens for name in token.split("、") if name]


def source_of(spans: list[str]) -> str | None:
    """The publisher named in the ``来源：X`` span.

    >>> source_of(["2019-09-07 15:10:53", "字号：A- A A+", "来源：EETOP"])
    'EETOP'
    """
    for span in spans:
        if "来源" in span:
            value = re.split(r"[：:]", span, maxsplit=1)[-1]
            return normalise_ws(value) or None
    return None


def first_datetime(values: list[str]) -> str | None:
    """The first ``YYYY-MM-DD HH:MM[:SS]`` among ``values``.

    >>> first_datetime(["作者：王文", "2022-04-26 16:25:30", "来源：观察者网"])
    '2022-04-26 16:25:30'
    >>> first_datetime(["最后更新: 2022-04-26 17:02:44"]), first_datetime(["来源：观察者网"])
    ('2022-04-26 17:02:44', None)
    """
    for value in values:
        match = DATETIME.search(value)
        if match:
            return match.group(0)
    return None


def fengwen_redirect(page: etree._Element) -> str | None:
    """The 风闻 post id when the page is only a script redirect stub to one (see
    :func:`newsbot.sites.guancha.pages.redirect_target`, which also gives other targets)."""
    target = redirect_target(page, f"{REAL['www']}/")
    return post_id(target) if target is not None else None


def main_of(page: etree._Element) -> etree._Element | None:
    """The article's wrapper: ``li.left-main`` (2019-2022) or ``div.left-main`` (2026)."""
    for expr in MAINS:
        found = first(page, expr)
        if found is not None:
            return found
    return None


def title_of(main: etree._Element | None, body: etree._Element | None) -> list[str]:
    """The ``h3`` heading the article wrapper; without one (the "speech" template of two
    ``<html>`` shells has no wrapper) the last ``h3`` before the body."""
    if main is not None:
        titles = [text(h3) for h3 in main.iterchildren("h3")]
        if any(titles):
            return titles
    return [text(h3) for h3 in PRECEDING_H3(body)] if body is not None else []


def extract_article(page: etree._Element, ctx: PageContext, more_pages: Sequence[etree._Element] = ()) -> Article:
    """The article on a www page (``page``: its parsed tree, see :func:`newsbot.dom.parse_response`).

    ``more_pages`` are the article's pages 2..N, in order, when the spider fetched them
    rather than the ``_s`` page: their bodies follow page 1's. Everything else comes from page 1.
    """
    # Everything but the meta description sits in the left column, under half of the
    # page's elements: the queries below search only that.
    main = main_of(page)
    scope = page if main is None else main
    body_element = _body_element(page, main)
    loader = ArticleLoader()
    start_loader(loader, ctx)

    loader.add_value("title", title_of(main, body_element))
    time_blocks = select(scope, TIME_BLOCK)
    spans = texts(time_blocks[0], "span") if time_blocks else []
    loader.add_value("published_at", first_datetime(spans))
    for block in time_blocks[1:]:
        value = text(block)
        if UPDATED_LABEL in value:
            loader.add_value("updated_at", first_datetime([value]))
    source = source_of(spans) or SOURCE_NAME
    loader.add_value("source", source)
    loader.add_value("tags", texts(scope, "div.key-word a"))

    load_summary(loader, page)
    body = joined([extract_body(body_element, ctx.canonical)] + [_body_of(more, ctx) for more in more_pages])
    add_body(loader, body)

    authors = texts(scope, "div.author-intro p > a") or byline_authors(body.paragraphs[0] if body.paragraphs else None)
    loader.add_value("authors", authors or [source])
    return loader.load_item()


def _body_element(page: etree._Element, main: etree._Element | None) -> etree._Element | None:
    """The body inside the article wrapper, else anywhere on the page."""
    found = first(main, BODY) if main is not None else None
    return found if found is not None else first(page, BODY)


def _body_of(page: etree._Element, ctx: PageContext) -> Body:
    return extract_body(_body_element(page, main_of(page)), ctx.canonical)
