"""Several workers, one Redis frontier: real redis-server, real crawls, real MongoDB.

Workers are `scrapy crawl guancha` subprocesses with REDIS_URL set; `scrapy seed guancha`
pushes the first list pages. The big site is benchmarks/gen_site.py's (its manifest names
every article); the hand-made fixture site is crawled too, against tests/expected.
"""
from __future__ import annotations

import json
import pickle
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo
import pytest
import redis

from benchmarks.gen_site import generate
from newsbot.distributed.frontier import Frontier
from tests.crawl import crawl
from tests.expected_items import expected_articles
from tests.workers import Fleet, serve_site, wait_for

pytestmark = pytest.mark.integration

FIXTURE_ARGS = {"channels": "toutiao,review,yaowen,fengwen,redian,gundong,shiping,fengwen-topic,fengwen-user",
                "uids": "7788"}


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """150 generated articles on 6 list pages (benchmarks/gen_site.py), 40 ms per answer."""
    tmp = tmp_path_factory.mktemp("big-site")
    info = generate(tmp / "root", articles=150, per_page=25)
    urls = sorted(f"https://www.guancha.cn/{p.parent.name}/{p.name}"
                  for p in (tmp / "root" / "www").glob("*/*.shtml")
                  if p.parent.name != "GuanChaZheTouTiao" and not p.name.endswith("_s.shtml"))
    assert len(urls) == 150
    proc, bases = serve_site(tmp / "root", tmp, latency_ms=40)
    yield {"bases": bases, "urls": urls, "list_pages": info["list_pages"],
           "args": {"channels": "toutiao", "max_pages": str(info["max_pages"])}}
    proc.terminate()
    proc.wait(10)


def mongo_settings(uri: str, db: str) -> dict[str, str]:
    return {"MONGO_URI": uri, "MONGO_DATABASE": db, "NEWSBOT_MONGO_BUFFER_SIZE": "1",
            "NEWSBOT_MONGO_RETRY_BACKOFF": "0.05"}


def stored(uri: str, db: str) -> Counter[str]:
    with pymongo.MongoClient(uri) as client:
        return Counter(doc["url"] for doc in client[db].articles.find({}, {"url": 1}))


def frontier_keys(url: str) -> dict[str, int]:
    with redis.Redis.from_url(url) as client:
        return {
            "queued": client.zcard("guancha:requests"),
            "inflight": sum(client.hlen(k) for k in client.scan_iter("guancha:inflight:*")),
            "workers": client.scard("guancha:workers"),
        }


@contextmanager
def busy_frontier(url: str) -> Iterator[None]:
    """A live worker "gate" holding one request: until it lets go, no other worker closes."""
    with redis.Redis.from_url(url) as client:
        frontier = Frontier(client, "guancha", "guancha:requests")
        frontier.beat("gate", ttl=300)
        client.hset(frontier.inflight("gate"), "gate:1", "0:{}")
        try:
            yield
        finally:
            client.delete(frontier.inflight("gate"))
            frontier.leave("gate")


def article_downloads(fleet: Fleet) -> Counter[str]:
    return Counter({url: n for url, n in fleet.downloads().items() if "GuanChaZheTouTiao" not in url})


def test_three_workers_share_one_frontier(big_site: dict, redis_url: str, mongo_server: Any, mongo_db: str,
                                          tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, big_site["bases"], redis_url, big_site["args"],
                  {**mongo_settings(mongo_server.uri, mongo_db), "NEWSBOT_REDIS_RATE": "0"})
    # All three workers join before the seed: on a busy machine a worker that starts a
    # second late can find the whole site crawled. Until the seed is in, they wait for a
    # busy worker instead of closing. With 16 requests in flight each, two workers could
    # hold a list page's 25 articles between them before the third polls; 4 each leave
    # work on the shared queue for it.
    with busy_frontier(redis_url):
        fleet.start(3, CONCURRENT_REQUESTS="4")
        wait_for(lambda: frontier_keys(redis_url)["workers"] == 4, timeout=60)
        seeded = fleet.seed("--append")  # the crawl is "in progress": workers wait for it
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "1 request(s) pushed" in seeded.stderr
    fleet.wait()

    # every article stored exactly once, and emitted by exactly one worker
    assert stored(mongo_server.uri, mongo_db) == Counter(big_site["urls"])
    assert fleet.stat("item_scraped_count") == len(big_site["urls"])
    # no page downloaded twice, across all workers; every page downloaded
    downloads = fleet.downloads()
    assert [url for url, n in downloads.items() if n > 1] == []
    assert len(downloads) == len(big_site["urls"]) + big_site["list_pages"]
    assert fleet.stat("downloader/request_count") - fleet.stat("robotstxt/request_count") == len(downloads)
    # the work was shared, and nothing is left behind
    per_worker = [len(w.crawled()) for w in fleet.workers]
    assert all(n > 10 for n in per_worker), per_worker
    assert all(w.stats()["finish_reason"] == "finished" for w in fleet.workers)
    assert frontier_keys(redis_url) == {"queued": 0, "inflight": 0, "workers": 0}


def test_killed_worker_loses_nothing(big_site: dict, redis_url: str, mongo_server: Any, mongo_db: str,
                                     tmp_path: Path) -> None:
    # 60 requests/s shared by all: the crawl lasts ~3 s, long enough to kill mid-way.
    fleet = Fleet(tmp_path, big_site["bases"], redis_url, big_site["args"],
                  {**mongo_settings(mongo_server.uri, mongo_db), "NEWSBOT_REDIS_RATE": "60", "NEWSBOT_REDIS_BURST": "1"})
    assert fleet.seed().returncode == 0
    victim, *rest = fleet.start(3)
    wait_for(lambda: len(victim.crawled()) >= 8, timeout=60)
    victim.kill()  # kill -9: no clean-up at all
    with redis.Redis.from_url(redis_url) as client:
        held = sum(client.hlen(k) for k in client.scan_iter(f"guancha:inflight:*:{victim.process.pid}:*"))
    assert held > 0, "the killed worker held no requests"
    assert sum(stored(mongo_server.uri, mongo_db).values()) < len(big_site["urls"]), "killed too late"
    fleet.wait(rest)
    rerun = fleet.start(1)
    fleet.wait(rerun)

    assert stored(mongo_server.uri, mongo_db) == Counter(big_site["urls"])
    # the killed worker's requests were taken back, by the survivors or the re-run
    assert fleet.stat("newsbot/redis/inflight/reclaimed", rest + rerun) >= held
    downloads = article_downloads(fleet)
    twice = {url for url, n in downloads.items() if n > 1}
    assert all(n <= 2 for n in downloads.values())
    # only requests the victim held can have been fetched again, once, by someone else
    assert len(twice) <= held
    assert twice <= {url for _t, _s, url in victim.crawled()}
    assert frontier_keys(redis_url) == {"queued": 0, "inflight": 0, "workers": 0}


def test_rerun_after_kill_takes_back_the_dead_workers_requests(big_site: dict, redis_url: str, mongo_server: Any,
                                                               mongo_db: str, tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, big_site["bases"], redis_url, big_site["args"],
                  {**mongo_settings(mongo_server.uri, mongo_db), "NEWSBOT_REDIS_RATE": "80", "NEWSBOT_REDIS_BURST": "1"})
    assert fleet.seed().returncode == 0
    [only] = fleet.start(1)
    wait_for(lambda: len(only.crawled()) >= 20, timeout=60)
    only.kill()  # the only worker: nobody else can take its requests back
    assert frontier_keys(redis_url)["inflight"] > 0
    # a new crawl cannot be seeded over it
    refused = fleet.seed()
    assert refused.returncode != 0 and "in progress or paused" in refused.stderr
    with redis.Redis.from_url(redis_url) as client:  # NEWSBOT_REDIS_WORKER_TTL = 3: its heartbeat expires
        wait_for(lambda: not any(client.scan_iter(f"guancha:worker:*:{only.process.pid}:*")), timeout=10)
    [rerun] = fleet.start(1)
    fleet.wait([rerun])

    assert stored(mongo_server.uri, mongo_db) == Counter(big_site["urls"])
    assert "taken back from dead workers" in rerun.log()
    assert rerun.stats()["newsbot/redis/inflight/reclaimed"] > 0
    assert frontier_keys(redis_url) == {"queued": 0, "inflight": 0, "workers": 0}


def test_pause_and_resume_keep_the_frontier(big_site: dict, redis_url: str, tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, big_site["bases"], redis_url, big_site["args"],
                  {"NEWSBOT_REDIS_RATE": "80", "NEWSBOT_REDIS_BURST": "1", "NEWSBOT_DEDUPE_ENABLED": "False",
                   "NEWSBOT_INCREMENTAL": "False"})
    assert fleet.seed().returncode == 0
    [first] = fleet.start(1)
    wait_for(lambda: len(first.crawled()) >= 20, timeout=60)
    first.interrupt()  # Ctrl-C: a graceful stop
    fleet.wait([first])
    assert first.stats()["finish_reason"] == "shutdown"
    paused = frontier_keys(redis_url)
    assert paused["queued"] > 0 and paused["inflight"] == 0
    [second] = fleet.start(1)
    fleet.wait([second])

    assert "Resuming" in second.log() or f"{paused['queued']} queued" in second.log()
    items = Counter(item["url"] for w in fleet.workers for item in w.items())
    assert items == Counter(big_site["urls"])
    assert [url for url, n in fleet.downloads().items() if n > 1] == []


def test_shared_rate_limit_holds_across_workers(big_site: dict, redis_url: str, tmp_path: Path) -> None:
    rate = 25.0  # over 3 of the 6 list pages: 75 articles, ~3 s
    fleet = Fleet(tmp_path, big_site["bases"], redis_url, {**big_site["args"], "max_pages": "3"},
                  {"NEWSBOT_REDIS_RATE": str(rate), "NEWSBOT_REDIS_BURST": "1", "NEWSBOT_DEDUPE_ENABLED": "False",
                   "NEWSBOT_INCREMENTAL": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"})
    assert fleet.seed().returncode == 0
    fleet.start(3)
    fleet.wait()

    times = sorted(t for w in fleet.workers for t, _s, _u in w.crawled())
    # every request the site saw (robots.txt included) went through the one bucket
    assert len(times) == fleet.stat("downloader/response_count")
    measured = (len(times) - 1) / (times[-1] - times[0])
    assert len(times) >= 75
    # The limit is a ceiling: never above it, over the whole crawl or any second of it. A
    # busy machine may keep the workers below it, so the floor is looser: a bucket that
    # counted each request twice would give half the rate.
    assert measured <= rate * 1.10, f"{measured:.2f} requests/s for a limit of {rate}"
    assert measured >= rate * 0.70, f"{measured:.2f} requests/s: far below the limit of {rate}"
    busiest = max(sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times))
    assert busiest <= rate * 1.10 + 1, f"{busiest} requests in one second for a limit of {rate}"
    # each worker alone would have gone much faster: the limit was shared, not per worker
    assert all(len(w.crawled()) < 0.6 * len(times) for w in fleet.workers)
    assert fleet.stat("newsbot/redis/ratelimit/delayed") > 0


# Articles the FIXTURE_ARGS channels list in two channels (tests/sites/guancha/MANIFEST.md):
# each channel's request is its own, so two workers may each download one of them.
TWO_CHANNELS = ("636953", "636958", "636921", "636930", "636874")
CRAWL_TIMES = ("_id", "crawled_at", "first_seen", "last_seen")


def differences(one: dict[str, dict[str, Any]], other: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The fields in which two stores' documents differ, by URL (a readable assertion)."""
    out: dict[str, Any] = {}
    for url in sorted(set(one) | set(other)):
        a, b = one.get(url, {}), other.get(url, {})
        fields = {key: (a.get(key), b.get(key)) for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)}
        if fields:
            out[url] = fields
    return out


def documents(uri: str, db: str) -> dict[str, dict[str, Any]]:
    with pymongo.MongoClient(uri) as client:
        return {doc["url"]: {k: v for k, v in doc.items() if k not in CRAWL_TIMES}
                for doc in client[db].articles.find()}


class Boom:
    """Unpickling this runs code: it touches the file named ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_fixture_site_with_three_workers_and_a_poisoned_queue(sample_site: dict, redis_url: str, mongo_server: Any,
                                                              mongo_db: str, tmp_path: Path) -> None:
    expected = sorted(e["url"] for e in expected_articles())
    if not expected:
        pytest.skip("tests/expected/guancha is empty")
    fleet = Fleet(tmp_path, sample_site, redis_url, FIXTURE_ARGS,
                  {**mongo_settings(mongo_server.uri, mongo_db), "NEWSBOT_REDIS_RATE": "0"})
    assert fleet.seed().returncode == 0
    # Someone who can write to Redis adds entries ahead of every request: a pickle that
    # runs code when loaded, garbage, and a JSON request naming a method that is no callback.
    marker = tmp_path / "pickle-ran"
    poison = [pickle.dumps({"url": "https://www.guancha.cn/", "callback": Boom(marker)}), b"\x80\x04garbage",
              json.dumps({"url": "https://www.guancha.cn/", "callback": "close"}).encode()]
    with redis.Redis.from_url(redis_url) as client:
        client.zadd("guancha:requests", {member: -100 for member in poison})
    fleet.start(3)
    fleet.wait()

    assert not marker.exists()
    assert fleet.stat("newsbot/redis/bad_request") == len(poison)
    logs = "\n".join(w.log() for w in fleet.workers)
    dropped = [line for line in logs.splitlines() if "] ERROR: dropped an entry of guancha:requests" in line]
    assert len(dropped) == len(poison) and "Traceback" not in logs, dropped
    # and the crawl went on as if nothing had happened
    assert stored(mongo_server.uri, mongo_db) == Counter(expected)
    retried = fleet.retried()
    again = {url: n for url, n in fleet.downloads().items()
             if n > 1 + retried[url] + any(f"_{number}" in url for number in TWO_CHANNELS)}
    assert again == {}
    assert frontier_keys(redis_url) == {"queued": 0, "inflight": 0, "workers": 0}
    # The same documents as one process crawling alone, categories included.
    alone = f"{mongo_db}_alone"
    try:
        result = crawl(tmp_path / "alone", sample_site, args=FIXTURE_ARGS,
                       settings=mongo_settings(mongo_server.uri, alone))
        assert result.returncode == 0, result.log[-3000:]
        assert differences(documents(mongo_server.uri, mongo_db), documents(mongo_server.uri, alone)) == {}
    finally:
        with pymongo.MongoClient(mongo_server.uri) as client:
            client.drop_database(alone)
    categories = {url: doc["categories"][2] for url, doc in documents(mongo_server.uri, mongo_db).items()}
    assert categories == {e["url"]: e["categories"][2] for e in expected_articles()}
