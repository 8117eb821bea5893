"""Crawlers built on the project's settings, as ``scrapy crawl`` builds them.

Components read their settings without defaults of their own (newsbot/settings.py holds
them), so a test crawler must start from the project's settings, not Scrapy's alone.
"""
from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newsbot import settings as project_module


def project_settings(**overrides: Any) -> dict[str, Any]:
    """Every setting of newsbot/settings.py, with ``overrides`` on top."""
    values = {name: getattr(project_module, name) for name in dir(project_module) if name.isupper()}
    values.update(overrides)
    return values


def project_crawler(spidercls: type[Spider] = Spider, **overrides: Any) -> Crawler:
    """A crawler (extensions built, no engine) with the project's settings and ``overrides``."""
    return get_crawler(spidercls, settings_dict=project_settings(**overrides))
