"""Profile a crawl with py-spy and print where the crawler's CPU goes.

Generates a site (benchmarks/gen_site.py), serves it, and runs the same crawl as
crawl_throughput.py (every pipeline on; embedded store, or MongoDB with ``--mongo``) under
``py-spy record`` (not ``--gil``: lxml parses with the GIL released, and that is CPU too).
Samples of threads blocked in a wait (a thread pool's idle workers, a queue, a lock) are
left out. Prints:

1. components: each sample goes to the outermost frame of a known component (the spider's
   article and list callbacks, each pipeline, the feed exporter, middlewares, scheduler,
   downloader); what matches none is Scrapy/Twisted/asyncio machinery;
2. hottest functions by self time, and hot spots inside newsbot (inclusive).

The raw profile (collapsed stacks; flame-graph tools read it) is written to ``--out``.
py-spy needs ptrace: root, or CAP_SYS_PTRACE in a container.

Usage: python benchmarks/profile_crawl.py [--articles 5000] [--mongo] [--out profile.txt]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Mongo, Site, bench_dir, generate_site, machine, run_crawl, table, throughput_settings,
)

# (label, frame pattern): the outermost matching frame of a stack names its component.
COMPONENTS = [
    ("spider: article pages (extract_article, incl. HTML parse)", r"^GuanchaSpider\.parse_(article|post) "),
    ("spider: 头条 list pages (headline_list, next requests)", r"^GuanchaSpider\.parse_headline "),
    ("pipeline: hexo (render + write posts)", r"^HexoPipeline\."),
    ("pipeline: clean", r"^CleanPipeline\."),
    ("pipeline: dedupe", r"^DedupePipeline\."),
    ("pipeline: mongo (bulk writes)", r"^(MongoPipeline|BulkWriter)\."),
    ("state store (sqlite / MongoDB lookups)", r"^(SqliteStateStore|MongoStateStore)\."),
    ("feed export (JSON lines)", r"^FeedExporter\."),
    ("middleware: incremental", r"^IncrementalMiddleware\."),
    ("middleware: encoding", r"^EncodingFixMiddleware\."),
    ("pymongo (client, BSON, sockets)", r"\(pymongo/"),
    ("scheduler + dupe filter (request fingerprints)", r"^(Scheduler|RFPDupeFilter|ScrapyPriorityQueue)\."),
    ("downloader + HTTP client (Twisted)", r"^(Downloader\.|HTTP11DownloadHandler|_ScrapyAgent|HTTP11ClientProtocol|Connection\.doRead|HTTPClientParser)"),
    ("logging + stats", r"^(LogStats|Logger\.|StatsCollector|MemoryUsage)"),
]
# A stack whose innermost frame is one of these is a thread waiting, not working.
IDLE_LEAF = re.compile(r"^(Condition\.wait|Queue\.get|_worker \(concurrent/futures/thread\.py|Event\.wait|"
                       r"SqliteStateStore\._next_job |"
                       r"Thread\._wait_for_tstate_lock|[A-Za-z]*Selector\.select|select |poll |Lock\.acquire)")
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text("utf-8", "replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    m = FRAME.match(frame)
    return f"{m['func']} ({m['file']})" if m else frame


def analyse(stacks: list[tuple[list[str], int]], top: int) -> None:
    idle = sum(n for frames, n in stacks if IDLE_LEAF.search(frames[-1]))
    stacks = [(frames, n) for frames, n in stacks if not IDLE_LEAF.search(frames[-1])]
    total = sum(n for _, n in stacks) or 1
    compiled = [(label, re.compile(p)) for label, p in COMPONENTS]
    components: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    parse_html = 0
    for frames, n in stacks:
        label = "Scrapy/Twisted/asyncio machinery (engine, scraper, signals, callbacks)"
        for frame in frames:
            hit = next((lab for lab, pat in compiled if pat.search(frame)), None)
            if hit:
                label = hit
                break
        components[label] += n
        self_time[short(frames[-1])] += n
        if any(f.startswith(("create_root_node (parsel/", "parse_html (newsbot/")) for f in frames):
            parse_html += n
        for key in {short(f) for f in frames if "(newsbot/" in f}:
            ours[key] += n
    print(table(["component (outermost frame)", "CPU share"],
                [[label, f"{100 * n / total:.1f}%"] for label, n in components.most_common()]))
    print(f"\nof all samples, HTML parsing (lxml: lists via parsel, articles via newsbot.dom): {100 * parse_html / total:.1f}%\n")
    print(table(["hottest functions (self time)", "share"],
                [[name, f"{100 * n / total:.1f}%"] for name, n in self_time.most_common(top)]))
    print()
    print(table(["newsbot functions (inclusive)", "share"],
                [[name, f"{100 * n / total:.1f}%"] for name, n in ours.most_common(top)]))
    print(f"\n{total} samples of work ({idle} samples of waiting threads left out)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--mongo", action="store_true", help="crawl with MongoDB instead of the embedded store")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--out", type=Path, help="where to keep the raw profile (collapsed stacks)")
    parser.add_argument("--analyse", type=Path, help="only analyse an existing raw profile")
    args = parser.parse_args()
    if args.analyse:
        analyse(parse(args.analyse), args.top)
        return
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not py_spy:
        raise SystemExit("py-spy not found: pip install -r benchmarks/requirements.txt")
    started = time.monotonic()
    print(f"# Crawl profile ({machine()})")
    with bench_dir("newsbot-bench-profile-") as tmp:
        info = generate_site(args.articles, tmp / "site")
        raw = tmp / "profile.txt"
        with Site(tmp / "site", tmp) as site:
            mongo = Mongo(tmp) if args.mongo else None
            run = None
            try:
                run = run_crawl(tmp / "crawl", site.bases, info["max_pages"], throughput_settings(16),
                                mongo_uri=mongo.uri if mongo else None,
                                wrap=[py_spy, "record", "-r", str(args.rate), "-f", "raw", "-o", str(raw), "--"])
            finally:
                if mongo:
                    mongo.drop(run.database if run else None)
                    mongo.stop()
        if not raw.exists():
            raise SystemExit(f"py-spy wrote no profile; see {tmp / 'crawl' / 'stderr.txt'}")
        print(f"{run.items} articles, {run.pages} pages in {run.elapsed:.1f} s under py-spy "
              f"({'MongoDB' if args.mongo else 'embedded store'}; every pipeline on)\n")
        analyse(parse(raw), args.top)
        if args.out:
            shutil.copy(raw, args.out)
            print(f"raw profile: {args.out}")
    print(f"(took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
