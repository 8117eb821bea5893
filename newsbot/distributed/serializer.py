"""Requests in the shared queue are JSON, never pickles (``SCHEDULER_SERIALIZER``).

scrapy-redis turns a request into a dict (``Request.to_dict``: callbacks by name) and hands
it to this module's ``dumps``. What JSON cannot hold is tagged, as a one-key object: bytes
(``$b``, base64), tuples (``$t``), dicts whose keys are not plain strings (``$d``, pairs) and
the dataclasses requests carry in ``cb_kwargs`` (``$ListEntry``, ``$Image``). Decoding knows
only these tags, builds only those classes, and accepts a callback only if it is a public
method of the spider's own class: whoever can write to Redis can add requests, not run code.
"""
from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

from scrapy import Request, Spider
from scrapy.http import FormRequest, JsonRequest
from scrapy.utils.request import request_from_dict

from newsbot.items import Image
from newsbot.sites.listing import ListEntry

DATACLASSES: dict[str, type] = {"ListEntry": ListEntry, "Image": Image}
REQUEST_CLASSES = {f"{cls.__module__}.{cls.__name__}" for cls in (FormRequest, JsonRequest)}
SPIDER_BASE = set(dir(Spider)) - {"parse"}


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if DATACLASSES.get(name) is type(value) and dataclasses.is_dataclass(value):
        return {f"${name}": {f.name: _encode(getattr(value, f.name))
                             for f in dataclasses.fields(value) if hasattr(value, f.name)}}
    raise TypeError(f"a request for the shared queue holds a {type(value).__qualname__}, which it cannot store")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = next(iter(value), "")
    if not tag.startswith("$"):
        return {k: _decode(v) for k, v in value.items()}
    if len(value) != 1:
        raise ValueError(f"tag {tag!r} with other keys")
    body = value[tag]
    if tag == "$b":
        return base64.b64decode(body, validate=True)
    if tag == "$t":
        return tuple(_decode(v) for v in body)
    if tag == "$d":
        return {_decode(k): _decode(v) for k, v in body}
    cls = DATACLASSES.get(tag[1:])
    if cls is None or not isinstance(body, dict):
        raise ValueError(f"unknown tag {tag!r}")
    fields = {f.name: f.init for f in dataclasses.fields(cls)}
    if not set(body) <= set(fields):
        raise ValueError(f"unknown fields {sorted(set(body) - set(fields))} of {cls.__name__}")
    obj = cls(**{k: _decode(v) for k, v in body.items() if fields[k]})
    for k, v in body.items():
        if not fields[k]:
            object.__setattr__(obj, k, _decode(v))
    return obj


def dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    obj = _decode(json.loads(data))
    if not isinstance(obj, dict) or not isinstance(obj.get("url"), str):
        raise TypeError("not a request")
    if obj.get("_class") not in (None, *REQUEST_CLASSES):
        raise ValueError(f"request class {obj['_class']!r} is not allowed")
    return obj


def request_from_data(data: bytes | str, spider: Spider) -> Request:
    """The request stored as ``data``; raises (ValueError, TypeError…) if it is not one ``spider`` can handle."""
    obj = loads(data)
    for key in ("callback", "errback"):
        name = obj.get(key)
        if name is not None and not (isinstance(name, str) and _is_callback(spider, name)):
            raise ValueError(f"{key} {name!r} is not a callback of spider {spider.name}")
    return request_from_dict(obj, spider=spider)


def _is_callback(spider: Spider, name: str) -> bool:
    return not name.startswith("_") and name not in SPIDER_BASE and callable(getattr(type(spider), name, None))
