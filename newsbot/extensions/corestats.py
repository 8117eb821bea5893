"""Scrapy's core stats, minus a traceback when the spider never opened.

When a component fails to open (MongoDB unreachable, the state directory not writable),
Scrapy closes the spider without having sent ``spider_opened``; its ``CoreStats`` then
asserts in ``spider_closed`` and logs a traceback that hides the one line that says
what went wrong. This subclass records the finish reason and nothing else in that case.
"""
from __future__ import annotations

from scrapy import Spider
from scrapy.extensions.corestats import CoreStats as ScrapyCoreStats


class CoreStats(ScrapyCoreStats):
    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.start_time is None:
            self.stats.set_value("finish_reason", reason)
            return
        super().spider_closed(spider, reason)
