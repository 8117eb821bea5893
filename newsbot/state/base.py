"""What dedupe and incremental crawling need to know about articles stored before."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass


class StateCorrupt(RuntimeError):
    """The state file is damaged: the crawl must not start (it would emit again, on every
    run, every article the damaged part held)."""


class StateUnavailable(RuntimeError):
    """The store cannot answer now (e.g. MongoDB is down).

    Callers fail open: an article of unknown state is treated as new and downloaded and
    passed on, since the database writes are idempotent; skipping it could lose it.
    """


@dataclass(frozen=True)
class Known:
    """An article stored before.

    ``url`` is the stored article's canonical URL. When it was found through an alias (the
    same text seen at another address), ``alias`` is that other address. ``channel_rank``
    and ``categories`` are those of the best channel it was stored with (``channel_rank``
    None: stored before ranks were kept).
    """

    url: str
    content_hash: str
    published_at: str | None
    version: int = 1
    alias: str | None = None
    channel_rank: int | None = None
    categories: tuple[str, ...] = ()


class StateStore(ABC):
    """Seen-article state shared by the dedupe pipeline and the incremental middleware.

    One instance per crawl (see :class:`newsbot.state.extension.StateStoreExtension`);
    opened once, closed when the spider closes.
    """

    name: str = "state"
    absent_memo = 10_000  # URLs noted absent at most (the oldest go first)

    def __init__(self) -> None:
        self._absent: dict[str, None] = {}
        # Told, on the reactor thread, when records could not be written: (error, records).
        self.on_write_error: Callable[[str, int], None] | None = None

    def note_absent(self, url: str) -> None:
        """``url`` was just looked up and is not stored.

        The incremental middleware asks before a page is downloaded and dedupe again when
        its article arrives; nothing but this crawl's own pipelines, after dedupe, can store
        it in between, so the second question can take the first answer (on MongoDB, two of
        the five lookups a new article cost). The exception is distributed mode, where
        another worker may store the same article reached through another address in that
        time; the MongoDB write is idempotent, so it is then passed on twice but stored once,
        as already happens while a worker's write buffer has not reached the database.
        """
        self._absent[url] = None
        if len(self._absent) > self.absent_memo:
            del self._absent[next(iter(self._absent))]

    def take_absent(self, url: str) -> bool:
        """True, once, when ``url`` was noted absent (see :meth:`note_absent`)."""
        return self._absent.pop(url, False) is None

    @abstractmethod
    async def open(self) -> None:
        """Connect or create what the store needs."""

    @abstractmethod
    async def close(self) -> None:
        """Finish pending writes and release the store."""

    @abstractmethod
    async def lookup_url(self, url: str) -> Known | None:
        """The article stored under ``url``, or the one ``url`` is a recorded alias of."""

    @abstractmethod
    async def lookup_hash(self, content_hash: str) -> Known | None:
        """An article stored with this content hash."""

    @abstractmethod
    async def add_alias(self, alias: str, known: Known, seen_at: str) -> None:
        """Remember that ``alias`` carries the same text as the stored ``known.url``."""

    @abstractmethod
    def record(self, url: str, content_hash: str, published_at: str | None, seen_at: str,
               channel_rank: int | None = None, categories: tuple[str, ...] = ()) -> None:
        """Remember an article that went through every pipeline (called on item_scraped).

        Must not block: stores that write here queue the write and finish it in close().
        A new content hash for a known URL increments the version; a better (lower)
        ``channel_rank`` replaces the stored rank and categories, a worse one does not.
        """
