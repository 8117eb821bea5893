"""Hand-written Article items and a small in-process pipeline runner for storage tests."""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsbot.items import Article, Image
from newsbot.state.extension import StateStoreExtension
from tests.project import project_crawler

PINNED_NOW = "2022-04-27T12:00:00+08:00"

URL_A = "https://www.guancha.cn/internation/2022_04_27_636953.shtml"
URL_B = "https://www.guancha.cn/economy/2022_04_26_636893.shtml"
URL_C = "https://user.guancha.cn/main/content?id=723415"

ARTICLES: dict[str, dict[str, Any]] = {
    URL_A: dict(
        url=URL_A,
        fetched_url="https://www.guancha.cn/internation/2022_04_27_636953_s.shtml",
        site="guancha", source_name="观察者网", source="观察者网",
        categories=["新媒体", "观察者网", "头条"],
        title="美国会通过对乌援助法案",
        summary="据美媒报道，美国国会27日通过对乌援助法案。",
        authors=["观察者网"],
        published_at="2022-04-27T10:22:31+08:00",
        paragraphs=["【文/观察者网 王世纯】", "据美媒报道，美国国会27日通过对乌援助法案。",
                    "本文系观察者网独家稿件，未经授权，不得转载。"],
        images=[Image(url="https://i.guancha.cn/news/2022/04/27/a.jpg", caption="资料图", index=1)],
        tags=["美国", "乌克兰"], language="zh-CN",
    ),
    URL_B: dict(
        url=URL_B, site="guancha", source_name="观察者网", source="中新网",
        categories=["新媒体", "中新网", "滚动"],
        title="一季度经济数据发布",
        authors=["中新网"],
        published_at="2022-04-26T09:00:00+08:00",
        paragraphs=["国家统计局26日发布一季度经济数据。", "数据显示，经济运行总体平稳。"],
        tags=["经济"], language="zh-CN",
    ),
    URL_C: dict(
        url=URL_C, site="guancha", source_name="观察者网", source="观察者网",
        categories=["新媒体", "风闻"],
        title="风闻：谈谈芯片产业",
        authors=["风闻用户甲"],
        published_at="2022-04-25T18:30:00+08:00",
        paragraphs=["芯片产业的问题，归根到底是人才问题。"],
        language="zh-CN",
    ),
}


def article(base: str = URL_A, **changes: Any) -> Article:
    """A fresh copy of the hand-written article ``base``, with ``changes`` applied."""
    values = copy.deepcopy(ARTICLES[base])
    values.update(changes)
    return Article(**values)


def many(count: int, prefix: str = "bulk", day: str = "2022_04_20") -> list[Article]:
    """``count`` distinct articles (distinct URLs and texts) for volume tests."""
    return [
        Article(
            url=f"https://www.guancha.cn/{prefix}/{day}_{700000 + n}.shtml", site="guancha",
            title=f"第{n}篇测试文章", published_at="2022-04-20T08:00:00+08:00",
            paragraphs=[f"第{n}篇的第一段。", f"第{n}篇的第二段，内容不同。"], language="zh-CN",
        )
        for n in range(count)
    ]


def make_crawler(**overrides: Any) -> Crawler:
    """A crawler with the project's settings plus ``overrides`` (no engine is run)."""
    values: dict[str, Any] = {"NEWSBOT_NOW": PINNED_NOW, "MONGO_URI": None, "LOG_LEVEL": "DEBUG"}
    crawler = project_crawler(**{**values, **overrides})
    crawler.spider = Spider(name="test")
    return crawler


class Flow:
    """Items through clean -> dedupe -> mongo the way the engine does it (in-process)."""

    def __init__(self, crawler: Crawler, pipelines: Iterable[Any]) -> None:
        self.crawler = crawler
        self.pipelines = list(pipelines)
        self.passed: list[Any] = []
        self.dropped: list[str] = []

    async def __aenter__(self) -> "Flow":
        for pipeline in self.pipelines:
            if hasattr(pipeline, "open_spider"):
                await _maybe(pipeline.open_spider())
        return self

    async def feed(self, items: Iterable[Any]) -> "Flow":
        for item in items:
            try:
                for pipeline in self.pipelines:
                    item = await _maybe(pipeline.process_item(item))
            except DropItem as drop:
                self.dropped.append(str(drop))
                continue
            self.passed.append(item)
            self.crawler.signals.send_catch_log(signal=signals.item_scraped, item=item,
                                                response=None, spider=self.crawler.spider)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for pipeline in reversed(self.pipelines):
            if hasattr(pipeline, "close_spider"):
                await _maybe(pipeline.close_spider())
        # What the spider_closed signal does for the state store (the real engine is
        # exercised by tests/test_storage_crawl.py).
        state = self.crawler.get_extension(StateStoreExtension)
        if state is not None:
            await state.close()

    def stats(self) -> dict[str, Any]:
        return self.crawler.stats.get_stats()


async def _maybe(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value


def build(crawler: Crawler, *names: str) -> list[Any]:
    """Pipelines by short name ("clean", "dedupe", "mongo") built with from_crawler."""
    from newsbot.pipelines.clean import CleanPipeline
    from newsbot.pipelines.dedupe import DedupePipeline
    from newsbot.pipelines.mongo import MongoPipeline

    classes = {"clean": CleanPipeline, "dedupe": DedupePipeline, "mongo": MongoPipeline}
    built = []
    for name in names:
        try:
            built.append(classes[name].from_crawler(crawler))
        except NotConfigured:  # switched off by its settings, as Scrapy would skip it
            pass
    return built
