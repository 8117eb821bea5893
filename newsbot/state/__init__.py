"""The seen-article state of a crawl: MongoDB when MONGO_URI is set, else sqlite3.

:func:`store_for` gives every component of one crawl the same opened store and closes it
when the spider closes.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler

from newsbot.state.base import Known, StateStore, StateUnavailable

__all__ = ["Known", "StateStore", "StateUnavailable", "close_store", "make_store", "store_for"]

logger = logging.getLogger(__name__)
SQLITE_NAME = "state.sqlite3"

_stores: WeakKeyDictionary[Crawler, StateStore] = WeakKeyDictionary()
_opening: WeakKeyDictionary[Crawler, asyncio.Future[StateStore]] = WeakKeyDictionary()


def make_store(crawler: Crawler) -> StateStore:
    """A new, unopened store chosen by the crawler's settings."""
    settings = crawler.settings
    uri = settings.get("MONGO_URI")
    if uri:
        from newsbot.state.mongo import MongoStateStore

        return MongoStateStore(uri, settings.get("MONGO_DATABASE", "newsbot"),
                               settings.get("MONGO_COLLECTION", "articles"),
                               settings.getint("NEWSBOT_MONGO_TIMEOUT_MS", 5000))
    from newsbot.state.sqlite import SqliteStateStore

    return SqliteStateStore(Path(settings.get("NEWSBOT_STATE_DIR", ".newsbot")) / SQLITE_NAME)


async def store_for(crawler: Crawler) -> StateStore:
    """The crawl's store, opened on first use and closed on ``spider_closed``."""
    if crawler in _stores:
        return _stores[crawler]
    if crawler in _opening:
        return await _opening[crawler]
    future: asyncio.Future[StateStore] = asyncio.get_running_loop().create_future()
    _opening[crawler] = future
    try:
        store = make_store(crawler)
        await store.open()
    except BaseException as error:
        future.set_exception(error)
        future.exception()  # mark retrieved: the caller below re-raises it
        del _opening[crawler]
        raise
    _stores[crawler] = store
    del _opening[crawler]
    crawler.signals.connect(_close_handler(crawler), signal=signals.spider_closed, weak=False)
    logger.info("article state: %s", store.name)
    future.set_result(store)
    return store


def _close_handler(crawler: Crawler):  # type: ignore[no-untyped-def]
    async def close(*_args: object, **_kwargs: object) -> None:
        await close_store(crawler)

    return close


async def close_store(crawler: Crawler) -> None:
    """Close the crawl's store now (also done by the spider_closed signal)."""
    store = _stores.pop(crawler, None)
    if store is not None:
        await store.close()
