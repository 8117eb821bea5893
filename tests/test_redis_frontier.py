"""The distributed-mode parts, one at a time, against a real redis-server.

Bloom filter (false positive rate, atomicity, fixed memory), token bucket, leased queue
(request serialisation with dataclass cb_kwargs, requeue, dead-worker reclaim), the add-on's
settings, and `scrapy seed`'s new-crawl / --append / --reset rules.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newsbot.distributed.addon import DistributedMode
from newsbot.distributed.bloom import BloomParams, RedisBloomFilter
from newsbot.distributed.frontier import Frontier
from newsbot.distributed.keys import FrontierKeys
from newsbot.distributed.queue import LeasedPriorityQueue
from newsbot.distributed.ratelimit import TokenBucket
from newsbot.sites.listing import ListEntry
from newsbot.spiders.guancha import GuanchaSpider
from tests.crawl import ROOT
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
    new = bloom.add_many(fingerprints("seen", capacity))
    # while filling, a new item may already look seen, at a rate rising from 0 to the setting
    assert capacity - new <= error_rate * capacity
    assert all(bloom.contains_many(fingerprints("seen", capacity)))  # never a false negative
    hits = 0
    fresh = fingerprints("fresh", probes)
    for i in range(0, probes, 5000):
        hits += sum(bloom.contains_many(fresh[i:i + 5000]))
    measured = hits / probes
    # filled to capacity, the rate is the setting; allow for the sampling error (~4 sigma)
    assert 0.6 * error_rate <= measured <= 1.4 * error_rate, f"measured {measured:.5f} for {error_rate}"
    assert abs(bloom.estimated_count() - capacity) / capacity < 0.03


def test_bloom_memory_is_fixed_by_capacity(server: Any) -> None:
    params = BloomParams.for_capacity(200_000, 0.001)
    bloom = RedisBloomFilter(server, "t:mem", params)
    bloom.allocate()
    empty = server.memory_usage(bloom.shard_key(0))
    assert params.bits / 8 <= empty <= params.bits / 8 * 1.1
    bloom.add_many(fingerprints("a", 5_000))
    assert server.memory_usage(bloom.shard_key(0)) == empty  # adding never grows it
    bloom.allocate()  # a second worker: keeps the bits already set
    assert all(bloom.contains_many(fingerprints("a", 5_000)))


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
    RedisBloomFilter(server, "t:p", BloomParams.for_capacity(1000, 0.01)).check_params()
    RedisBloomFilter(server, "t:p", BloomParams.for_capacity(1000, 0.01)).check_params()  # same: fine
    with pytest.raises(ValueError, match="was made with"):
        RedisBloomFilter(server, "t:p", BloomParams.for_capacity(5000, 0.01)).check_params()


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
    gaps = [b - a for a, b in zip(first[2:], first[3:])]
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
    crawler = get_crawler(GuanchaSpider, {"REDIS_URL": redis_url})
    return GuanchaSpider.from_crawler(crawler, channels="toutiao")


def test_requests_survive_the_queue_with_dataclass_cb_kwargs(server: Any, spider: GuanchaSpider) -> None:
    keys = FrontierKeys.for_spider("guancha")
    queue = LeasedPriorityQueue(server, spider, keys.queue)
    entry = ListEntry(url="https://www.guancha.cn/economy/2022_04_26_636893.shtml", channel="头条",
                      title="一季度经济数据发布", listed_at="2022-04-26T09:00:00+08:00")
    article = spider.listed(entry)
    [first_list] = list(spider.start_list_requests())
    queue.push(article)
    queue.push(first_list)

    popped = queue.pop_leased(keys.inflight("w1"), "w1:1")
    assert popped.url == first_list.url and popped.priority == 10  # higher priority first
    again = queue.pop_leased(keys.inflight("w1"), "w1:2")
    assert again.url == article.url
    assert again.callback == spider.parse_article and again.errback == spider.article_failed
    assert again.cb_kwargs == {"canonical": "https://www.guancha.cn/economy/2022_04_26_636893.shtml", "listing": entry}
    assert isinstance(again.cb_kwargs["listing"], ListEntry)
    assert again.meta["newsbot_article"] is True
    assert server.hlen(keys.inflight("w1")) == 2 and len(queue) == 0

    frontier = Frontier(server, keys)
    frontier.release("w1", "w1:2")
    assert frontier.requeue("w1") == 1  # only the unacknowledged one goes back...
    assert queue.pop_leased(keys.inflight("w2"), "w2:1").priority == 10  # ...with its priority


def test_dead_workers_requests_are_reclaimed_only_after_the_heartbeat(server: Any, spider: GuanchaSpider) -> None:
    keys = FrontierKeys.for_spider("guancha")
    frontier = Frontier(server, keys)
    queue = LeasedPriorityQueue(server, spider, keys.queue)
    for request in spider.start_list_requests():
        queue.push(request)
    frontier.register("dying", ttl=0.3)
    assert queue.pop_leased(keys.inflight("dying"), "dying:1") is not None
    assert frontier.state(exclude="other").inflight == 1
    assert frontier.reclaim_dead(exclude="other") == 0  # still alive
    time.sleep(0.4)
    assert frontier.state(exclude="other").inflight == 0  # dead work is not "in progress"
    assert frontier.orphaned() == 1
    assert frontier.reclaim_dead(exclude="other") == 1
    assert len(queue) == 1 and frontier.workers() == [] and frontier.orphaned() == 0


# --- settings ----------------------------------------------------------------------------------
def resolved(**overrides: Any) -> Settings:
    """Project settings plus ``-s`` overrides, after the add-on ran (as AddonManager runs it)."""
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    crawler = get_crawler(GuanchaSpider, {"REDIS_URL": settings.get("REDIS_URL")})
    try:
        addon = DistributedMode.from_crawler(crawler)
    except NotConfigured:
        return settings
    addon.update_settings(settings)
    return settings


def test_single_machine_mode_without_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = resolved(REDIS_URL="")
    assert settings["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy.dupefilters.RFPDupeFilter"
    assert not any("distributed" in str(k) for k in settings.getdict("DOWNLOADER_MIDDLEWARES"))


def test_redis_url_switches_distributed_mode_on(redis_url: str) -> None:
    settings = resolved(REDIS_URL=redis_url, NEWSBOT_REDIS_RATE=5)
    assert settings["SCHEDULER"] == "newsbot.distributed.scheduler.DistributedScheduler"
    assert settings["DUPEFILTER_CLASS"] == "newsbot.distributed.bloom.BloomDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    middlewares = {getattr(k, "__name__", k): v for k, v in settings.getdict("DOWNLOADER_MIDDLEWARES").items()}
    assert middlewares["SharedRateLimitMiddleware"] == 950
    assert "IncrementalMiddleware" in str(settings.getdict("DOWNLOADER_MIDDLEWARES"))  # project ones kept
    assert resolved(REDIS_URL=redis_url, SCHEDULER_PERSIST=False).getbool("SCHEDULER_PERSIST") is False  # -s wins


# --- scrapy seed ---------------------------------------------------------------------------------
def seed(redis_url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "seed", "guancha", "-a", "channels=toutiao,redian", *flags,
           "-s", f"REDIS_URL={redis_url}", "-s", "TELNETCONSOLE_ENABLED=False"]
    return subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120)


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


def test_seed_needs_redis_url() -> None:
    cmd = [sys.executable, "-m", "scrapy", "seed", "guancha"]
    result = subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "needs REDIS_URL" in result.stderr
