"""Stored copies of an article's pictures in a Hexo post (NEWSBOT_HEXO_IMAGES_URL).

When the images store (NEWSBOT_IMAGES_STORE) is published on the blog under a URL prefix,
a picture that has a stored copy is shown from there; one without (its download failed,
or images are off) keeps its hot link, with ``referrerpolicy="no-referrer"``.
"""
from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from lxml import html


def local_copies(article: Any, images_url: str) -> dict[str, str]:
    """Real image URL → published URL of its stored copy; empty when ``images_url`` is."""
    prefix = (images_url or "").strip().rstrip("/")
    if not prefix:
        return {}
    adapter = ItemAdapter(article)
    lead = adapter.get("lead_image")
    copies = {}
    for image in ([lead] if lead else []) + list(adapter.get("images") or []):
        url, path = _field(image, "url"), _field(image, "path")
        if url and path:
            copies[url] = f"{prefix}/{path.lstrip('/')}"
    return copies


def use_local_copies(body: html.HtmlElement, copies: dict[str, str]) -> None:
    """Point every body ``<img>`` that has a stored copy at it (no referrer policy needed)."""
    for img in body.iter("img"):
        if (local := copies.get(img.get("src") or "")) is not None:
            img.set("src", local)
            img.attrib.pop("referrerpolicy", None)


def _field(image: Any, name: str) -> Any:
    """A field of an Image (whose path is unset when images are off) or of a dict."""
    if isinstance(image, dict):
        return image.get(name)
    return getattr(image, name, None)
