"""Degrade, don't drop: what the site rules miss, the generic extractor fills in.

A site that changes its markup then costs precision rather than articles. The item says
which extractor filled it (``extraction``: ``site`` or ``fallback``).
"""
from __future__ import annotations

from newsbot.generic import extract_article, fill_missing
from newsbot.items import Article


def complete(item: Article, body: bytes, url: str, encoding: str, missing: list[str]) -> list[str]:
    """Fill the ``missing`` fields of ``item`` from the generic extractor run on ``body``
    (the page as downloaded, in ``encoding``); returns the fields it filled."""
    filled: list[str] = []
    if missing:
        fallback = extract_article(body, url, {"Content-Type": f"text/html; charset={encoding}"})
        # A body found by the fallback comes whole: its HTML and images with its paragraphs.
        body_fields = ("body_html", "images") if "paragraphs" in missing else ()
        filled = fill_missing(item, fallback, [*missing, *body_fields])
    item.extraction = "fallback" if filled else "site"
    return filled
