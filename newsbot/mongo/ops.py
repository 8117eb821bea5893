"""Turn an article into idempotent writes keyed on its canonical URL.

Every value taken from a page sits inside an inserted document or a ``$set`` as data:
update operators are only interpreted as top-level keys of the update document, and those
are our own. Filters compare with explicit operators (``$eq``…) so even a non-string value cannot
act as an operator, and :func:`plain_document` refuses any key that MongoDB could read as
an operator or a path.

An article is first sent as an insert (:func:`insert`: the whole document, ``version``
1), all of a batch in one bulk write. Only the articles whose insert fails with a duplicate
key (the URL is stored already) are then sent :func:`updates`, :data:`UPDATES_PER_DOC`
of them each, one after the other in a second bulk write (the server applies a bulk's
updates in the order given, ``ordered=False`` only lets it go on after an error). Their
filters exclude each other, so at most one of them changes the stored document:

1. new text, channel ranked the same or better than the stored one: everything is set and
   ``version`` goes up;
2. new text, the stored channel ranks better: everything but ``categories`` and
   ``channel_rank`` is set and ``version`` goes up;
3. same text, a better channel: everything is set, ``version`` stays (an article listed in
   a better channel is not a new version of its text).

Sent to a document that the insert itself just created, none of them matches. So the
insert then the updates do what one ``$setOnInsert`` upsert followed by the same updates
did, in one round trip for a new article (most of what a crawl writes) instead of four
updates, and the insert is the cheapest write the server has.

New text applies only when the stored copy is not newer (``last_seen`` greater than
ours): a replayed spool entry never overwrites a later version. Whichever of two workers
writes first, the stored document ends with the best channel either gave: the better one
applies 1 or 3 after the worse one, and 2 (or nothing) before it. Every write can be
re-sent any number of times: a second insert is a duplicate key, and then the updates.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itemadapter import ItemAdapter
from pymongo import InsertOne, UpdateOne

from newsbot.items import rank_of

# Fields we set ourselves: never taken from the item.
OWN_FIELDS = ("first_seen", "last_seen", "version")
# What an article's best channel decides; kept from the stored document when it ranks better.
LISTING_FIELDS = ("categories", "channel_rank")
UPDATES_PER_DOC = 3


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


def insert(doc: Mapping[str, Any]) -> InsertOne[Any]:
    """The insert of a new article document (module docstring)."""
    seen = doc.get("crawled_at") or ""
    return InsertOne({**doc, "channel_rank": rank_of(doc.get("channel_rank")), "first_seen": seen,
                      "last_seen": seen, "version": 1})


def updates(doc: Mapping[str, Any]) -> list[UpdateOne]:
    """The :data:`UPDATES_PER_DOC` writes for an article document already stored, in order
    (module docstring)."""
    seen = doc.get("crawled_at") or ""
    rank = rank_of(doc.get("channel_rank"))
    full = {**doc, "channel_rank": rank}
    text = {key: value for key, value in full.items() if key not in LISTING_FIELDS}
    url = {"url": {"$eq": doc["url"]}}
    newer_text = {**url, "content_hash": {"$ne": doc["content_hash"]}, "last_seen": {"$not": {"$gt": seen}}}
    return [
        UpdateOne({**newer_text, "channel_rank": {"$not": {"$lt": rank}}},
                  {"$set": {**full, "last_seen": seen}, "$inc": {"version": 1}}),
        UpdateOne({**newer_text, "channel_rank": {"$lt": rank}},
                  {"$set": {**text, "last_seen": seen}, "$inc": {"version": 1}}),
        UpdateOne({**url, "content_hash": {"$eq": doc["content_hash"]}, "channel_rank": {"$not": {"$lte": rank}}},
                  {"$set": full, "$max": {"last_seen": seen}}),
    ]
