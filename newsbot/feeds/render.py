"""One feed as Atom 1.0 and as RSS 2.0 bytes, with feedgen.

Nothing here reads the clock: the feed's ``updated`` (RSS ``lastBuildDate``) is the latest
``updated`` (else ``published``) of its entries, so the same entries give the same bytes.
Times keep their offset: RFC 3339 in Atom (``2022-04-27T10:22:31+08:00``), RFC 822 in
RSS (``Wed, 27 Apr 2022 10:22:31 +0800``). RSS has no author names without an e-mail
address, so authors go into ``dc:creator`` there; its items have no update time. The body
is always in ``content:encoded``, the summary (else the title) in ``description``.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from feedgen.feed import FeedGenerator

from newsbot.feeds.entry import Record
from newsbot.feeds.names import feed_url
from newsbot.times import aware

GENERATOR = "newsbot"


@dataclass(frozen=True)
class FeedInfo:
    key: str  # "all", "guancha" or "guancha/头条"
    title: str
    base_url: str = ""  # where the feeds directory is served; "" = unknown


def render(info: FeedInfo, entries: list[Record]) -> dict[str, bytes]:
    """``{"atom": …, "rss": …}`` for ``entries`` (newest first, at least one)."""
    atom = _generator(info, entries, "atom")
    rss = _generator(info, entries, "rss")
    return {"atom": atom.atom_str(pretty=True), "rss": rss.rss_str(pretty=True)}


def _generator(info: FeedInfo, entries: list[Record], kind: str) -> FeedGenerator:
    feed = FeedGenerator()
    if kind == "rss":
        feed.load_extension("dc", atom=False, rss=True)
    home = _origin(entries[0]["url"])
    self_url = feed_url(info.base_url, info.key, kind) if info.base_url else None
    feed.id(self_url or f"urn:newsbot:feeds:{quote(info.key)}")
    feed.title(info.title)
    feed.description(info.title)
    feed.generator(GENERATOR)
    feed.link(href=home, rel="alternate")
    if self_url:
        feed.link(href=self_url, rel="self")
    if entries[0].get("language"):
        feed.language(entries[0]["language"])
    feed.updated(max((aware(e["updated"] or e["published"]) for e in entries), key=lambda t: t.timestamp()))
    for record in entries:
        _add_entry(feed, record, kind)
    return feed


def _add_entry(feed: FeedGenerator, record: Record, kind: str) -> None:
    entry = feed.add_entry(order="append")
    entry.id(record["url"])
    entry.guid(record["url"], permalink=True)  # after id(), which would make it "false"
    entry.title(record["title"])
    entry.link(href=record["url"], rel="alternate")
    entry.published(aware(record["published"]))
    entry.updated(aware(record["updated"] or record["published"]))
    if record.get("summary"):
        entry.summary(record["summary"])
    elif kind == "rss":  # without a description feedgen would put the body there, not in content:encoded
        entry.description(record["title"])
    entry.content(record["content"], type="html")  # escaped text, in RSS too: never CDATA
    for name in record["authors"]:
        if kind == "atom":
            entry.author(name=name)
        else:
            entry.dc.dc_creator(name, replace=False)
    for term in record["categories"]:
        entry.category(term=term)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"
