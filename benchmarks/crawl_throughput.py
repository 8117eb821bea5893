"""Crawl throughput: `scrapy crawl guancha` on a generated site against the ceiling, a crawl
of the same pages that only downloads, in the same run (and `scrapy bench` for comparison).

1. benchmarks/gen_site.py writes a site of ``--articles`` articles (real guancha markup,
   20 headlines per 头条 list page) into a temp dir; scripts/sample_site.py serves it on
   loopback (``--latency-ms`` adds a delay to every answer; 0 by default, like the bench
   server).
2. Each round runs, against the same server: ``scrapy bench`` (from a temp dir outside the
   project, so newsbot's polite settings do not apply; its pages/min lines are parsed); the
   download-only spider of benchmarks/ceiling.py over every page of the site, at the same
   concurrency; ``scrapy crawl guancha -a channels=toutiao -a max_pages=<all list pages>``
   with every pipeline on: clean, dedupe, MongoDB (SecantusDB started here unless MONGO_URI
   is set), Hexo posts, and a JSON-lines feed; then the same crawl with the embedded store
   (no MongoDB). Settings: tests.crawl.site_settings plus the concurrency raised (see the
   table).
3. pages/s = response_received_count / elapsed_time_seconds from the crawl's stats. Every
   ratio divides it by the download-only crawl's pages/s in the same round (scrapy bench:
   its steady rate, the median of its per-second pages/min, first second left out). CPU
   ms/page (crawler + site server, from getrusage and /proc) is printed too: it does not
   depend on what else the machine runs.

Usage: python benchmarks/crawl_throughput.py [--articles 5000] [--rounds 2] [--concurrency 16]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.ceiling import download_only, site_urls  # noqa: E402
from benchmarks.common import (  # noqa: E402
    bench_dir,
    PYTHON, Mongo, Site, children_cpu, clean_env, generate_site, machine, proc_cpu, run_crawl, table,
    throughput_settings,
)
from tests.crawl import site_settings  # noqa: E402

GOALS = {"mongo": 0.85, "embedded": 0.9}  # of download-only, same round (issue 17)


def scrapy_bench(workdir: Path) -> dict[str, Any]:
    """Run `scrapy bench` outside the project; its steady and overall pages/s and CPU."""
    workdir.mkdir(parents=True, exist_ok=True)
    before = children_cpu()
    started = time.monotonic()
    proc = subprocess.run([PYTHON, "-m", "scrapy", "bench"], cwd=workdir, env=clean_env(),
                          capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - started
    cpu = children_cpu() - before  # the bench spider and its server (reaped by it)
    log = proc.stdout + proc.stderr
    (workdir / "bench.log").write_text(log, "utf-8")
    rates = [int(m) for m in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", log)]
    pages = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not rates or not pages or not elapsed:
        raise RuntimeError(f"could not read scrapy bench output (exit {proc.returncode}):\n{log[-2000:]}")
    steady = [r for r in rates[1:] if r > 0] or rates
    n, secs = int(pages.group(1)), float(elapsed.group(1))
    return {"pages": n, "seconds": secs, "steady": statistics.median(steady) / 60, "overall": n / secs,
            "cpu": cpu, "wall": wall, "rates": rates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded-store crawl")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (site, logs, stats)")
    args = parser.parse_args()
    if args.articles < 1:
        parser.error("--articles must be positive")
    started = time.monotonic()
    print(f"# Crawl throughput ({machine()})")
    with bench_dir("newsbot-bench-throughput-", args.keep) as tmp:
        info = generate_site(args.articles, tmp / "site")
        print(f"site: {info['articles']} articles + {info['list_pages']} list pages "
              f"({info['article_bytes'] / info['articles'] / 1024:.1f} KiB per article page), generated in {info['seconds']} s")
        extra = throughput_settings(args.concurrency)
        runs: dict[str, list[Any]] = {"bench": [], "ceiling": [], "mongo": [], "embedded": []}
        with Site(tmp / "site", tmp, args.latency_ms) as site, Mongo(tmp) as mongo:
            urls = site_urls(tmp / "site", site.bases)
            for round_no in range(1, args.rounds + 1):
                runs["bench"].append(scrapy_bench(tmp / f"bench-{round_no}"))
                server_before = proc_cpu(site.proc.pid)
                ceiling = download_only(urls, tmp / f"ceiling-{round_no}", args.concurrency)
                ceiling.server_cpu = proc_cpu(site.proc.pid) - server_before  # type: ignore[attr-defined]
                runs["ceiling"].append(ceiling)
                kinds = [("mongo", mongo.uri)] + ([] if args.no_embedded else [("embedded", None)])
                for kind, uri in kinds:
                    server_before, mongo_before = proc_cpu(site.proc.pid), proc_cpu(mongo.pid)
                    run = run_crawl(tmp / f"{kind}-{round_no}", site.bases, info["max_pages"], extra, mongo_uri=uri)
                    run.server_cpu = proc_cpu(site.proc.pid) - server_before  # type: ignore[attr-defined]
                    run.mongo_cpu = proc_cpu(mongo.pid) - mongo_before if uri else 0.0  # type: ignore[attr-defined]
                    mongo.drop(run.database)  # every round starts from an empty database
                    if run.returncode != 0 or run.items != args.articles:
                        print(f"WARNING: {kind} crawl round {round_no}: exit {run.returncode}, "
                              f"{run.items}/{args.articles} items; log {run.log}", file=sys.stderr)
                    runs[kind].append(run)
                line = (f"round {round_no}: download-only {ceiling.pages_per_s:.0f} pages/s, "
                        f"scrapy bench {runs['bench'][-1]['steady']:.0f} pages/s")
                for kind, _ in kinds:
                    line += f", newsbot+{kind} {runs[kind][-1].pages_per_s:.0f} pages/s"
                print(line, flush=True)
            mongo_name = mongo.name

        ceilings = [c.pages_per_s for c in runs["ceiling"]]

        def ratios_text(values: list[float]) -> tuple[float, str]:
            ratios = [v / c for v, c in zip(values, ceilings)]
            return statistics.median(ratios), f"{statistics.median(ratios):.2f}x ({', '.join(f'{x:.2f}' for x in ratios)})"

        def crawl_cpu(kind: str) -> float:
            return statistics.median((r.cpu + r.server_cpu) * 1000 / r.pages for r in runs[kind])

        rows = [["download-only Scrapy spider (the ceiling)", int(statistics.median(c.pages for c in runs["ceiling"])),
                 f"{statistics.median(c.elapsed for c in runs['ceiling']):.1f}", f"{statistics.median(ceilings):.0f}",
                 ratios_text(ceilings)[1], f"{crawl_cpu('ceiling'):.2f} (crawler + server)", "-",
                 f"{statistics.median(c.peak_rss_mb for c in runs['ceiling']):.0f}"]]
        bench_steady = [b["steady"] for b in runs["bench"]]
        b_cpu = statistics.median(b["cpu"] * 1000 / b["pages"] for b in runs["bench"])
        rows.append(["scrapy bench (Scrapy's own, defaults)", int(statistics.median(b["pages"] for b in runs["bench"])),
                     f"{statistics.median(b['seconds'] for b in runs['bench']):.1f}",
                     f"{statistics.median(bench_steady):.0f} (overall {statistics.median(b['overall'] for b in runs['bench']):.0f})",
                     ratios_text(bench_steady)[1], f"{b_cpu:.2f} (spider + server)", "-", "-"])
        verdicts = []
        for kind, label in (("mongo", f"newsbot, every pipeline, {mongo_name.split(' (')[0]}"),
                            ("embedded", "newsbot, every pipeline, embedded store")):
            if not runs[kind]:
                continue
            ratio, shown_ratios = ratios_text([r.pages_per_s for r in runs[kind]])
            mcpu = statistics.median(r.mongo_cpu * 1000 / r.pages for r in runs[kind])
            verdicts.append((label, ratio, GOALS[kind]))
            rows.append([label, int(statistics.median(r.pages for r in runs[kind])),
                         f"{statistics.median(r.elapsed for r in runs[kind]):.1f}",
                         f"{statistics.median(r.pages_per_s for r in runs[kind]):.0f}", shown_ratios,
                         f"{crawl_cpu(kind):.2f} (crawler + server)", f"{mcpu:.2f}" if kind == "mongo" else "-",
                         f"{statistics.median(r.peak_rss_mb for r in runs[kind]):.0f}"])
        print()
        print(table(["crawl", "pages", "seconds", "pages/s", "vs download-only (per round)", "CPU ms/page",
                     "DB CPU ms/page", "peak RSS MB"], rows))
        settings = {**site_settings({"mirrors": {}}, Path("…")), **extra}
        shown = {k: v for k, v in settings.items() if k not in ("NEWSBOT_MIRRORS", "NEWSBOT_STATE_DIR")}
        print(f"\nnewsbot settings: {', '.join(f'{k}={v}' for k, v in shown.items())}; "
              f"pipelines clean, dedupe, mongo (MongoDB rows), hexo; -O items.jsonl; "
              f"robots.txt obeyed; site latency {args.latency_ms:g} ms; {args.rounds} round(s), medians shown.")
        print("scrapy bench: its defaults (CONCURRENT_REQUESTS=16, 8 per domain, CLOSESPIDER_TIMEOUT=10), "
              "~1 KiB link pages from its own server; pages/s = median of its per-second pages/min / 60.")
        print(f"download-only: benchmarks/ceiling.py, every page of the site ({len(urls)}), "
              f"CONCURRENT_REQUESTS={args.concurrency}, no parsing, no pipelines, robots.txt not fetched.")
        for label, ratio, goal in verdicts:
            print(f"goal {goal}x of download-only: {label}: {ratio:.2f}x -> {'met' if ratio >= goal else 'NOT met'}")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"(took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
