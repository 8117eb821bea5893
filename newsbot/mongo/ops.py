"""Turn an article into idempotent writes keyed on its canonical URL.

Every value taken from a page sits inside ``$set`` / ``$setOnInsert`` as data: update
operators are only interpreted as top-level keys of the update document, and those are our
own. Filters compare with explicit operators (``$eq``…) so even a non-string value cannot
act as an operator, and :func:`plain_document` refuses any key that MongoDB could read as
an operator or a path.

One article is :data:`OPS_PER_DOC` updates, sent one after the other in one bulk write (the
server applies a bulk's updates in the order given, ``ordered=False`` only lets it go on
after an error). Their filters exclude each other, so at most one of them changes the
stored document:

1. insert: ``$setOnInsert`` of the whole document (``version`` 1) when the URL is new;
2. new text, channel ranked the same or better than the stored one: everything is set and
   ``version`` goes up;
3. new text, the stored channel ranks better: everything but ``categories`` and
   ``channel_rank`` is set and ``version`` goes up;
4. same text, a better channel: everything is set, ``version`` stays (an article listed in
   a better channel is not a new version of its text).

New text applies only when the stored copy is not newer (``last_seen`` greater than
ours): a replayed spool entry never overwrites a later version. Whichever of two workers
writes first, the stored document ends with the best channel either gave: the better one
applies 2 or 4 after the worse one, and 3 (or nothing) before it. Every op can be re-sent
any number of times.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itemadapter import ItemAdapter
from pymongo import UpdateOne

from newsbot.items import rank_of

# Fields we set ourselves: never taken from the item.
OWN_FIELDS = ("first_seen", "last_seen", "version")
# What an article's best channel decides; kept from the stored document when it ranks better.
LISTING_FIELDS = ("categories", "channel_rank")
OPS_PER_DOC = 4


class UnsafeDocument(ValueError):
    """An item holds a key MongoDB would treat as an operator or a dotted path."""


def _check(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if not isinstance(key, str) or key.startswith("$") or "." in key or "\0" in key:
                raise UnsafeDocument(f"unsafe key {key!r} at {path or '<root>'}")
            _check(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            _check(inner, f"{path}[{index}]")
    return value


def plain_document(item: Any) -> dict[str, Any]:
    """The item as plain data (nested Image items become dicts), keys checked."""
    doc = ItemAdapter(item).asdict()
    for field in (*OWN_FIELDS, "_id"):
        doc.pop(field, None)
    if not isinstance(doc.get("url"), str) or not doc["url"]:
        raise UnsafeDocument("url must be a non-empty string")
    if not isinstance(doc.get("content_hash"), str) or not doc["content_hash"]:
        raise UnsafeDocument("content_hash must be a non-empty string")
    return _check(doc, "")


def upsert(doc: Mapping[str, Any]) -> list[UpdateOne]:
    """The :data:`OPS_PER_DOC` writes for one article document, in order (module docstring)."""
    seen = doc.get("crawled_at") or ""
    rank = rank_of(doc.get("channel_rank"))
    full = {**doc, "channel_rank": rank}
    text = {key: value for key, value in full.items() if key not in LISTING_FIELDS}
    url = {"url": {"$eq": doc["url"]}}
    newer_text = {**url, "content_hash": {"$ne": doc["content_hash"]}, "last_seen": {"$not": {"$gt": seen}}}
    return [
        UpdateOne(url, {"$setOnInsert": {**full, "first_seen": seen, "last_seen": seen, "version": 1}},
                  upsert=True),
        UpdateOne({**newer_text, "channel_rank": {"$not": {"$lt": rank}}},
                  {"$set": {**full, "last_seen": seen}, "$inc": {"version": 1}}),
        UpdateOne({**newer_text, "channel_rank": {"$lt": rank}},
                  {"$set": {**text, "last_seen": seen}, "$inc": {"version": 1}}),
        UpdateOne({**url, "content_hash": {"$eq": doc["content_hash"]}, "channel_rank": {"$not": {"$lte": rank}}},
                  {"$set": full, "$max": {"last_seen": seen}}),
    ]
