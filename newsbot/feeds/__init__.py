"""Atom and RSS 2.0 feeds of the stored articles: one for everything, per site, per channel.

``entry_record`` turns an Article (item or dict) into the sanitised entry a feed holds,
``FeedStore`` keeps the newest N entries of every feed in a small JSON state next to the
feed files and rewrites, atomically, only the files whose bytes change.
"""
from __future__ import annotations

from newsbot.feeds.entry import entry_record, feed_keys
from newsbot.feeds.store import FeedStore

__all__ = ["FeedStore", "entry_record", "feed_keys"]
