"""Make an article body fragment safe to store and republish.

Removes scripts, styles, frames, forms, HTML comments, inline event handlers, javascript:
links and tracking pixels; makes every link and image URL absolute against the article's
real URL (never a mirror's); folds runs of whitespace (full-width indents included) into one
space (no-break spaces kept), outside <pre>. Works on a copy of an lxml element.
"""
from __future__ import annotations

import copy
from html import escape
from urllib.parse import urljoin

from lxml import etree

from newsbot.dom import select
from newsbot.text import fold_ws

DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "input", "button", "link", "meta")
URL_ATTRS = ("href", "src", "data-original", "data-src")
LAZY_SRC = ("src", "data-original", "data-src")
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")


def image_src(img: etree._Element) -> str | None:
    """The picture's own URL: ``src``, or the lazy-loading attribute when ``src`` is absent."""
    for attr in LAZY_SRC:
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return None


def is_pixel(img: etree._Element) -> bool:
    """A 1x1 (or 0x0) image: a tracking pixel.

    >>> from lxml.html import fragment_fromstring as f
    >>> is_pixel(f('<img width="1" height="1px">')), is_pixel(f('<img width="1">')), is_pixel(f('<img>'))
    (True, False, False)
    """
    size = {(img.get(a) or "").strip().lower().removesuffix("px") for a in ("width", "height")}
    return size <= {"0", "1"}


def is_tracker(img: etree._Element) -> bool:
    """1x1 pixels and images without any address are trackers or decoration, not content."""
    return image_src(img) is None or is_pixel(img)


def clean_fragment(element: etree._Element, base_url: str, drop_selectors: tuple[str, ...] = ()) -> etree._Element:
    """A cleaned deep copy of ``element`` (see the module docstring)."""
    root = copy.deepcopy(element)
    root.tail = None
    if drop_selectors:  # one query for all of them rather than one each
        for node in select(root, ", ".join(drop_selectors)):
            remove_keeping_tail(node)
    for node in list(root.iter(*DROP_TAGS, etree.Comment)):
        remove_keeping_tail(node)
    for img in list(root.iter("img")):
        if is_tracker(img):
            remove_keeping_tail(img)
    verbatim = {node for pre in root.iter("pre") for node in pre.iter()}
    for node in root.iter(etree.Element):
        if node not in verbatim:
            if node.text:
                node.text = fold_ws(node.text)
            if node.tail:
                node.tail = fold_ws(node.tail)
        _clean_attributes(node, base_url)
    return root


def inner_html(element: etree._Element) -> str:
    """The element's content serialised as HTML, without the element's own tag.

    >>> from lxml.html import fragment_fromstring
    >>> inner_html(fragment_fromstring("<div> a &lt; b <p>c &amp; d</p> </div>"))
    ' a &lt; b <p>c &amp; d</p> '
    """
    parts = [escape(element.text or "", quote=False)]
    parts.extend(etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in element)
    return "".join(parts)


def _clean_attributes(node: etree._Element, base_url: str) -> None:
    """Drop event handlers and script or data URLs; make the other URLs absolute."""
    for attr, value in node.items():
        url = value.strip() if attr in URL_ATTRS else ""
        if attr.lower().startswith("on") or url.lower().startswith(UNSAFE_SCHEMES):
            del node.attrib[attr]
        elif url:
            node.set(attr, urljoin(base_url, url))


def remove_keeping_tail(node: etree._Element) -> None:
    """Remove ``node`` but keep its tail text in the tree."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)
