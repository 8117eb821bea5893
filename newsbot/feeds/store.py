"""The feeds directory, rewritten incrementally.

A hidden state file (``.newsbot-feeds.json``) keeps, for every feed, the URLs of its newest
N entries and, for every such URL, its entry. ``add`` merges an article into every feed it
belongs to (a new version of a URL replaces its entry, and leaves a feed whose channel it
no longer has); ``write`` renders every feed and replaces only the files whose bytes
changed. Entries no feed holds any more are dropped from the state, so it stays small.

Between two writes the crawl appends each merged entry to a small journal
(``.newsbot-feeds-pending.jsonl``, see ``journal``); a store that opens finds there what a
failed or missed write left out and merges it again, and a successful write empties it.
"""
from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any, Self

from scrapy.settings import BaseSettings

from newsbot.feeds.entry import ALL, Record, entry_record, feed_keys
from newsbot.feeds.names import EXTENSIONS, feed_file
from newsbot.feeds.render import FeedInfo, render
from newsbot.files import write_if_changed
from newsbot.times import aware

logger = logging.getLogger(__name__)
STATE = ".newsbot-feeds.json"
JOURNAL = ".newsbot-feeds-pending.jsonl"


class FeedStore:
    def __init__(self, directory: str | os.PathLike[str], *, max_entries: int, title: str,
                 base_url: str = "") -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.directory = Path(directory)
        self.max_entries = max_entries
        self.title = title
        self.base_url = base_url
        self.entries: dict[str, Record] = {}
        self.feeds: dict[str, list[str]] = {}
        self._load()

    @classmethod
    def from_settings(cls, directory: str | os.PathLike[str], settings: BaseSettings) -> Self:
        """A store for ``directory`` with the NEWSBOT_FEEDS_* settings."""
        return cls(directory, max_entries=settings.getint("NEWSBOT_FEEDS_MAX_ENTRIES"),
                   title=settings.get("NEWSBOT_FEEDS_TITLE"),
                   base_url=settings.get("NEWSBOT_FEEDS_BASE_URL") or "")

    def add(self, article: Any) -> None:
        """Merge ``article`` (raises ValueError when it cannot be an entry)."""
        self.merge(entry_record(article))

    def journal(self, record: Record) -> None:
        """Append ``record`` to the journal (OSError when the disk refuses; nothing torn is left)."""
        path = self.directory / JOURNAL
        self.directory.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with open(path, "ab", buffering=0) as out:
            start = out.seek(0, os.SEEK_END)
            try:
                view = memoryview(line)
                while view:
                    view = view[out.write(view) or 0:]
            except OSError:
                out.truncate(start)
                raise

    def merge(self, record: Record) -> None:
        """Merge one entry record (what ``entry_record`` makes)."""
        url, keys = record["url"], feed_keys(record)
        if url in self.entries:
            for key in set(feed_keys(self.entries[url])) - set(keys):
                self.feeds[key] = [u for u in self.feeds.get(key, []) if u != url]
        self.entries[url] = record
        for key in keys:
            urls = self.feeds.setdefault(key, [])
            if url not in urls:
                urls.append(url)
            urls.sort(key=lambda u: self._newest_first(self.entries[u]))
            del urls[self.max_entries:]

    def write(self) -> Counter[str]:
        """Write every feed file that changed; count files ``written``, ``unchanged``, ``removed``."""
        counts: Counter[str] = Counter(written=0, unchanged=0, removed=0)
        for key in sorted(self.feeds):
            urls = self.feeds[key][:self.max_entries]
            self.feeds[key] = urls
            for kind, data in (render(self._info(key), [self.entries[u] for u in urls]) if urls else {}).items():
                written = write_if_changed(self.directory / feed_file(key, kind), data, sync=True)
                counts["written" if written else "unchanged"] += 1
            if not urls:
                del self.feeds[key]
                counts["removed"] += self._remove(key)
        held = {u for urls in self.feeds.values() for u in urls}
        self.entries = {u: r for u, r in self.entries.items() if u in held}
        state = {"feeds": self.feeds, "entries": self.entries}
        text = json.dumps(state, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
        write_if_changed(self.directory / STATE, text.encode("utf-8"), sync=True)
        (self.directory / JOURNAL).unlink(missing_ok=True)  # all of it is in the state now
        logger.info("Feeds in %s: %d written, %d unchanged, %d removed", self.directory,
                    counts["written"], counts["unchanged"], counts["removed"])
        return counts

    def _info(self, key: str) -> FeedInfo:
        if key == ALL:
            return FeedInfo(key, self.title, self.base_url)
        newest = self.entries[self.feeds[key][0]]
        site_name = newest.get("site_name") or key.split("/")[0]
        title = f"{site_name} · {newest['channel']}" if "/" in key else site_name
        return FeedInfo(key, title, self.base_url)

    def _remove(self, key: str) -> int:
        removed = 0
        for kind in EXTENSIONS:
            path = self.directory / feed_file(key, kind)
            if path.exists():
                path.unlink()
                removed += 1
        return removed

    @staticmethod
    def _newest_first(record: Record) -> tuple[float, str]:
        return -aware(record["published"]).timestamp(), record["url"]

    def _load(self) -> None:
        path = self.directory / STATE
        try:
            state = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            pass
        except ValueError as error:  # a damaged state: start over, the next write repairs it
            logger.error("Ignoring the unreadable feed state %s (%s)", path, error)
        else:
            self.entries = state.get("entries", {})
            self.feeds = {k: [u for u in urls if u in self.entries] for k, urls in state.get("feeds", {}).items()}
        self._replay()

    def _replay(self) -> None:
        """Merge what the journal holds: entries a failed (or never reached) write left out."""
        try:
            lines = (self.directory / JOURNAL).read_bytes().splitlines()
        except FileNotFoundError:
            return
        merged = 0
        for line in lines:
            try:
                self.merge(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue  # only a crash in the middle of journal() leaves a torn line
            merged += 1
        logger.info("Feeds in %s: %d entries merged again from %s", self.directory, merged, JOURNAL)
