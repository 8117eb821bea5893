"""Keep credentials out of logs, stats and error messages."""
from __future__ import annotations

import re
from urllib.parse import unquote

_MASK = "***"


_HOSTS = re.compile(r"[A-Za-z0-9.\-_:\[\],%]+")


def _split(rest: str) -> tuple[str, str] | None:
    """(userinfo, hosts and the rest) of what follows ``scheme://``; None without a userinfo.

    A password may hold ``/ ? # @`` unencoded (pymongo refuses it, and the error reports the
    URI): the userinfo ends at the last ``@`` that is followed by a host list.
    """
    for at in reversed([i for i, char in enumerate(rest) if char == "@"]):
        end = min((i for i in (rest.find("/", at), rest.find("?", at)) if i >= 0), default=len(rest))
        if _HOSTS.fullmatch(rest[at + 1:end]):
            return rest[:at], rest[at + 1:]
    return None


def redact_uri(uri: str | None) -> str:
    """``uri`` with the password (if any) replaced by ``***``.

    Works on URIs that pymongo would reject too, since it is used to report them.

    >>> redact_uri("mongodb://newsbot:s3cr%40t@db1:27017,db2/news?authSource=admin")
    'mongodb://newsbot:***@db1:27017,db2/news?authSource=admin'
    >>> redact_uri("mongodb://newsbot:pa/ss?w#o@rd@db1:27017/news")
    'mongodb://newsbot:***@db1:27017/news'
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
    split = _split(rest)
    if split is None or ":" not in split[0]:
        return uri
    userinfo, hosts = split
    return f"{scheme}://{userinfo.split(':', 1)[0]}:{_MASK}@{hosts}"


def uri_secrets(uri: str | None) -> list[str]:
    """The password of ``uri`` in the forms it may be quoted in (raw and decoded).

    >>> uri_secrets("mongodb://u:s3cr%40t@h")
    ['s3cr%40t', 's3cr@t']
    >>> uri_secrets("mongodb://u:a/b?c@h/db"), uri_secrets("mongodb://h")
    (['a/b?c'], [])
    """
    if not uri or "://" not in uri:
        return []
    split = _split(uri.partition("://")[2])
    if split is None or ":" not in split[0]:
        return []
    raw = split[0].split(":", 1)[1]
    return [s for s in dict.fromkeys((raw, unquote(raw))) if s]


def redact_text(text: str, uri: str | None) -> str:
    """``text`` with the URI and any occurrence of its password masked.

    A password is masked where it stands on its own, not inside a word: a password ``p``
    must not turn "Temporary" into "Tem***orary".

    >>> redact_text("auth failed for mongodb://u:pw1@h (pw1)", "mongodb://u:pw1@h")
    'auth failed for mongodb://u:***@h (***)'
    >>> redact_text("Temporary failure, user u password p", "mongodb://u:p@h")
    'Temporary failure, user u password ***'
    """
    if uri:
        text = text.replace(uri, redact_uri(uri))
    for secret in uri_secrets(uri):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", _MASK, text)
    return text
