"""Memory: RSS of the crawling process after 1,000, 10,000, 50,000 and 100,000 articles.

One generated site of ``--articles`` articles (benchmarks/gen_site.py) is crawled whole
(`scrapy crawl guancha -a channels=toutiao`, every pipeline on, as in crawl_throughput.py),
once with the embedded store (sqlite, no MONGO_URI) and once with MongoDB (SecantusDB
started here unless MONGO_URI is set). A benchmark-only extension (benchmarks/probe.py)
reads /proc/self/status of the crawling process when the item count reaches each
checkpoint: VmRSS (resident now) and VmHWM (the peak so far), plus the scheduler queue
length, the dupe-filter size and the bytes held by the structures that grow with a crawl;
the parent also samples VmHWM every 0.5 s and Scrapy's memusage stats are shown.

Growth = VmHWM at the last checkpoint - VmHWM at the ``--base`` one (10,000: the start-up
and the first pages' caches are behind by then). Goal: under 20 MB from 10,000 to 100,000
articles, with either store.

Usage: python benchmarks/memory.py [--articles 100000] [--checkpoints 1000,10000,50000,100000]
                                   [--base 10000] [--stores embedded,mongo] [--concurrency 16]
                                   [--backlog] [--tracemalloc 50000]
``--backlog`` adds a table of what waits in the crawler at each checkpoint (responses in
the scraper, the mongo buffer, items waiting for a write; benchmarks/backlog_probe.py);
``--tracemalloc N`` logs, in the crawl log, the allocation sites grown between the
checkpoints from N on.
On 2 cores shared with other jobs (load average 8-10) 100,000 articles took 45 min with
the embedded store and 51 min with SecantusDB, the two run side by side (``--stores
embedded`` and ``--stores mongo`` in two processes), after 85 s of site generation each; a
30,000-article run with the embedded store alone at load 3 took 7 min in all.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Mongo, Site, bench_dir, generate_site, machine, project_extensions, run_crawl, table, throughput_settings,
)

GOAL_MB = 20.0
BACKLOG = ("responses", "response_mb", "mongo_buffer", "mongo_waiting", "tasks")  # benchmarks/backlog_probe.py


def mb(kb: object) -> str:
    return f"{int(kb) / 1024:.0f}" if isinstance(kb, (int, float)) else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100000)
    parser.add_argument("--checkpoints", default="1000,10000,50000,100000")
    parser.add_argument("--base", type=int, default=10000, help="the checkpoint growth is measured from")
    parser.add_argument("--stores", default="embedded,mongo")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra Scrapy setting for the crawls (repeatable), e.g. to try a change")
    parser.add_argument("--backlog", action="store_true",
                        help="also sample what waits (responses, mongo buffer, tasks: benchmarks/backlog_probe.py)")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="CHECKPOINT",
                        help="log the allocation sites grown between the checkpoints from CHECKPOINT on, in "
                             "the crawl log (tracemalloc: slows the crawl 3-10x from there)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (site, logs, stats)")
    args = parser.parse_args()
    checkpoints = sorted({int(x) for x in args.checkpoints.split(",") if x.strip() and int(x) <= args.articles})
    if args.articles not in checkpoints:
        checkpoints.append(args.articles)
    if args.base not in checkpoints:
        parser.error(f"--base {args.base} is not one of the checkpoints {checkpoints}")
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if not set(stores) <= {"embedded", "mongo"}:
        parser.error("--stores: embedded, mongo")
    started = time.monotonic()
    print(f"# Memory ({machine()})")
    rows, verdicts, details, held, backlog = [], [], [], [], []
    with bench_dir("newsbot-bench-memory-", args.keep) as tmp:
        info = generate_site(args.articles, tmp / "site")
        print(f"site: {info['articles']} articles + {info['list_pages']} list pages, generated in {info['seconds']} s", flush=True)
        settings = {**throughput_settings(args.concurrency), "BENCH_RSS_CHECKPOINTS": ",".join(map(str, checkpoints)),
                    "MEMUSAGE_ENABLED": "True", "MEMUSAGE_CHECK_INTERVAL_SECONDS": "10"}
        if args.backlog or args.tracemalloc:
            probes = {"benchmarks.probe.RssCheckpoints": 400, "benchmarks.backlog_probe.BacklogProbe": 401}
            settings["EXTENSIONS"] = json.dumps(project_extensions() | probes)
            settings["BENCH_TRACEMALLOC_FROM"] = str(args.tracemalloc)
        settings.update(item.split("=", 1) for item in args.set)
        with Site(tmp / "site", tmp) as site:
            for store in stores:
                mongo = Mongo(tmp / "mongo") if store == "mongo" else None
                run = None
                try:
                    run = run_crawl(tmp / store, site.bases, info["max_pages"], settings,
                                    mongo_uri=mongo.uri if mongo else None)
                    label = f"MongoDB ({mongo.name})" if mongo else "embedded (sqlite)"
                finally:
                    if mongo:
                        mongo.drop(run.database if run else None)
                        mongo.stop()
                s = run.stats
                if run.returncode != 0 or run.items != args.articles:
                    print(f"WARNING: {store}: exit {run.returncode}, {run.items}/{args.articles} items; log {run.log}",
                          file=sys.stderr)
                first, last = args.base, checkpoints[-1]
                growth = (s.get(f"bench/hwm_kb/{last}", 0) - s.get(f"bench/hwm_kb/{first}", 0)) / 1024
                verdicts.append((label, growth))
                rows.append([label, *(f"{mb(s.get(f'bench/rss_kb/{c}'))} / {mb(s.get(f'bench/hwm_kb/{c}'))}" for c in checkpoints),
                             f"{run.peak_rss_mb:.0f}", f"{(s.get('memusage/max') or 0) / 2**20:.0f}",
                             f"{growth:+.1f}", f"{run.wall / 60:.1f} min ({run.items / run.elapsed:.0f} items/s)"])
                details.append([label, *(" / ".join(str(s.get(f"bench/{k}/{c}", "-")) for k in ("queued", "dupefilter", "listings", "live_requests"))
                                         for c in checkpoints)])
                if args.backlog or args.tracemalloc:
                    backlog.append([label, *(" / ".join(str(s.get(f"bench/backlog/{k}/{c}", "-")) for k in BACKLOG)
                                             for c in [*checkpoints, "max"])])
                structures = sorted({k.split("/")[2] for k in s if k.startswith("bench/kb/")})
                held.append((label, {name: s.get(f"bench/kb/{name}/{last}") for name in structures}))
                print(f"{store}: done in {run.wall / 60:.1f} min", flush=True)
    print()
    heads = [f"{c:,} articles: RSS / peak MB" for c in checkpoints]
    print(table(["store", *heads, "peak RSS MB (sampled)", "memusage/max MB", f"growth {args.base:,}->{checkpoints[-1]:,} MB", "time"], rows))
    print()
    print(table(["store", *(f"{c:,}: queued / dupefilter / listings / live Requests" for c in checkpoints)], details))
    if backlog:
        print()
        print(table(["store", *(f"{c:,}: {' / '.join(BACKLOG)}" for c in checkpoints), f"highest: {' / '.join(BACKLOG)}"],
                    backlog))
    names = sorted({name for _, sizes in held for name in sizes})
    print(f"\nKB held at {checkpoints[-1]:,} articles (getsizeof, one level):")
    print(table(["store", *names], [[label, *(sizes.get(n, "-") for n in names)] for label, sizes in held]))
    print(f"\nsettings as crawl_throughput.py (CONCURRENT_REQUESTS={args.concurrency}), every pipeline on "
          f"(clean, dedupe, mongo when MongoDB, hexo) and -O items.jsonl.")
    for label, growth in verdicts:
        print(f"goal growth under {GOAL_MB:.0f} MB from {args.base:,} to {checkpoints[-1]:,} articles: {label}: "
              f"{growth:.1f} MB -> {'met' if growth < GOAL_MB else 'NOT met'}")
    print(f"(took {(time.monotonic() - started) / 60:.1f} min)")


if __name__ == "__main__":
    main()
