"""Write the crawl's final stats as JSON to NEWSBOT_STATS_FILE (for scripts and tests)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler

from newsbot.disabled import disabled


class StatsFile:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("NEWSBOT_STATS_FILE")
        if not path:
            raise disabled(cls, "NEWSBOT_STATS_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, reason: str) -> None:
        stats = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in self.crawler.stats.get_stats().items()}
        stats.setdefault("finish_reason", reason)  # the health check may have changed it
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, ensure_ascii=False, indent=1, default=str), "utf-8")
