"""The allowlist sanitiser for the article body before it goes on the blog.

``body_html`` is already cleaned by the crawl with the same allowlist
(:func:`newsbot.html_clean.allowlist`); this is the second line of defence, for stored
items written before that or by hand. On top of the allowlist, images served by analytics
hosts go, and every ``<img>`` gets ``referrerpolicy="no-referrer"`` (the image host refuses
hot-links that send a referrer).

A body the crawl's cleaner wrote in this process comes as a :class:`~newsbot.html_clean.CleanHtml` and skips the
allowlist (a third of the cost of a post); it still loses analytics images and gets the
referrer policy. Anything read back from a store, a feed or a file, or written by hand, is
a plain ``str`` and gets the whole sanitiser.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree, html

from newsbot.html_clean import allowlist, is_pixel, remove_keeping_tail, safe_url

__all__ = ["REFERRER_POLICY", "safe_url", "sanitise"]

TRACKER_DOMAINS = (
    "hm.baidu.com", "cnzz.com", "51.la", "google-analytics.com", "googletagmanager.com",
    "doubleclick.net", "scorecardresearch.com", "facebook.com", "facebook.net",
)
TRACKER_HOST_PREFIXES = ("pixel.", "stat.", "stats.", "track.", "tracking.")
REFERRER_POLICY = "no-referrer"


def sanitise(root: html.HtmlElement, base_url: str | None = None, *, cleaned: bool = False) -> html.HtmlElement:
    """Sanitise the descendants of ``root`` in place and return ``root``; ``cleaned``: they
    are a parse of a :class:`~newsbot.html_clean.CleanHtml`, already reduced to the allowlist."""
    if cleaned:  # the crawl's cleaner drops pixels but not every analytics host's images
        for img in [img for img in root.iter("img") if _is_tracker(img)]:
            remove_keeping_tail(img)
    else:
        allowlist(root, base_url, keep_image=lambda img: not _is_tracker(img))
    for img in root.iter("img"):
        img.set("referrerpolicy", REFERRER_POLICY)
    return root


def _is_tracker(img: etree._Element) -> bool:
    """1x1 (or 0x0) pixels and images served by analytics hosts."""
    host = (urlsplit(img.get("src", "")).hostname or "").lower()
    known = any(host == d or host.endswith("." + d) for d in TRACKER_DOMAINS)
    return is_pixel(img) or known or host.startswith(TRACKER_HOST_PREFIXES)
