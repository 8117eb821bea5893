"""Which other pages an article page points the crawl to: its further pages (a pager) or,
for a stub with no text, the page a script sends the browser to.

A long article is split into ``…_ID.shtml`` (page 1), ``…_ID_2.shtml`` … and ``…_ID_s.shtml``,
which holds the whole text (the 余下全文 link). In 2026 ``_s`` exists only for such articles.
Many 2026 pages are stubs: an empty ``div.content.all-txt`` and a script redirect, mostly to
a 风闻 post (user.guancha.cn/main/content?id=N), sometimes to news.cctv.com or h.xinhuaxmt.com.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from newsbot.dom import first, select, text
from newsbot.html_clean import is_tracker
from newsbot.sites.guancha.urls import is_full_text_url

BODY = "div.content.all-txt"
PAGER = "#select_page, .module-page"
FULL_TEXT_LABEL = "余下全文"
FULL_TEXT_LINKS = etree.XPath("//a[contains(string(.), $label)]")
# location.href = '…' / window.location = "…" / location.replace('…') / location.assign('…')
_SCRIPT_TARGET = re.compile(
    r"""\blocation(?:\.href)?\s*=\s*(["'])(?P<assigned>[^"']+)\1"""
    r"""|\blocation\.(?:replace|assign)\(\s*(["'])(?P<called>[^"']+)\3\s*\)"""
)
_REFRESH_URL = re.compile(r"""url\s*=\s*["']?(?P<url>[^"'\s;]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Pager:
    """What a page's pager offers: the whole-text page and pages 2..N (absolute URLs)."""

    full_text: str | None = None
    pages: list[str] = field(default_factory=list)


def link_target(a: etree._Element, base_url: str) -> str | None:
    """Where a link goes: its ``href``, or the ``location.href='…'`` of its ``onclick``
    (the pager's 下一页 and 余下全文 have only that), as an absolute URL.

    >>> from lxml.html import fragment_fromstring as f
    >>> link_target(f('<a onclick="javascript:location.href=\\'/A/2022_04_26_1_s.shtml\\';">余下全文</a>'), "https://www.guancha.cn/A/2022_04_26_1.shtml")
    'https://www.guancha.cn/A/2022_04_26_1_s.shtml'
    >>> link_target(f('<a href="javascript:;">x</a>'), "https://www.guancha.cn/"), link_target(f('<span>1</span>'), "https://www.guancha.cn/")
    (None, None)
    """
    href = (a.get("href") or "").strip()
    if href and not href.startswith(("#", "javascript:")):
        return urljoin(base_url, href)
    match = _SCRIPT_TARGET.search(a.get("onclick") or "")
    if match:
        return urljoin(base_url, match["assigned"] or match["called"])
    return None


def pager(page: etree._Element, base_url: str) -> Pager | None:
    """The page's pager (``div#select_page``, ``.module-page`` or a 余下全文 link), None when it
    shows none. ``pages`` are the numbered links to pages 2..N in page order, without the page
    at ``base_url``; ``full_text`` is the 余下全文 (``_s.shtml``) target.
    """
    blocks = select(page, PAGER)
    links = [a for block in blocks for a in block.iter("a")]
    links += [a for a in FULL_TEXT_LINKS(page, label=FULL_TEXT_LABEL) if a not in links]
    if not blocks and not links:
        return None
    full_text = None
    numbered: dict[str, int] = {}
    here = _without_fragment(base_url)
    for a in links:
        target = link_target(a, base_url)
        label = text(a)
        if target is None:
            continue
        if full_text is None and (FULL_TEXT_LABEL in label or is_full_text_url(target)):
            full_text = target
        elif label.isdigit() and int(label) > 1 and _without_fragment(target) != here:
            numbered.setdefault(target, int(label))
    return Pager(full_text, sorted(numbered, key=numbered.__getitem__))


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def is_empty_body(body: etree._Element | None) -> bool:
    """No body element, or one holding neither text nor a real picture."""
    if body is None:
        return True
    return not text(body) and all(is_tracker(img) for img in body.iter("img"))


def redirect_target(page: etree._Element, base_url: str) -> str | None:
    """Where a stub page sends the reader, as an absolute URL: the target of a script
    redirect (``location.href = …``, ``location.replace(…)``) or of a
    ``<meta http-equiv="refresh">``, but only when the page has no article text (its body
    is absent, or present and empty). None for an article, whatever its scripts say.
    """
    if not is_empty_body(first(page, BODY)):
        return None
    for node in page.iter("script", "meta"):
        if node.tag == "meta":
            if (node.get("http-equiv") or "").strip().lower() == "refresh":
                match = _REFRESH_URL.search(node.get("content") or "")
                if match:
                    return urljoin(base_url, match["url"])
            continue
        match = _SCRIPT_TARGET.search(node.text or "")
        if match:
            return urljoin(base_url, match["assigned"] or match["called"])
    return None


# An article page has its wrapper or its body; the home page and the channel lists have
# neither, and many teaser headings (175 on the 2020 home page, 9 on the sample site's).
WRAPPERS = ("li.left-main", "div.left-main", BODY)
TEASERS = "h4.module-title, .headline-list li"
MIN_TEASERS = 5


def is_list_page(page: etree._Element) -> bool:
    """True when a page fetched as an article is the home page or a list instead (the
    2026 site answers some unknown paths with its home page and a 200, not a 302).

    >>> from newsbot.dom import parse_html
    >>> is_list_page(parse_html("<ul>" + "<li><h4 class='module-title'><a>t</a></h4></li>" * 6 + "</ul>"))
    True
    >>> is_list_page(parse_html("<ul class='two-coloum'><li class='left left-main'><h3>t</h3>"
    ...                         + "<h4 class='module-title'>x</h4>" * 20 + "</li></ul>"))
    False
    """
    if any(first(page, expr) is not None for expr in WRAPPERS):
        return False
    return len(select(page, TEASERS)) >= MIN_TEASERS
