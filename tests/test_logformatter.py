"""Dropped and failed items are logged by URL and reason, never by repr."""
from __future__ import annotations

import logging

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsbot.logformatter import NewsbotLogFormatter
from tests.articles import URL_A, article


@pytest.fixture()
def spider() -> Spider:
    crawler = get_crawler(Spider, {"LOG_FORMATTER": "newsbot.logformatter.NewsbotLogFormatter"})
    return Spider.from_crawler(crawler, name="guancha")


def line(result: dict) -> str:
    return result["msg"] % result["args"]


def test_a_reason_that_names_the_url_is_the_whole_line(spider: Spider) -> None:
    dropped = NewsbotLogFormatter().dropped(article(URL_A), DropItem(f"unchanged article {URL_A}", log_level="INFO"),
                                            None, spider)
    assert dropped["level"] == logging.INFO  # the level the DropItem asks for
    assert line(dropped) == f"Dropped: unchanged article {URL_A}"


def test_a_reason_without_the_url_gets_it_appended(spider: Spider) -> None:
    dropped = NewsbotLogFormatter().dropped(article(URL_A), DropItem("cannot store: a key starts with $"), None, spider)
    assert dropped["level"] == logging.WARNING  # DEFAULT_DROPITEM_LOG_LEVEL
    assert line(dropped) == f"Dropped: cannot store: a key starts with $ ({URL_A})"


def test_no_field_of_the_item_but_its_url_is_logged(spider: Spider) -> None:
    item = article(URL_A)
    text = line(NewsbotLogFormatter().dropped(item, DropItem("duplicate"), None, spider))
    assert item.title not in text and "Article(" not in text and "\n" not in text


def test_an_item_error_names_the_url_and_the_error(spider: Spider) -> None:
    failed = NewsbotLogFormatter().item_error(article(URL_A), ValueError("bad date"), None, spider)
    assert failed["level"] == logging.ERROR
    assert line(failed) == f"Error processing {URL_A}: ValueError: bad date"


def test_an_item_without_url_says_so(spider: Spider) -> None:
    dropped = NewsbotLogFormatter().dropped({"title": "标题"}, DropItem("missing field 'url'"), None, spider)
    assert line(dropped) == "Dropped: missing field 'url' (<no url>)"
