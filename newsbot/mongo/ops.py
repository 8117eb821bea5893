"""Turn an article into one idempotent upsert keyed on its canonical URL.

Every value taken from a page sits inside ``$set`` as data: update operators are only
interpreted as top-level keys of the update document, and those are our own. The filter
compares with an explicit ``$eq`` so even a non-string value cannot act as an operator, and
:func:`plain_document` refuses any key that MongoDB could read as an operator or a path.

The update applies only when it carries news:

- ``content_hash`` differs from the stored one (same text = nothing to write), and
- the stored copy is not newer (``last_seen`` greater than ours): a replayed spool entry
  never overwrites a later version.

When neither holds, the filter matches nothing, the upsert tries to insert a second
document with the same ``url``, and the unique index answers E11000: the writer reads
that as "already stored". So every op can be re-sent any number of times.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from itemadapter import ItemAdapter
from pymongo import UpdateOne

# Fields we set ourselves: never taken from the item.
OWN_FIELDS = ("first_seen", "last_seen", "version")


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


def upsert(doc: Mapping[str, Any]) -> UpdateOne:
    """The write for one article document (see module docstring)."""
    seen = doc.get("crawled_at") or ""
    return UpdateOne(
        {
            "url": {"$eq": doc["url"]},
            "content_hash": {"$ne": doc["content_hash"]},
            "last_seen": {"$not": {"$gt": seen}},
        },
        {
            "$set": {**doc, "last_seen": seen},
            "$setOnInsert": {"first_seen": seen},
            "$inc": {"version": 1},
        },
        upsert=True,
    )
