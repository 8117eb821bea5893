"""File names of the feeds.

A channel feed is named after the channel as the site shows it (``guancha/头条.atom``),
not a transliteration: the names are what readers subscribed to under RSSHub's routes
and what the blog's categories say, new channels need no slug table, and URLs simply
percent-encode them. Only what a path or URL cannot hold is replaced by ``-``.
"""
from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[\x00-\x20\x7f/\\?#%:*\"<>|]+")
EXTENSIONS = ("atom", "rss")


def path_part(name: str | None) -> str | None:
    """``name`` made safe as one path segment, or None when nothing is left.

    >>> path_part("头条"), path_part("评论&研究"), path_part(" a/b "), path_part(".."), path_part(None)
    ('头条', '评论&研究', 'a-b', None, None)
    """
    part = _UNSAFE.sub("-", (name or "").strip()).strip("-.")
    return part[:80] or None


def feed_file(key: str, extension: str) -> str:
    """``guancha/头条`` -> ``guancha/头条.atom``."""
    return f"{key}.{extension}"


def feed_url(base_url: str, key: str, extension: str) -> str:
    """Where the feed is served when the feeds directory is published at ``base_url``."""
    return base_url.rstrip("/") + "/" + quote(feed_file(key, extension))
