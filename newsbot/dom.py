"""Parsed pages and compiled queries on them, for article extraction.

Article extraction works on a plain lxml tree rather than through parsel: a parsel call
wraps every match in a new Selector and builds a fresh XPath evaluator, and
``response.selector`` re-reads the decoded text before parsing it. On a 20 KiB article
page that overhead cost more than the parse itself. Each CSS expression is translated to
XPath once, when it is first used.
"""
from __future__ import annotations

import codecs
import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from lxml import etree
from lxml.cssselect import CSSSelector

from newsbot.text import normalise_ws

if TYPE_CHECKING:
    from scrapy.http import TextResponse

# libxml2 (2.14) ends the <html> element at the first </html>: markup after it becomes a
# second top-level <html>, outside the tree every query here starts from.
logger = logging.getLogger(__name__)
_END_TAGS = re.compile(rb"</(?:html|body)\s*>", re.IGNORECASE)
# Deep-nested pages (see _parse): how deep elements are kept, and what a tag looks like.
MAX_DEPTH = 1000
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*>")
_VOID = {b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta", b"param",
         b"source", b"track", b"wbr"}


def parse_html(markup: str | bytes, url: str = "a page") -> etree._Element:
    """The ``<html>`` element of a page, from its text or its UTF-8 bytes. Broken markup
    is repaired, invalid UTF-8 becomes U+FFFD, NUL characters are dropped (as Scrapy's
    selectors drop them), and a page without any element is an empty document.

    >>> page = parse_html("<title>观察者网</title><p>一\\x00二")
    >>> page.tag, page.findtext("head/title"), page.findtext("body/p")
    ('html', '观察者网', '一二')
    >>> parse_html("<p>观察者网</p>".encode()).findtext("body/p"), parse_html(b"<p>a\\xffb").findtext("body/p")
    ('观察者网', 'a\ufffdb')
    >>> parse_html("  ").tag, parse_html("<!-- only a comment -->").tag
    ('html', 'html')

    Markup after the first ``</html>`` (a page made of two ``<html>`` shells) stays in the one
    tree, as a browser keeps it: the ``</body>`` and ``</html>`` end tags are dropped first.

    >>> two = parse_html("<html><head><title></title></head><body></body></html><html><body><h3>标题</h3>")
    >>> two.findtext("body/h3")
    '标题'
    """
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    root = _parse(data, url)
    if any(isinstance(node.tag, str) for node in root.itersiblings()):
        # Rare, so it costs a second parse rather than a search of every page's bytes.
        root = _parse(_END_TAGS.sub(b"", data), url)
    return root


def _parse(data: bytes, url: str) -> etree._Element:
    # A parser is cheap to make, and one parser must not serve two threads at once. Plain
    # etree elements: lxml.html's element classes cost a Python call per element touched.
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)
    root = None if not data or data.isspace() else etree.fromstring(data, parser)
    if any("Excessive depth" in error.message for error in parser.error_log):
        # libxml2 stops at 2,048 levels and drops the rest of the page, text after the deep
        # part included. No news page nests that deep; a hostile or broken one does.
        logger.warning("%s nests elements deeper than libxml2's 2,048 levels: elements below "
                       "level %d are unwrapped so that no text is lost", url, MAX_DEPTH)
        parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)
        root = etree.fromstring(flatten(data), parser)
    return root if root is not None else etree.fromstring(b"<html></html>", parser)


def flatten(data: bytes, limit: int = 0) -> bytes:
    """``data`` without the start and end tags of elements nested below ``limit`` levels
    (default MAX_DEPTH); their text and their void elements stay, in order.

    >>> flatten(b"<div><div><div><p>x</p></div></div></div><br>tail", limit=2)
    b'<div><div>x</div></div><br>tail'
    """
    limit = limit or MAX_DEPTH
    depth, out, last = 0, [], 0
    for tag in _TAG.finditer(data):
        name, closing = tag.group(2).lower(), tag.group(1) == b"/"
        if name in _VOID or tag.group(0).endswith(b"/>"):
            continue
        if closing:
            drop = depth > limit
            depth = max(depth - 1, 0)
        else:
            depth += 1
            drop = depth > limit
        if drop:
            out.append(data[last:tag.start()])
            last = tag.end()
    out.append(data[last:])
    return b"".join(out)


def parse_response(response: TextResponse) -> etree._Element:
    """The tree of a downloaded page. UTF-8 bytes go to the parser as they are: decoding
    them to ``response.text`` first, only for the parser to encode them again, cost 2-5%
    of an article's extraction. Pages in other encodings are decoded by Scrapy.
    """
    if _is_utf8(response.encoding):
        return parse_html(response.body, response.url)
    return parse_html(response.text, response.url)


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


@lru_cache(maxsize=256)
def css(expr: str) -> CSSSelector:
    """``expr`` compiled (CSS with HTML semantics), relative to the node it is applied to."""
    return CSSSelector(expr, translator="html")


def select(node: etree._Element, expr: str) -> list[etree._Element]:
    """Every element under ``node`` (itself included) matching the CSS ``expr``, in page order."""
    return css(expr)(node)


def first(node: etree._Element, expr: str) -> etree._Element | None:
    """The first element matching ``expr``, or None.

    >>> from lxml.html import fromstring
    >>> page = fromstring('<div><p class="a">one</p><p class="a">two</p></div>')
    >>> first(page, "p.a").text, first(page, "p.b")
    ('one', None)
    """
    found = select(node, expr)
    return found[0] if found else None


def text(node: etree._Element) -> str:
    """All text under ``node``, comments excluded, whitespace-normalised.

    >>> from lxml.html import fromstring
    >>> text(fromstring('<p> 观察者网 <!-- x --><b>头条</b>\\n</p>'))
    '观察者网 头条'
    """
    return normalise_ws("".join(node.itertext()))


def texts(node: etree._Element, expr: str) -> list[str]:
    """The text of every element matching ``expr``, empty ones left out.

    >>> from lxml.html import fromstring
    >>> texts(fromstring('<ul><li> a </li><li> </li><li>b<i>c</i></li></ul>'), "li")
    ['a', 'bc']
    """
    return [value for value in map(text, select(node, expr)) if value]
