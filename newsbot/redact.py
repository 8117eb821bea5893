"""Keep credentials out of logs, stats and error messages."""
from __future__ import annotations

from urllib.parse import unquote

_MASK = "***"


def redact_uri(uri: str | None) -> str:
    """``uri`` with the password (if any) replaced by ``***``.

    Works on URIs that pymongo would reject too, since it is used to report them.

    >>> redact_uri("mongodb://newsbot:s3cr%40t@db1:27017,db2/news?authSource=admin")
    'mongodb://newsbot:***@db1:27017,db2/news?authSource=admin'
    >>> redact_uri("mongodb+srv://only-user@cluster.example.net")
    'mongodb+srv://only-user@cluster.example.net'
    >>> redact_uri("mongodb://127.0.0.1:27017")
    'mongodb://127.0.0.1:27017'
    >>> redact_uri(None)
    '<unset>'
    """
    if not uri:
        return "<unset>"
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return _MASK if "@" in uri else uri
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    netloc, tail = rest[:end], rest[end:]
    userinfo, at, hosts = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return uri
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:{_MASK}@{hosts}{tail}"


def uri_secrets(uri: str | None) -> list[str]:
    """The password of ``uri`` in the forms it may be quoted in (raw and decoded).

    >>> uri_secrets("mongodb://u:s3cr%40t@h")
    ['s3cr%40t', 's3cr@t']
    >>> uri_secrets("mongodb://h")
    []
    """
    if not uri or "://" not in uri:
        return []
    rest = uri.partition("://")[2]
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    userinfo, at, _ = rest[:end].rpartition("@")
    if not at or ":" not in userinfo:
        return []
    raw = userinfo.split(":", 1)[1]
    return [s for s in dict.fromkeys((raw, unquote(raw))) if s]


def redact_text(text: str, uri: str | None) -> str:
    """``text`` with the URI and any occurrence of its password masked.

    >>> redact_text("auth failed for mongodb://u:pw1@h (pw1)", "mongodb://u:pw1@h")
    'auth failed for mongodb://u:***@h (***)'
    """
    if uri:
        text = text.replace(uri, redact_uri(uri))
    for secret in uri_secrets(uri):
        text = text.replace(secret, _MASK)
    return text
