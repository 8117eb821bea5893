"""Make an article body fragment safe to store and republish.

Removes scripts, styles, frames, forms, HTML comments, inline event handlers, javascript:
links and tracking pixels; makes every link and image URL absolute against the article's
real URL (never a mirror's); folds runs of whitespace (full-width indents included) into one
space (no-break spaces kept), outside <pre>. Works on a copy of an lxml element.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache
from urllib.parse import urljoin

from lxml import etree, html
from lxml.cssselect import CSSSelector

DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "input", "button", "link", "meta")
URL_ATTRS = ("href", "src", "data-original", "data-src")
LAZY_SRC = ("src", "data-original", "data-src")
# Every whitespace run, U+3000 (ideographic space) included, except U+00A0: a no-break
# space is deliberate layout (captions use it to set a credit apart) and stays.
WHITESPACE = re.compile(r"[^\S\xa0]+")


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
    for css in drop_selectors:
        for node in _selector(css)(root):
            _remove(node)
    for node in list(root.iter(*DROP_TAGS, etree.Comment)):
        _remove(node)
    for img in list(root.iter("img")):
        if is_tracker(img):
            _remove(img)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        _fold_whitespace(node)
        for attr in list(node.attrib):
            if attr.lower().startswith("on"):
                del node.attrib[attr]
        for attr in URL_ATTRS:
            value = (node.get(attr) or "").strip()
            if not value:
                continue
            if value.lower().startswith(("javascript:", "vbscript:", "data:")):
                del node.attrib[attr]
            else:
                node.set(attr, urljoin(base_url, value))
    return root


def inner_html(element: etree._Element) -> str:
    """The element's content serialised as HTML, without the element's own tag."""
    parts = [element.text or ""]
    parts.extend(html.tostring(child, encoding="unicode", with_tail=True) for child in element)
    return "".join(parts).strip()


@lru_cache(maxsize=64)
def _selector(css: str) -> CSSSelector:
    """A compiled selector: cssselect translates CSS to XPath anew on every call otherwise."""
    return CSSSelector(css, translator="html")


def _fold_whitespace(node: etree._Element) -> None:
    if node.tag == "pre" or any(a.tag == "pre" for a in node.iterancestors()):
        return
    if node.text:
        node.text = WHITESPACE.sub(" ", node.text)
    if node.tail and not (node.getparent() is not None and node.getparent().tag == "pre"):
        node.tail = WHITESPACE.sub(" ", node.tail)


def _remove(node: etree._Element) -> None:
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
