"""Configured-site throughput: `scrapy crawl news` on a generated 3-site crawl next to the
guancha crawl of the same size and the download-only ceiling, in the same run.

1. benchmarks/gen_news_site.py writes ``--articles`` articles over the three sites of the
   multi-site sample (huaxia's GBK RSS feeds, northwind's Atom feed and news sitemaps under
   robots.txt and a sitemap index, lakeside's paged list pages); benchmarks/gen_site.py
   writes a guancha site of as many articles. scripts/sample_site.py serves each.
2. Each round runs, with every pipeline on (clean, dedupe, MongoDB: SecantusDB started
   here unless MONGO_URI is set, Hexo posts, a JSON-lines feed) and the same settings
   (tests.crawl.site_settings plus the concurrency): ``scrapy crawl guancha -a
   channels=toutiao`` (benchmarks.common.run_crawl), ``scrapy crawl news`` with the
   generated sites file, and the download-only spider (benchmarks/ceiling.py) over every
   page of the news site.
3. pages/s = response_received_count / elapsed_time_seconds from each crawl's stats; the
   goal is news >= 0.6x the guancha crawl (median of the rounds).

Usage: python benchmarks/news_throughput.py [--articles 3000] [--rounds 2] [--concurrency 16]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.ceiling import download_only, site_urls  # noqa: E402
from benchmarks.common import (  # noqa: E402
    bench_dir,
    PYTHON,
    CrawlRun,
    Mongo,
    Site,
    children_cpu,
    clean_env,
    generate_site,
    machine,
    run_crawl,
    table,
    throughput_settings,
)
from benchmarks.gen_news_site import generate as generate_news  # noqa: E402
from tests.crawl import site_settings  # noqa: E402

GOAL = 0.6


def run_news(tmp: Path, bases: dict[str, str], sites_file: Path, max_pages: int, settings: dict[str, str],
             mongo_uri: str) -> CrawlRun:
    """``scrapy crawl news`` on the generated sites with every pipeline on, in a subprocess."""
    tmp.mkdir(parents=True, exist_ok=True)
    stats_file, log = tmp / "stats.json", tmp / "crawl.log"
    database = f"newsbot_bench_news_{os.getpid()}_{int(time.time() * 1000)}"
    merged = {**site_settings(bases, tmp / "state"), "NEWSBOT_STATS_FILE": str(stats_file), "LOG_FILE": str(log),
              "NEWSBOT_SITES_FILE": str(sites_file), "NEWSBOT_HEXO_DIR": str(tmp / "hexo" / "source" / "_posts"),
              "MONGO_URI": mongo_uri, "MONGO_DATABASE": database, **settings}
    cmd = [PYTHON, "-m", "scrapy", "crawl", "news", "-a", f"max_pages={max_pages}",
           "-O", f"{tmp / 'items.jsonl'}:jsonlines"]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    before, started = children_cpu(), time.monotonic()
    with open(tmp / "stderr.txt", "wb") as stderr:
        proc = subprocess.run(cmd, cwd=ROOT, env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=stderr, timeout=3600, check=False)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return CrawlRun(stats, proc.returncode, time.monotonic() - started, log, [],
                    int(stats.get("item_scraped_count", 0)), children_cpu() - before, database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (sites, logs, stats)")
    args = parser.parse_args()
    if args.articles < 3:
        parser.error("--articles must be at least 3 (one per site)")
    started = time.monotonic()
    print(f"# Configured-site throughput ({machine()})")
    with bench_dir("newsbot-bench-news-", args.keep) as tmp:
        news = generate_news(tmp / "news", args.articles)
        guancha = generate_site(args.articles, tmp / "guancha")
        print(f"news site: {news['per_site']} articles, {news['feeds']} feeds, {news['sitemaps']} sitemap files "
              f"(robots.txt and the index included), {news['list_pages']} list pages; "
              f"{news['article_bytes'] / args.articles / 1024:.1f} KiB per article page")
        print(f"guancha site: {guancha['articles']} articles + {guancha['list_pages']} list pages "
              f"({guancha['article_bytes'] / guancha['articles'] / 1024:.1f} KiB per article page)")
        extra = throughput_settings(args.concurrency)
        runs: dict[str, list[CrawlRun]] = {"guancha": [], "news": [], "ceiling": []}
        for server in ("news-server", "guancha-server"):
            (tmp / server).mkdir()
        with Site(tmp / "news", tmp / "news-server") as news_site, \
                Site(tmp / "guancha", tmp / "guancha-server") as guancha_site, Mongo(tmp) as mongo:
            urls = site_urls(tmp / "news", news_site.bases)
            for round_no in range(1, args.rounds + 1):
                done = {
                    "guancha": run_crawl(tmp / f"guancha-{round_no}", guancha_site.bases, guancha["max_pages"], extra,
                                         mongo_uri=mongo.uri),
                    "news": run_news(tmp / f"news-{round_no}", news_site.bases, Path(str(news["sites_file"])),
                                     int(str(news["max_pages"])), extra, mongo.uri),
                    "ceiling": download_only(urls, tmp / f"ceiling-{round_no}", args.concurrency),
                }
                for kind, run in done.items():
                    mongo.drop(run.database)
                    if kind != "ceiling" and (run.returncode != 0 or run.items != args.articles):
                        print(f"WARNING: {kind} crawl round {round_no}: exit {run.returncode}, "
                              f"{run.items}/{args.articles} items; log {run.log}", file=sys.stderr)
                    runs[kind].append(run)
                print(f"round {round_no}: " + ", ".join(f"{kind} {run.pages_per_s:.0f} pages/s"
                                                        for kind, run in done.items()), flush=True)
            mongo_name = mongo.name.split(" (")[0]

        def median(kind: str, value: str) -> float:
            return statistics.median(getattr(run, value) for run in runs[kind])

        ratios = [n.pages_per_s / g.pages_per_s for n, g in zip(runs["news"], runs["guancha"], strict=True)]
        rows = []
        for kind, label in (("ceiling", "download only (benchmarks/ceiling.py), news site"),
                            ("guancha", f"scrapy crawl guancha, every pipeline, {mongo_name}"),
                            ("news", f"scrapy crawl news (3 sites), every pipeline, {mongo_name}")):
            vs = {"guancha": "1.00x", "news": f"{statistics.median(ratios):.2f}x "
                  f"({', '.join(f'{r:.2f}' for r in ratios)})", "ceiling": "-"}[kind]
            rows.append([label, int(median(kind, "pages")), f"{median(kind, 'elapsed'):.1f}",
                         f"{median(kind, 'pages_per_s'):.0f}", vs,
                         f"{median(kind, 'pages_per_s') / median('ceiling', 'pages_per_s'):.2f}x",
                         f"{statistics.median(r.cpu * 1000 / r.pages for r in runs[kind]):.2f}"])
        print()
        print(table(["crawl", "pages", "seconds", "pages/s", "vs guancha (per round)", "vs ceiling",
                     "CPU ms/page"], rows))
        print(f"\nsettings: {', '.join(f'{k}={v}' for k, v in extra.items())} on tests.crawl.site_settings; "
              f"{args.rounds} round(s), medians shown; CPU is the crawling process's.")
        ratio = statistics.median(ratios)
        print(f"goal {GOAL}x of the guancha crawl: news: {ratio:.2f}x -> {'met' if ratio >= GOAL else 'NOT met'}")
    print(f"(took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
