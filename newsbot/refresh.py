"""Whether this crawl was asked to fetch and emit stored articles again.

``NEWSBOT_FULL_REFRESH`` (a setting, or the environment) or the spider argument
``refresh=1``. The incremental middleware then downloads stored articles, and dedupe passes
unchanged ones on instead of dropping them; the stores write only what changed (MongoDB's
update matches no document, a Hexo post with the same bytes is not rewritten), so a
refresh re-exports everything and keeps one document per article.
"""
from __future__ import annotations

from scrapy.crawler import Crawler

TRUE = {"1", "true", "yes", "on"}


def refreshing(crawler: Crawler) -> bool:
    spider = getattr(crawler, "spider", None)
    asked = str(getattr(spider, "refresh", "")).strip().lower() in TRUE
    return crawler.settings.getbool("NEWSBOT_FULL_REFRESH") or asked
