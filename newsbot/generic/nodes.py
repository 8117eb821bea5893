"""Text of an element, by compiled XPath: ``element.xpath("string()")`` compiles the
expression on every call and cost twice as much; the link text is one query, not one per link."""
from __future__ import annotations

from typing import Literal

from lxml import etree

_STRING = etree.XPath("string()")
_LINK_TEXT = etree.XPath(".//a//text()")


def text_of(element: etree._Element) -> str:
    """All the text inside ``element``, in page order.

    >>> text_of(etree.fromstring("<p>a <b>b</b> c</p>")), text_of(etree.fromstring("<p>a</p>"))
    ('a b c', 'a')
    """
    if not len(element):
        return element.text or ""  # text only (a fifth of the paragraphs): no XPath call
    return str(_STRING(element))


def own_text(element: etree._Element) -> str:
    """Text directly inside ``element``, not in its child elements.

    >>> own_text(etree.fromstring("<div>a<p>b</p>c<br/>d</div>"))
    'acd'
    """
    if not len(element):
        return element.text or ""
    parts = [element.text or ""]
    parts.extend(child.tail or "" for child in element)
    return "".join(parts)


def link_chars(element: etree._Element) -> int:
    """How many characters of ``element``'s text sit inside links.

    >>> link_chars(etree.fromstring('<p>see <a href="/x">this <b>one</b></a> now</p>'))
    8
    """
    if next(element.iter("a"), None) is None:
        return 0  # most paragraphs have no link: a walk in C rather than an XPath query
    return sum(len(part) for part in _LINK_TEXT(element))


NOT_TEXT = frozenset({"script", "style"})
_EVENTS: tuple[Literal["start", "end", "comment", "pi"], ...] = ("start", "end", "comment", "pi")


def _collect(element: etree._Element, found: list[str], budget: list[int], with_tail: bool) -> None:
    """Append to ``found`` the readable text nodes of ``element`` (and of its tail), in page
    order, while ``budget[0]`` text nodes, readable or not, are left to count."""
    for event, node in etree.iterwalk(element, events=_EVENTS):
        if event == "start":
            text = node.text
            if text:
                budget[0] -= 1
                if node.tag not in NOT_TEXT:
                    found.append(text)
        else:
            if node is element and not with_tail:
                continue
            text = node.tail
            if text:
                budget[0] -= 1
                found.append(text)
        if budget[0] <= 0:
            return


def texts_after(element: etree._Element, limit: int) -> list[str]:
    """The text nodes that follow ``element`` in page order (XPath's ``following::text()``),
    the first ``limit`` of them, scripts' and styles' insides then left out.

    The XPath ``(following::text())[position() <= $limit]`` gathered every text node to the
    end of the page before cutting: a walk that stops costs a fraction.

    >>> page = etree.fromstring("<div><h1>t</h1>a<!--c-->b<p>x<script>s</script>y</p>z</div>")
    >>> texts_after(page[0], 10), texts_after(page[0], 4)
    (['a', 'b', 'x', 'y', 'z'], ['a', 'b', 'x'])
    >>> texts_after(page[2][0], 10)
    ['y', 'z']
    """
    found: list[str] = []
    budget = [limit]
    node: etree._Element | None = element
    while node is not None and budget[0] > 0:
        tail = node.tail
        if tail:
            budget[0] -= 1
            found.append(tail)
        for sibling in node.itersiblings():
            if budget[0] <= 0:
                break
            if isinstance(sibling.tag, str):
                _collect(sibling, found, budget, with_tail=True)
            elif sibling.tail:  # a comment: only its tail is page text
                budget[0] -= 1
                found.append(sibling.tail)
        node = node.getparent()
    return found


def texts_in(element: etree._Element, limit: int) -> list[str]:
    """The first ``limit`` text nodes inside ``element`` (``.//text()``), scripts' and styles'
    insides then left out.

    >>> texts_in(etree.fromstring("<body>a<p>b<style>s</style>c</p>d</body>"), 3)
    ['a', 'b']
    """
    found: list[str] = []
    if limit > 0:
        _collect(element, found, [limit], with_tail=False)
    return found
