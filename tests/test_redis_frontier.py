"""The distributed-mode parts, one at a time, against a real redis-server.

Bloom filter (false positive rate, atomicity, fixed memory), token bucket, leased queue
(JSON requests with the spider's dataclass and bytes cb_kwargs, requeue, dead-worker
reclaim), what the queue refuses to decode, the add-on's settings, and `scrapy seed`'s
new-crawl / --append / --reset rules.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import pickle
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from scrapy import Request
from scrapy.addons import AddonManager
from scrapy.core.engine import ExecutionEngine
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from scrapy_redis.queue import PriorityQueue

from newsbot.distributed import serializer
from newsbot.distributed.bloom import BloomDupeFilter, BloomParams, RedisBloomFilter
from newsbot.distributed.frontier import Frontier
from newsbot.distributed.ratelimit import TokenBucket
from newsbot.items import Image
from newsbot.sites.listing import ListEntry
from newsbot.spiders.guancha import GuanchaSpider
from tests.crawl import ROOT
from tests.project import project_crawler
from tests.redis_bloom import add_many, contains_many
from tests.workers import clean_env

pytestmark = pytest.mark.integration


@pytest.fixture()
def server(redis_url: str) -> Any:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def fingerprints(prefix: str, n: int) -> list[bytes]:
    return [f"{prefix}-{i}".encode() for i in range(n)]


# --- Bloom filter ---------------------------------------------------------------------
@pytest.mark.parametrize("error_rate,probes", [(0.01, 30_000), (0.001, 60_000)])
def test_bloom_false_positive_rate_is_near_the_setting(server: Any, error_rate: float, probes: int) -> None:
    capacity = 10_000
    bloom = RedisBloomFilter(server, "t:bloom", BloomParams.for_capacity(capacity, error_rate))
    new = add_many(bloom, fingerprints("seen", capacity))
    # while filling, a new item may already look seen, at a rate rising from 0 to the setting
    assert capacity - new <= error_rate * capacity
    assert all(contains_many(bloom, fingerprints("seen", capacity)))  # never a false negative
    measured = sum(contains_many(bloom, fingerprints("fresh", probes))) / probes
    # filled to capacity, the rate is the setting; allow for the sampling error (~4 sigma)
    assert 0.6 * error_rate <= measured <= 1.4 * error_rate, f"measured {measured:.5f} for {error_rate}"
    assert abs(bloom.estimated_count() - capacity) / capacity < 0.03


def test_bloom_memory_is_fixed_by_capacity(server: Any) -> None:
    params = BloomParams.for_capacity(200_000, 0.001)
    bloom = RedisBloomFilter(server, "t:mem", params)
    bloom.open()
    empty = server.memory_usage(bloom.bits_key)
    assert params.bits / 8 <= empty <= params.bits / 8 * 1.1
    add_many(bloom, fingerprints("a", 5_000))
    assert server.memory_usage(bloom.bits_key) == empty  # adding never grows it
    bloom.open()  # a second worker: keeps the bits already set
    assert all(contains_many(bloom, fingerprints("a", 5_000)))


def test_bloom_add_is_atomic_across_clients(redis_url: str) -> None:
    """Two workers adding the same fingerprints at once: each one is new exactly once."""
    params = BloomParams.for_capacity(10_000, 0.0001)
    items = fingerprints("same", 2_000)
    new_counts: list[int] = []

    def worker() -> None:
        with redis.Redis.from_url(redis_url) as client:
            bloom = RedisBloomFilter(client, "t:race", params)
            new_counts.append(sum(bloom.add(fp) for fp in items))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(new_counts) == len(items)


def test_bloom_refuses_other_parameters(server: Any) -> None:
    RedisBloomFilter(server, "t:p", BloomParams.for_capacity(1000, 0.01)).open()
    RedisBloomFilter(server, "t:p", BloomParams.for_capacity(1000, 0.01)).open()  # same: fine
    with pytest.raises(ValueError, match="was made with"):
        RedisBloomFilter(server, "t:p", BloomParams.for_capacity(5000, 0.01)).open()


class PathOnlyFingerprinter:
    """A request fingerprinter that ignores the query string."""

    def fingerprint(self, request: Request) -> bytes:
        return hashlib.sha1(request.url.split("?")[0].encode()).digest()


def test_the_seen_set_asks_the_crawlers_request_fingerprinter(redis_url: str) -> None:
    crawler = get_crawler(GuanchaSpider, {"REDIS_URL": redis_url, "NEWSBOT_BLOOM_CAPACITY": 1000,
                                          "NEWSBOT_BLOOM_ERROR_RATE": 0.001,
                                          "REQUEST_FINGERPRINTER_CLASS": PathOnlyFingerprinter})
    dupefilter = BloomDupeFilter.from_spider(GuanchaSpider.from_crawler(crawler))
    assert dupefilter.key == "guancha:dupefilter"
    assert not dupefilter.request_seen(Request("https://www.guancha.cn/a.shtml?from=home"))
    assert dupefilter.request_seen(Request("https://www.guancha.cn/a.shtml?from=list"))  # the same to this fingerprinter
    assert not dupefilter.request_seen(Request("https://www.guancha.cn/b.shtml"))
    assert crawler.stats.get_value("newsbot/redis/bloom/added") == 2
    assert crawler.stats.get_value("newsbot/redis/bloom/seen") == 1


# --- token bucket -----------------------------------------------------------------------
def test_token_bucket_spaces_reservations_at_the_rate(redis_url: str) -> None:
    async def run() -> tuple[list[float], list[float]]:
        client = aioredis.from_url(redis_url)
        try:
            bucket = TokenBucket(client, rate=10.0, burst=3, prefix="t:bucket")
            first = [await bucket.reserve("site") for _ in range(8)]
            await asyncio.sleep(first[-1] + 0.5)  # let it refill: 0.5 s at 10/s = 5 tokens, capped at 3
            again = [await bucket.reserve("site") for _ in range(4)]
            return first, again
        finally:
            await client.aclose()

    first, again = asyncio.run(run())
    assert first[:3] == [0.0, 0.0, 0.0]  # the burst
    gaps = [b - a for a, b in itertools.pairwise(first[2:])]
    assert all(abs(g - 0.1) < 0.02 for g in gaps), first
    assert again[:3] == [0.0, 0.0, 0.0] and 0.05 < again[3] <= 0.1


def test_token_bucket_is_per_site(redis_url: str) -> None:
    async def run() -> list[float]:
        client = aioredis.from_url(redis_url)
        try:
            bucket = TokenBucket(client, rate=1.0, burst=1, prefix="t:sites")
            return [await bucket.reserve("a"), await bucket.reserve("b"), await bucket.reserve("a")]
        finally:
            await client.aclose()

    a1, b1, a2 = asyncio.run(run())
    assert (a1, b1) == (0.0, 0.0) and 0.9 < a2 <= 1.0


# --- leased queue and frontier ------------------------------------------------------------
@pytest.fixture()
def spider(redis_url: str) -> GuanchaSpider:
    crawler = project_crawler(GuanchaSpider, REDIS_URL=redis_url)
    return GuanchaSpider.from_crawler(crawler, channels="toutiao")


ARTICLE = "https://www.guancha.cn/economy/2022_04_26_636893.shtml"
ENTRY = ListEntry(url=ARTICLE, channel="头条", title="一季度经济数据发布", listed_at="2022-04-26T09:00:00+08:00",
                  lead_image=Image(url="https://i.guancha.cn/news/2022/04/26/lead.jpg", width=600, height=400))


def queue_of(server: Any, spider: GuanchaSpider) -> PriorityQueue:
    return PriorityQueue(server, spider, "guancha:requests", serializer=serializer)


def test_requests_survive_the_queue_as_json(server: Any, spider: GuanchaSpider) -> None:
    queue, frontier = queue_of(server, spider), Frontier(server, "guancha", "guancha:requests")
    article = spider.listed(ENTRY)
    assert article is not None
    page_1 = (ARTICLE, "<html>第一页</html>".encode("gb18030"), "gb18030")
    more = spider._more("https://www.guancha.cn/economy/2022_04_26_636893_2.shtml", spider.parse_more_page,
                        spider.more_page_failed, ARTICLE, ENTRY, [page_1], ["https://www.guancha.cn/economy/p3.shtml"])
    [first_list] = list(spider.start_list_requests())
    for request in (article, more, first_list):
        queue.push(request)
    assert all(member.startswith(b"{") for member in server.zrange("guancha:requests", 0, -1))  # JSON, no pickle

    popped = serializer.request_from_data(frontier.pop("w1", "w1:1"), spider)
    assert popped.url == first_list.url and popped.priority == 10  # higher priority first
    assert popped.callback == spider.parse_headline and popped.cb_kwargs == first_list.cb_kwargs
    again = serializer.request_from_data(frontier.pop("w1", "w1:2"), spider)
    assert again.url == ARTICLE
    assert again.callback == spider.parse_article and again.errback == spider.article_failed
    assert again.cb_kwargs == {"canonical": ARTICLE, "listing": ENTRY}
    assert isinstance(again.cb_kwargs["listing"].lead_image, Image)
    assert again.meta == article.meta and again.meta["newsbot_canonical"] == ARTICLE
    third = serializer.request_from_data(frontier.pop("w1", "w1:3"), spider)
    assert third.callback == spider.parse_more_page and third.errback == spider.more_page_failed
    assert third.cb_kwargs["saved"] == [page_1]  # a tuple again, its bytes intact
    assert third.cb_kwargs["pages"] == ["https://www.guancha.cn/economy/p3.shtml"]
    assert server.hlen("guancha:inflight:w1") == 3 and len(queue) == 0

    frontier.release("w1", "w1:2")
    frontier.release("w1", "w1:3")
    assert frontier.requeue("w1") == 1  # only the unacknowledged one goes back...
    assert serializer.request_from_data(frontier.pop("w2", "w2:1"), spider).priority == 10  # ...with its priority


class Boom:
    """Unpickling this runs code: it touches the file named ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(self.marker),))


def test_the_queue_decodes_no_pickle_and_no_foreign_callback(spider: GuanchaSpider, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = pickle.dumps({"url": ARTICLE, "callback": Boom(str(marker))})
    listed = spider.listed(ENTRY)
    assert listed is not None
    good = serializer.dumps(listed.to_dict(spider=spider))
    bad = [
        payload,
        b"\x00\xffnot json",
        b'{"url": 1}',
        good.replace(b'"parse_article"', b'"no_such_callback"'),
        good.replace(b'"parse_article"', b'"close"'),  # a Spider method, not a callback
        good.replace(b'"parse_article"', b'"_signal"'),  # private
        good.replace(b'"callback"', b'"_class":"os.system","callback"'),
        good.replace(b'"$ListEntry"', b'"$Path"'),  # only the spider's own dataclasses
        good.replace(b'"title"', b'"shell"'),  # no such field
    ]
    for data in bad:
        with pytest.raises((ValueError, TypeError)):
            serializer.request_from_data(data, spider)
    assert not marker.exists()
    pickle.loads(payload)  # what scrapy-redis's default serializer would have done
    assert marker.exists()
    assert serializer.request_from_data(good, spider).cb_kwargs["listing"] == ENTRY
    with pytest.raises(TypeError, match="cannot store"):
        serializer.dumps({"url": ARTICLE, "meta": {"x": object()}})


def test_dead_workers_requests_are_reclaimed_only_after_the_heartbeat(server: Any, spider: GuanchaSpider) -> None:
    queue, frontier = queue_of(server, spider), Frontier(server, "guancha", "guancha:requests")
    for request in spider.start_list_requests():
        queue.push(request)
    frontier.beat("dying", ttl=0.3)
    assert frontier.pop("dying", "dying:1") is not None
    assert frontier.state(exclude="other").inflight == 1
    assert frontier.reclaim_dead(exclude="other") == 0  # still alive
    time.sleep(0.4)
    assert frontier.state(exclude="other").inflight == 0  # dead work is not "in progress"
    assert frontier.state().orphaned == 1
    assert frontier.reclaim_dead(exclude="other") == 1
    assert len(queue) == 1 and frontier.workers() == [] and frontier.state().orphaned == 0


def test_the_engine_attribute_for_the_poll_interval_still_exists() -> None:
    """The scheduler sets it (Scrapy has no setting for it); a Scrapy without it must fail here."""
    assert isinstance(ExecutionEngine._SLOT_HEARTBEAT_INTERVAL, float)


# --- settings ----------------------------------------------------------------------------------
def resolved(**overrides: Any) -> Settings:
    """Project settings plus ``-s`` overrides, after the add-ons ran (as a crawl runs them)."""
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    AddonManager(get_crawler(GuanchaSpider, {"REDIS_URL": settings.get("REDIS_URL")})).load_settings(settings)
    return settings


def test_single_machine_mode_without_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = resolved(REDIS_URL="")
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert settings["DUPEFILTER_CLASS"] == "newsbot.dupefilter.CompactDupeFilter"
    assert not any("distributed" in str(k) for k in settings.getdict("DOWNLOADER_MIDDLEWARES"))


def test_redis_url_switches_distributed_mode_on(redis_url: str) -> None:
    settings = resolved(REDIS_URL=redis_url, NEWSBOT_REDIS_RATE=5)
    assert settings["SCHEDULER"] == "newsbot.distributed.scheduler.DistributedScheduler"
    assert settings["DUPEFILTER_CLASS"] == "newsbot.distributed.bloom.BloomDupeFilter"
    assert settings["SCHEDULER_SERIALIZER"] == "newsbot.distributed.serializer"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    middlewares = {getattr(k, "__name__", k): v for k, v in settings.getdict("DOWNLOADER_MIDDLEWARES").items()}
    assert middlewares["SharedRateLimitMiddleware"] == 950
    assert "IncrementalMiddleware" in str(settings.getdict("DOWNLOADER_MIDDLEWARES"))  # project ones kept
    assert resolved(REDIS_URL=redis_url, SCHEDULER_PERSIST=False).getbool("SCHEDULER_PERSIST") is False  # -s wins


# --- scrapy seed ---------------------------------------------------------------------------------
def seed(redis_url: str, *flags: str, channels: str = "toutiao,redian") -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "seed", "guancha", "-a", f"channels={channels}", *flags,
           "-s", f"REDIS_URL={redis_url}", "-s", "TELNETCONSOLE_ENABLED=False"]
    return subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120, check=False)


def test_seed_starts_a_crawl_and_protects_it(redis_url: str, server: Any) -> None:
    first = seed(redis_url)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "2 request(s) pushed" in first.stderr
    assert server.zcard("guancha:requests") == 2

    refused = seed(redis_url)  # the crawl has not run: do not silently start another
    assert refused.returncode != 0 and "2 request(s) queued" in refused.stderr
    appended = seed(redis_url, "--append")  # same crawl: the list pages are already in it
    assert appended.returncode == 0 and "0 request(s) pushed" in appended.stderr
    assert "2 already seen" in appended.stderr
    reset = seed(redis_url, "--reset")
    assert reset.returncode == 0 and "2 request(s) pushed" in reset.stderr
    assert server.zcard("guancha:requests") == 2

    server.delete("guancha:requests")  # as if workers had finished the crawl
    next_day = seed(redis_url)
    assert next_day.returncode == 0 and "2 request(s) pushed" in next_day.stderr  # seen-set cleared


def test_a_seed_that_seeds_nothing_fails(redis_url: str, server: Any) -> None:
    """The column channel without columns= has no start request: nothing is seeded, exit 1."""
    nothing = seed(redis_url, channels="column")
    assert nothing.returncode == 1
    assert "seeding guancha failed: 0 request(s) pushed" in nothing.stderr and "Traceback" not in nothing.stderr
    assert server.zcard("guancha:requests") == 0


def test_a_seed_without_redis_fails_with_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    down = seed(f"redis://127.0.0.1:{port}/0")
    assert down.returncode == 1
    assert f"cannot seed guancha: Redis at redis://127.0.0.1:{port}/0" in down.stderr
    assert "Traceback" not in down.stderr


def test_seed_needs_redis_url() -> None:
    cmd = [sys.executable, "-m", "scrapy", "seed", "guancha"]
    result = subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "needs REDIS_URL" in result.stderr
