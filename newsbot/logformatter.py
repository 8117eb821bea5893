"""Log lines for dropped and failed items that name the article, not its whole repr.

Scrapy's ``LogFormatter`` prints the entire item after "Dropped:" and "Error
processing": an ``Article`` with its body runs to 10,000 characters a line. Here a
dropped item is one line, ``Dropped: <reason> (<url>)``, at the level the ``DropItem``
asks for (``log_level``, else ``DEFAULT_DROPITEM_LOG_LEVEL``); the URL is left out when
the reason already names it. An item error is ``Error processing <url>: <error>``
(Scrapy adds the traceback).
"""
from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

NO_URL = "<no url>"


def item_url(item: Any, response: Response | Failure | None = None) -> str:
    """The article's canonical ``url``, else the URL it was fetched from, else the response's.

    >>> item_url({"url": "https://www.guancha.cn/a/1.shtml", "fetched_url": "http://127.0.0.1/a/1.shtml"})
    'https://www.guancha.cn/a/1.shtml'
    >>> item_url({"title": "x"})
    '<no url>'
    """
    if ItemAdapter.is_item(item):
        adapter = ItemAdapter(item)
        for field in ("url", "fetched_url"):
            value = adapter.get(field)
            if isinstance(value, str) and value:
                return value
    if isinstance(response, Response):
        return response.url
    return NO_URL


def _reason(exception: BaseException) -> str:
    return str(exception) or type(exception).__name__


class NewsbotLogFormatter(LogFormatter):
    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        level = super().dropped(item, exception, response, spider)["level"]
        url, reason = item_url(item, response), _reason(exception)
        if url in reason:
            return {"level": level, "msg": "Dropped: %(reason)s", "args": {"reason": reason}}
        return {"level": level, "msg": "Dropped: %(reason)s (%(url)s)", "args": {"reason": reason, "url": url}}

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {
            "level": result["level"],
            "msg": "Error processing %(url)s: %(error)s",
            "args": {"url": item_url(item, response), "error": f"{type(exception).__name__}: {exception}"},
        }
