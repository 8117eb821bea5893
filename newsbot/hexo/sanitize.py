"""An allowlist sanitiser for the article body before it goes on the blog.

``body_html`` is already cleaned by the crawl; this is the second, independent line of
defence: only known tags and attributes survive, scripts, styles, frames, forms, media
players, comments and tracking pixels never do, and every ``<img>`` gets
``referrerpolicy="no-referrer"`` (the image host refuses hot-links that send a referrer).
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from newsbot.html_clean import is_pixel, remove_keeping_tail

DROP = {
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "applet", "form", "input", "button", "select", "textarea", "link", "meta", "base", "head",
    "title", "svg", "math", "audio", "video", "source", "track", "canvas", "map", "area",
}
KEEP = {
    "p", "br", "hr", "img", "a", "span", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "small", "font", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "div",
    "center", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
    "caption", "pre", "code",
}
GLOBAL_ATTRS = ("style", "class", "title", "align", "width", "height", "alt", "color", "lang", "dir")
TAG_ATTRS = {"img": ("src",), "a": ("href", "target"), "td": ("colspan", "rowspan"), "th": ("colspan", "rowspan")}
LAZY_SRC = ("data-original", "data-src")
TRACKER_DOMAINS = (
    "hm.baidu.com", "cnzz.com", "51.la", "google-analytics.com", "googletagmanager.com",
    "doubleclick.net", "scorecardresearch.com", "facebook.com", "facebook.net",
)
TRACKER_HOST_PREFIXES = ("pixel.", "stat.", "stats.", "track.", "tracking.")
_BAD_STYLE = re.compile(r"url\(|expression|javascript:|behavio(u)?r|@import|binding|\\", re.I)
REFERRER_POLICY = "no-referrer"


def sanitise(root: html.HtmlElement, base_url: str | None = None) -> html.HtmlElement:
    """Sanitise the descendants of ``root`` in place and return ``root``."""
    for node in list(root):
        if not isinstance(node.tag, str) or node.tag.lower() in DROP:
            remove_keeping_tail(node)  # comments and processing instructions too
            continue
        sanitise(node, base_url)
        if node.tag.lower() not in KEEP:
            node.drop_tag()  # unknown wrapper: keep its (sanitised) content
        elif not _clean_attrs(node, base_url):
            remove_keeping_tail(node)
    return root


def _clean_attrs(node: etree._Element, base_url: str | None) -> bool:
    """Keep allowed attributes only; False when the element must go (unsafe image)."""
    tag = node.tag.lower()
    attrs = dict(node.attrib)
    if tag == "img" and not attrs.get("src", "").strip():
        attrs["src"] = next((attrs[a] for a in LAZY_SRC if attrs.get(a, "").strip()), "")
    allowed = GLOBAL_ATTRS + TAG_ATTRS.get(tag, ())
    node.attrib.clear()
    for name, value in attrs.items():
        name = name.lower()
        if name not in allowed or (name == "style" and _BAD_STYLE.search(value)):
            continue
        if name in ("src", "href"):
            value = safe_url(value, base_url, images=name == "src")
            if value is None:
                continue
        node.set(name, value)
    if tag != "img":
        return True
    if "src" not in node.attrib or _is_tracker(node):
        return False
    node.set("referrerpolicy", REFERRER_POLICY)
    return True


def safe_url(value: str, base_url: str | None, images: bool) -> str | None:
    """An absolute http(s) URL (``mailto:`` for links), or None."""
    value = value.strip()
    url = urljoin(base_url, value) if base_url else value
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https") or (scheme == "mailto" and not images):
        return url
    return None


def _is_tracker(img: etree._Element) -> bool:
    """1x1 (or 0x0) pixels and images served by analytics hosts."""
    host = (urlsplit(img.get("src", "")).hostname or "").lower()
    known = any(host == d or host.endswith("." + d) for d in TRACKER_DOMAINS)
    return is_pixel(img) or known or host.startswith(TRACKER_HOST_PREFIXES)
