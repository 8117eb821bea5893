"""Make an article body fragment safe to store and republish.

One allowlist (:func:`allowlist`) decides what an article body may keep, here and on the
blog (newsbot.hexo.sanitize): known tags and attributes only, http(s) URLs only; scripts,
styles, frames, forms, SVG and MathML, ``<base>``, comments and tracking pixels go, and
unknown wrappers give way to their content. :func:`clean_fragment` also makes every link
and image URL absolute against the article's real URL (never a mirror's), drops control
characters lxml refuses, and folds runs of whitespace (full-width indents included) into
one space (no-break spaces kept), outside <pre>. Works on a copy of an lxml element.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable
from html import escape
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsbot.dom import select
from newsbot.text import drop_controls, fold_ws

DROP = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "applet", "form", "input", "button", "select", "textarea", "link", "meta", "base", "head",
    "title", "svg", "math", "audio", "video", "source", "track", "canvas", "map", "area",
})
KEEP = frozenset({
    "p", "br", "hr", "img", "a", "span", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "small", "font", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "div",
    "center", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
    "caption", "pre", "code",
})
GLOBAL_ATTRS = ("style", "class", "title", "align", "width", "height", "alt", "color", "lang", "dir")
TAG_ATTRS = {"img": ("src",), "a": ("href", "target"), "td": ("colspan", "rowspan"), "th": ("colspan", "rowspan")}
LAZY_SRC = ("src", "data-original", "data-src")
BAD_STYLE = re.compile(r"url\(|expression|javascript:|behavio(u)?r|@import|binding|\\", re.I)


class CleanHtml(str):
    """HTML that :func:`clean_fragment` wrote (the allowlist's output), marked so by the code
    that serialised it (``newsbot/sites/page.py`` ``add_body``, ``newsbot/generic/body.py``):
    the blog and the feeds then skip a second allowlist (newsbot.hexo.sanitize). Any string
    operation on it gives a plain ``str``, which is sanitised in full again.

    >>> type(CleanHtml("<p>a</p>") + "<script>"), type(CleanHtml(" <p>a</p> ").strip())
    (<class 'str'>, <class 'str'>)
    """

    __slots__ = ()


def pixels(value: str | None) -> int | None:
    """An HTML width/height attribute as an int: ``"970px"`` and ``"970"`` are 970.

    >>> pixels("970px"), pixels(" 530 "), pixels("50%"), pixels(None)
    (970, 530, None, None)
    """
    value = (value or "").strip().lower().removesuffix("px")
    return int(value) if value.isdigit() else None


def image_src(img: etree._Element) -> str | None:
    """The picture's own URL: ``src``, or the lazy-loading attribute when ``src`` is absent."""
    return image_src_of(dict(img.attrib)) or None


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


def clean_fragment(element: etree._Element, base_url: str, drop_selectors: tuple[str, ...] = (),
                   *, in_place: bool = False) -> etree._Element:
    """A cleaned deep copy of ``element`` (see the module docstring); ``element`` itself,
    cleaned, with ``in_place`` (for a fragment built to be cleaned, that nothing else holds)."""
    root = element if in_place else copy.deepcopy(element)
    root.tail = None
    if drop_selectors:  # one query for all of them rather than one each
        for node in select(root, ", ".join(drop_selectors)):
            remove_keeping_tail(node)
    allowlist(root, base_url, keep_image=lambda img: not is_pixel(img))
    verbatim = {node for pre in root.iter("pre") for node in pre.iter()}
    for node in root.iter(etree.Element):
        if node not in verbatim:
            if node.text:
                node.text = fold_ws(node.text)
            if node.tail:
                node.tail = fold_ws(node.tail)
    return root


def allowlist(root: etree._Element, base_url: str | None, keep_image: Callable[[etree._Element], bool]) -> None:
    """Reduce the descendants of ``root``, in place, to the allowlist (module docstring).

    An ``<img>`` stays only with a safe address (its lazy-loading one when ``src`` is
    missing) and when ``keep_image`` accepts it.
    """
    for node in root.iter():
        if node.text and not isinstance(node, etree._Comment | etree._ProcessingInstruction | etree._Entity):
            node.text = drop_controls(node.text)
        if node.tail:
            node.tail = drop_controls(node.tail)
    _allow_children(root, base_url, keep_image)


def _allow_children(root: etree._Element, base_url: str | None, keep_image: Callable[[etree._Element], bool]) -> None:
    for node in list(root):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in DROP or not tag:
            remove_keeping_tail(node)  # comments and processing instructions too
            continue
        _allow_children(node, base_url, keep_image)
        if tag not in KEEP:
            unwrap(node)
        elif not _allow_attributes(node, tag, base_url) or (tag == "img" and not keep_image(node)):
            remove_keeping_tail(node)


def _allow_attributes(node: etree._Element, tag: str, base_url: str | None) -> bool:
    """Keep the allowed attributes only; False when an image is left without a safe address."""
    if tag != "img" and not len(node.attrib):
        return True  # nothing to check: most inline elements of a body
    attrs = {name.lower(): drop_controls(value) for name, value in node.items()}
    if tag == "img":
        attrs["src"] = image_src_of(attrs)
    allowed = GLOBAL_ATTRS + TAG_ATTRS.get(tag, ())
    node.attrib.clear()
    for name, value in attrs.items():
        if name not in allowed or (name == "style" and BAD_STYLE.search(value)):
            continue
        if name in ("src", "href"):
            url = safe_url(value, base_url)
            if url is None:
                continue
            value = url
        node.set(name, value)
    return tag != "img" or "src" in node.attrib


def image_src_of(attrs: dict[str, str]) -> str:
    """``src``, or the lazy-loading address when ``src`` is empty or a ``data:`` URL."""
    for attr in LAZY_SRC:
        value = (attrs.get(attr) or "").strip()
        if value and not value.lower().startswith("data:"):
            return value
    return ""


def safe_url(value: str, base_url: str | None) -> str | None:
    """``value`` as an absolute http(s) URL, or None (``javascript:``, ``data:``, …).

    >>> safe_url(" /a.jpg ", "https://www.guancha.cn/x/"), safe_url("JaVa\\tScRiPt:alert(1)", None)
    ('https://www.guancha.cn/a.jpg', None)
    >>> safe_url("", "https://www.guancha.cn/x/") is None  # not the article's own address
    True
    """
    value = drop_controls(value).strip()
    if not value:
        return None
    url = urljoin(base_url, value) if base_url else value
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return None


def inner_html(element: etree._Element) -> str:
    """The element's content serialised as HTML, without the element's own tag.

    >>> from lxml.html import fragment_fromstring
    >>> inner_html(fragment_fromstring("<div> a &lt; b <p>c &amp; d</p> </div>"))
    ' a &lt; b <p>c &amp; d</p> '
    """
    parts = [escape(element.text or "", quote=False)]
    parts.extend(etree.tostring(child, method="html", encoding="unicode", with_tail=True) for child in element)
    return "".join(parts)


def unwrap(node: etree._Element) -> None:
    """Replace ``node`` by its content (text, children and tail) in its parent."""
    parent = node.getparent()
    if parent is None:
        return
    children = list(node)
    if children:
        children[-1].tail = (children[-1].tail or "") + (node.tail or "")
        lead = node.text or ""
    else:
        lead = (node.text or "") + (node.tail or "")
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + lead
    else:
        parent.text = (parent.text or "") + lead
    index = parent.index(node)
    parent.remove(node)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)


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
