"""A crawl that cannot open its stores ends with one ERROR line, not tracebacks.

When MongoDB is unreachable or the state directory cannot be written, a pipeline's
``open_spider`` raises and the crawl ends before any request. Scrapy would then let
asyncio print the exception with its whole traceback ("Task exception was never
retrieved") well after the start-up lines; an environment problem is not a bug, so it
gets one line saying what could not be opened and why. Any other exception keeps its
traceback.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newsbot.mongo.connect import MongoConnectError
from newsbot.state.base import StateCorrupt, StateUnavailable

logger = logging.getLogger(__name__)
STORE_ERRORS: tuple[type[BaseException], ...] = (MongoConnectError, StateCorrupt, StateUnavailable, OSError)


def describe(error: BaseException) -> str:
    """The one line for a store that did not open.

    >>> describe(NotADirectoryError(20, "Not a directory"))
    'NotADirectoryError: [Errno 20] Not a directory'
    >>> describe(MongoConnectError("cannot reach MongoDB at mongodb://db:27017"))
    'cannot reach MongoDB at mongodb://db:27017'
    """
    return str(error) if isinstance(error, (MongoConnectError, StateCorrupt)) else f"{type(error).__name__}: {error}"


def report(error: BaseException) -> None:
    if isinstance(error, STORE_ERRORS):
        logger.error("The crawl did not start: cannot open its storage: %s", describe(error))
    else:
        logger.error("The crawl did not start", exc_info=error)


def watch(crawl: Awaitable[Any]) -> None:
    """Report how ``crawl`` failed, if it does: what ``CrawlerProcess.crawl`` returned, a
    task (asyncio reactor, newsbot's default) or a Deferred (``FORCE_CRAWLER_PROCESS``)."""
    if isinstance(crawl, Deferred):
        crawl.addErrback(_failed)
    elif isinstance(crawl, asyncio.Future):
        crawl.add_done_callback(_done)


def _done(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        report(error)


def _failed(failure: Failure) -> None:
    report(failure.value)
