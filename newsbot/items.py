"""The items newsbot produces (see DESIGN.md, "The Article item")."""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from itemadapter import ItemAdapter

# The channel rank of an article listed in no channel: any channel ranks better.
UNRANKED = 1000


@dataclass
class Image:
    """A picture of an article together with its caption (never two parallel lists)."""

    url: str = ""
    caption: str | None = None
    alt: str | None = None
    width: int | None = None
    height: int | None = None
    index: int = 0  # the paragraph position it stands before
    # The stored copy (newsbot/pipelines/images.py): its path relative to NEWSBOT_IMAGES_STORE
    # and the md5 of its bytes, both None when its download failed. With the store off they
    # are never set, so the item (and its JSON) has no such keys, as before: read them with
    # getattr(image, "path", None).
    path: str | None = field(init=False, repr=False, compare=False)
    checksum: str | None = field(init=False, repr=False, compare=False)


@dataclass
class Article:
    url: str | None = None
    fetched_url: str | None = None
    site: str | None = None
    source_name: str | None = None
    source: str | None = None
    categories: list[str] = field(default_factory=list)
    title: str | None = None
    summary: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    updated_at: str | None = None
    lead_image: Image | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    body_html: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    content_hash: str | None = None
    crawled_at: str | None = None
    extraction: str | None = None  # "site", or "fallback" when the generic extractor filled in
    # Where the channel in ``categories`` stands in the site's channel order (0 = the best).
    # Stores keep the categories of the best rank they were given (newsbot/mongo/ops.py).
    channel_rank: int = UNRANKED


def rank_of(value: object) -> int:
    """An item's ``channel_rank`` as an int (UNRANKED when absent or not a number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else UNRANKED


def fields_of(item: Any) -> MutableMapping[str, Any]:
    """The item's fields, to read and set: an Article's or Image's own attribute dict (every
    field of these plain dataclasses is there, as ItemAdapter sees it, without ItemAdapter's
    dispatch on every access: a fifth of the clean pipeline's cost), else an ItemAdapter.

    >>> image = Image(url="https://a.example/1.jpg")
    >>> fields_of(image)["caption"] = "图"
    >>> image.caption, fields_of({"url": "u"})["url"]
    ('图', 'u')
    """
    return vars(item) if type(item) in (Article, Image) else ItemAdapter(item)
