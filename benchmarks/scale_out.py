"""Scale-out: pages/s with 1, 2 and 3 workers sharing one Redis frontier, and the Redis
memory a seen-set takes per million URLs (Bloom filter vs scrapy-redis's plain set).

The site is benchmarks/gen_site.py's (N 头条 articles in the sample site's markup) served by
scripts/sample_site.py with ``--latency-ms`` (default 200: latency-bound, like the real
site). Each run: FLUSHALL, ``scrapy seed guancha``, then K ``scrapy crawl guancha`` workers
with REDIS_URL, the shared rate limit off and the same per-worker concurrency. pages/s =
responses of all workers / (last response - first response, over all workers), so process
start-up and the idle wait before closing are not counted.

Usage: python benchmarks/scale_out.py [--articles 1200] [--latency-ms 200]
       [--concurrency 4] [--workers 1,2,3] [--memory-urls 1000000]
Needs redis-server (scripts/install_services.sh). Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from benchmarks.common import PYTHON, Site, clean_env, generate_site, machine, table  # noqa: E402
from newsbot.distributed.bloom import BloomParams, RedisBloomFilter  # noqa: E402
from tests.crawl import site_settings  # noqa: E402
from tests.plugins.redis_server import RedisServer, redis_server_binary  # noqa: E402
from tests.redis_bloom import add_many  # noqa: E402

STATS = "newsbot/redis"


def crawl_settings(bases: dict[str, str], wdir: Path, redis_url: str, concurrency: int) -> dict[str, str]:
    return {
        **site_settings(bases, wdir / "state"),
        "REDIS_URL": redis_url,
        "NEWSBOT_REDIS_RATE": "0",  # measure the fleet, not the politeness limit
        "NEWSBOT_REDIS_IDLE_CLOSE": "2",
        "NEWSBOT_REDIS_POLL_INTERVAL": "0.2",
        "CONCURRENT_REQUESTS": str(concurrency),  # pop no more than it can download: the rest stays shared
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "DOWNLOAD_TIMEOUT": "30",
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(wdir / "crawl.log"),
        "NEWSBOT_STATS_FILE": str(wdir / "stats.json"),
        "TELNETCONSOLE_ENABLED": "False",
    }


def scrapy(verb: str, settings: dict[str, str], args: dict[str, str]) -> list[str]:
    cmd = [PYTHON, "-m", "scrapy", verb, "guancha"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    for key, value in args.items():
        cmd += ["-a", f"{key}={value}"]
    return cmd


def run_fleet(workers: int, tmp: Path, bases: dict[str, str], server: RedisServer, args: dict[str, str],
              concurrency: int) -> dict[str, Any]:
    with server.client() as client:
        client.flushall()
    run_dir = tmp / f"fleet-{workers}"
    shutil.rmtree(run_dir, ignore_errors=True)
    seed_dir = run_dir / "seed"
    seed_dir.mkdir(parents=True)
    seed_settings = {k: v for k, v in crawl_settings(bases, seed_dir, server.url, concurrency).items() if k != "LOG_FILE"}
    subprocess.run(scrapy("seed", seed_settings, args), cwd=ROOT, env=clean_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    procs = []
    for i in range(workers):
        wdir = run_dir / f"w{i}"
        wdir.mkdir()
        procs.append((wdir, subprocess.Popen(scrapy("crawl", crawl_settings(bases, wdir, server.url, concurrency), args),
                                             cwd=ROOT, env=clean_env(), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    for wdir, proc in procs:
        if proc.wait(3600) != 0:
            raise SystemExit(f"worker {wdir.name} failed; see {wdir / 'crawl.log'}")
    stats = [json.loads((wdir / "stats.json").read_text("utf-8")) for wdir, _ in procs]
    pages = sum(int(s.get("response_received_count", 0)) - int(s.get("robotstxt/response_count", 0)) for s in stats)
    first = min(float(s[f"{STATS}/responses/first_at"]) for s in stats if f"{STATS}/responses/first_at" in s)
    last = max(float(s[f"{STATS}/responses/last_at"]) for s in stats if f"{STATS}/responses/last_at" in s)
    return {"workers": workers, "pages": pages, "items": sum(int(s.get("item_scraped_count", 0)) for s in stats),
            "seconds": last - first, "pages_per_s": pages / (last - first),
            "per_worker": [int(s.get("response_received_count", 0)) for s in stats]}


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def memory_per_million(server: RedisServer, urls: int) -> list[list[Any]]:
    """Redis used_memory delta for ``urls`` seen URLs, scaled to one million."""
    rows = []
    fingerprints = [hashlib.sha1(f"https://www.guancha.cn/a/2022_04_27_{i}_s.shtml".encode()).digest()
                    for i in range(urls)]
    with server.client() as client:
        # scrapy-redis's RFPDupeFilter: SADD of a 40-char hex SHA1 per request
        client.flushall()
        before = used_memory(client)
        for i in range(0, urls, 10_000):
            client.sadd("bench:set", *(fp.hex() for fp in fingerprints[i:i + 10_000]))
        delta = used_memory(client) - before
        rows.append(["scrapy-redis set (SADD sha1 hex)", f"{urls:,}", "-", f"{delta / 2**20:.1f}",
                     f"{delta / urls * 1e6 / 2**20:.1f}", "grows with every URL"])
        for error_rate in (1e-3, 1e-5):
            client.flushall()
            params = BloomParams.for_capacity(max(urls, 1_000_000), error_rate)
            bloom = RedisBloomFilter(client, "bench:bloom", params)
            before = used_memory(client)
            bloom.open()
            added = min(urls, 100_000)  # the bitmap is full-size from the start: adding never grows it
            add_many(bloom, fingerprints[:added])
            delta = used_memory(client) - before
            rows.append([f"Bloom filter, error rate {error_rate:g}", f"{params.capacity:,} capacity", params.hashes,
                         f"{delta / 2**20:.1f}", f"{delta / params.capacity * 1e6 / 2**20:.1f}",
                         f"fixed ({params.bits / params.capacity:.1f} bits/URL)"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1200)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight per worker")
    parser.add_argument("--workers", default="1,2,3", help='worker counts to run; "" = memory table only')
    parser.add_argument("--memory-urls", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, help="keep sites, logs and stats here (default: a temp dir)")
    args = parser.parse_args()
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("redis-server is not installed (bash scripts/install_services.sh)")

    print(machine())
    with tempfile.TemporaryDirectory(prefix="newsbot-scale-") as tmp_name:
        tmp = args.workdir or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        info = generate_site(args.articles, tmp / "site") if args.workers.strip() else {}
        spider_args = {"channels": "toutiao", "max_pages": str(info.get("max_pages", 1))}
        server = RedisServer(tmp / "redis", binary).start()
        try:
            workers = [int(w) for w in args.workers.split(",") if w.strip()]
            if workers:
                with Site(tmp / "site", tmp, latency_ms=args.latency_ms) as site:
                    rows, base = [], None
                    for count in workers:
                        result = run_fleet(count, tmp, site.bases, server, spider_args, args.concurrency)
                        base = base or result["pages_per_s"]
                        rows.append([count, result["pages"], result["items"], f"{result['seconds']:.1f}",
                                     f"{result['pages_per_s']:.1f}", f"{result['pages_per_s'] / base:.2f}x",
                                     " / ".join(map(str, result["per_worker"]))])
                print(f"\nScale-out: {args.articles} articles + {info['list_pages']} list pages, "
                      f"{args.latency_ms:g} ms per page, {args.concurrency} requests in flight per worker\n")
                print(table(["workers", "pages", "items", "seconds", "pages/s", "speed-up", "pages per worker"], rows))
            print(f"\nRedis memory per million seen URLs ({args.memory_urls:,} URLs added to the set)\n")
            print(table(["seen-set", "URLs", "hashes", "MiB measured", "MiB per million", "growth"],
                        memory_per_million(server, args.memory_urls)))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
