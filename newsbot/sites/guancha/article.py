"""guancha.cn article pages (www): one page in, one Article out. See guancha-site.md."""
from __future__ import annotations

import re

from lxml import etree

from newsbot.dom import first, select, text, texts
from newsbot.items import Article
from newsbot.loaders import ArticleLoader
from newsbot.sites.guancha.context import SOURCE_NAME, PageContext, load_body, start_loader
from newsbot.text import normalise_ws

BYLINE = re.compile(r"^【文\s*/\s*(?P<who>[^】]+)】")
NOT_NAMES = ("编译", "整理", "翻译")
FENGWEN_REDIRECT = re.compile(r"user\.guancha\.cn/main/content\?id=(\d+)\"")
BODY = "div.content.all-txt"


def byline_authors(first_paragraph: str | None) -> list[str]:
    """Authors named by a ``【文/…】`` byline.

    >>> byline_authors("【文/观察者网专栏作者 王文】")
    ['王文']
    >>> byline_authors("【文/ 观察者网 齐倩 编译】"), byline_authors("【文/张三、李四】")
    (['齐倩'], ['张三', '李四'])
    >>> byline_authors("正文第一段")
    []
    """
    match = BYLINE.match(first_paragraph or "")
    if not match:
        return []
    tokens = [t for t in match["who"].split() if not t.startswith(SOURCE_NAME) and t not in NOT_NAMES]
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


def fengwen_redirect(page: etree._Element) -> str | None:
    """The 风闻 post id when the page is only a script redirect stub."""
    if first(page, BODY) is not None:
        return None
    for script in page.iter("script"):
        match = FENGWEN_REDIRECT.search(script.text or "")
        if match:
            return match.group(1)
    return None


def extract_article(page: etree._Element, ctx: PageContext) -> Article:
    """The article on a www page (``page``: its parsed tree, see :func:`newsbot.dom.parse_response`)."""
    # Everything but the meta description sits in the left column, under half of the
    # page's elements: the queries below search only that.
    main = first(page, "li.left-main")
    scope = page if main is None else main
    loader = ArticleLoader()
    start_loader(loader, ctx)

    loader.add_value("title", [text(h3) for h3 in main.iterchildren("h3")] if main is not None else [])
    time_blocks = select(scope, "div.time.fix")
    spans = texts(time_blocks[0], "span") if time_blocks else []
    if spans:
        loader.add_value("published_at", spans[0])
    for block in time_blocks[1:]:
        value = text(block)
        if "最后更新" in value:
            loader.add_value("updated_at", value)
    source = source_of(spans) or SOURCE_NAME
    loader.add_value("source", source)

    loader.add_value("tags", texts(scope, "div.key-word a"))
    body = load_body(loader, page, first(scope, BODY), ctx)

    authors = texts(scope, "div.author-intro p > a") or byline_authors(body.paragraphs[0] if body.paragraphs else None)
    loader.add_value("authors", authors or [source])
    return loader.load_item()
