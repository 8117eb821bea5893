"""What a feed entry holds, taken from an Article (item or dict) through ItemAdapter.

The content is the article's ``body_html`` passed through the Hexo export's allowlist
sanitiser (newsbot.hexo.sanitize), so a script, an event handler or a ``javascript:``
link never reaches a feed reader; captions stay, as they are part of the cleaned body.
A body the crawl's cleaner wrote (a CleanHtml) skips the allowlist, as on the blog.
The lead image goes first when the body does not already start with it, as on the blog.
An article without ``body_html`` gets its paragraphs as ``<p>`` elements.
"""
from __future__ import annotations

import re
from typing import Any

from itemadapter import ItemAdapter
from lxml import html
from lxml.html import builder

from newsbot.feeds.names import path_part
from newsbot.hexo.sanitize import REFERRER_POLICY, safe_url, sanitise
from newsbot.html_clean import CleanHtml, inner_html
from newsbot.times import aware, iso

Record = dict[str, Any]
ALL = "all"
CHANNEL_INDEX = 2  # categories are (group, source, channel): 新媒体 > 观察者网 > 头条
# What XML 1.0 cannot hold at all (lxml refuses it): control characters, lone surrogates, U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def entry_record(article: Any) -> Record:
    """The entry of ``article`` (raises ValueError without ``url`` or ``published_at``)."""
    adapter = ItemAdapter(article)
    url, published = adapter.get("url"), adapter.get("published_at")
    if not url or not published:
        raise ValueError(f"article needs url and published_at: {url!r}")
    raw = [text(c) for c in adapter.get("categories") or []]
    updated = adapter.get("updated_at")
    return {
        "url": url,
        "site": text(adapter.get("site")) or None,
        "site_name": text(adapter.get("source_name") or adapter.get("site")) or None,
        "channel": raw[CHANNEL_INDEX] if len(raw) > CHANNEL_INDEX and raw[CHANNEL_INDEX] else None,
        "language": text(adapter.get("language")) or None,
        "title": text(adapter.get("title")) or url,
        "summary": text(adapter.get("summary")) or None,
        "authors": [a for a in map(text, adapter.get("authors") or []) if a],
        "categories": [c for c in raw if c],
        "published": iso(aware(published)),
        "updated": iso(aware(updated)) if updated else None,
        "content": _NOT_XML.sub("", content_html(adapter)),
    }


def text(value: Any) -> str:
    """A stripped string without the characters XML cannot hold.

    >>> text(" 头条\x0b "), text(None)
    ('头条', '')
    """
    return _NOT_XML.sub("", str(value or "")).strip()


def feed_keys(record: Record) -> list[str]:
    """The feeds an entry belongs to: ``all``, its site's and its channel's (``site/channel``)."""
    keys = [ALL]
    site = path_part(record.get("site"))
    if site:
        keys.append(site)
        channel = path_part(record.get("channel"))
        if channel:
            keys.append(f"{site}/{channel}")
    return keys


def content_html(adapter: ItemAdapter) -> str:
    """The sanitised body (see the module docstring)."""
    base = adapter.get("url")
    body = adapter.get("body_html")
    if body and body.strip():
        root = html.fragment_fromstring(body, create_parent="div")
        cleaned = isinstance(body, CleanHtml)
    else:
        root = builder.DIV(*(builder.P(p) for p in adapter.get("paragraphs") or [] if p))
        cleaned = False
    sanitise(root, base, cleaned=cleaned)
    lead = _lead_src(adapter.get("lead_image"), base)
    first = next((img.get("src") for img in root.iter("img")), None)
    if lead and lead != first:
        root.insert(0, builder.P(builder.IMG(src=lead, referrerpolicy=REFERRER_POLICY)))
        root[0].tail, root.text = root.text, None
    return inner_html(root).strip()


def _lead_src(value: Any, base_url: str | None) -> str | None:
    if not value:
        return None
    image = ItemAdapter(value) if ItemAdapter.is_item(value) else dict(value)
    return safe_url(image.get("url") or "", base_url)
