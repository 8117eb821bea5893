"""Bytes to text by the project's trust-the-bytes rule (see newsbot.middlewares.encoding)."""
from __future__ import annotations

from collections.abc import Mapping

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from newsbot.middlewares.encoding import best_encoding


def declared_encoding(body: bytes, headers: Mapping[str, str] | None) -> str:
    """The charset the response claims: the Content-Type header's, else the page's ``<meta>``.

    >>> declared_encoding(b"", {"content-type": "text/html; charset=GB2312"})
    'gb18030'
    >>> declared_encoding(b'<meta charset="utf-8">', {"Content-Type": "text/html"})
    'utf-8'
    >>> declared_encoding(b"<p>x</p>", None)
    ''
    """
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), None)
    return http_content_type_encoding(content_type) or html_body_declared_encoding(body) or ""


def page_text(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    return page_text_and_bytes(body, headers)[0]


def page_text_and_bytes(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, bytes]:
    """The page as text, decoded in the encoding its bytes really use (a BOM wins outright),
    and that text as UTF-8 for the parser: ``body`` itself when it is valid UTF-8 already, as
    most pages are (encoding it again cost 2-3% of an extraction).

    >>> page_text(b'<meta charset="utf-8"><p>' + "观察者网，中国关怀，全球视野。".encode("gbk"))
    '<meta charset="utf-8"><p>观察者网，中国关怀，全球视野。'
    >>> page_text(b"")
    ''
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = body[len(bom):].decode(bom_encoding, errors="replace")
        return text, text.encode("utf-8", errors="replace")
    if body.isascii():
        return body.decode("ascii"), body
    try:  # valid UTF-8 is UTF-8 (rule 1), checked in C rather than best_encoding's count
        return body.decode("utf-8"), body
    except UnicodeDecodeError:
        pass
    encoding = best_encoding(body, declared_encoding(body, headers))
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return text, text.encode("utf-8", errors="replace")
