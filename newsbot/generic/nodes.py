"""Text of an element, by compiled XPath: ``element.xpath("string()")`` compiles the
expression on every call and cost twice as much; the link text is one query, not one per link."""
from __future__ import annotations

from lxml import etree

_STRING = etree.XPath("string()")
_LINK_TEXT = etree.XPath(".//a//text()")


def text_of(element: etree._Element) -> str:
    """All the text inside ``element``, in page order.

    >>> text_of(etree.fromstring("<p>a <b>b</b> c</p>"))
    'a b c'
    """
    return str(_STRING(element))


def link_chars(element: etree._Element) -> int:
    """How many characters of ``element``'s text sit inside links.

    >>> link_chars(etree.fromstring('<p>see <a href="/x">this <b>one</b></a> now</p>'))
    8
    """
    return sum(len(part) for part in _LINK_TEXT(element))
