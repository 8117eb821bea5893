"""Extraction cost: ms per page of newsbot's guancha extraction vs trafilatura and GNE.

The same pages for every extractor: every distinct article page of the sample site
(tests/sites/guancha/www/<column>/<date>_<id>[_s|_N].shtml) and the real saved pages in
../shared/data/guancha/gne-2019 when present (NEWSBOT_SHARED_DATA overrides the folder).

- newsbot: what the spider does with an article response: ``HtmlResponse`` built from the
  page's bytes, parsed (``newsbot.dom.parse_response``: UTF-8 bytes as they are, other
  encodings decoded by Scrapy first), then ``newsbot.sites.guancha.article.extract_article``
  (ArticleLoader included);
- trafilatura: ``trafilatura.extract(text, url=...)`` as it ships (plain text, no metadata),
  and once more with ``with_metadata=True, include_images=True`` (closer to what newsbot
  extracts: title, date, author, tags, images);
- GNE: ``GeneralNewsExtractor().extract(text)`` (title, author, time, content, images).

Every page's encoding is the one newsbot's encoding middleware picks from its bytes
(one sample page is GBK; the middleware's own check is not timed). trafilatura and GNE get
the page decoded once outside the timing (they take a str); newsbot gets the bytes and
decodes them when they are not UTF-8, as its spider does.

Timing, page by page: one warm-up run of each extractor, then ``--repeat`` runs of each in
a block; the per-page figure is the median, the total the mean over pages. Two choices of
an earlier version biased the figures against the faster extractor, and flags bring them
back for comparison:

- ``--interleave``: one run of each extractor in turn. Each newsbot run then started with
  the CPU caches full of what a 15 ms trafilatura run had touched, each trafilatura run
  with caches that a 1 ms newsbot run had barely disturbed.
- ``--collect``: ``gc.collect()`` before every timed run. A full collection empties
  CPython's free lists and hands memory back, and the next run pays to get them again: a
  fixed 0.4-0.8 ms per run (measured for newsbot), which no crawl pays per page.

``--cold`` copies 16 MiB before every timed run, so that every extractor starts with the
CPU's data caches full of something else, as it would between the other work of a crawl.
That costs every run about the same fixed time, which weighs most on the fastest one.

Usage: python benchmarks/extraction_cost.py [--repeat 15] [--only newsbot,trafilatura,gne]
       [--cold] [--interleave] [--collect] [--per-page]
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import machine, table  # noqa: E402

SAMPLE_WWW = ROOT / "tests" / "sites" / "guancha" / "www"
SHARED = Path(os.environ.get("NEWSBOT_SHARED_DATA", ROOT.parent / "shared" / "data")) / "guancha" / "gne-2019"
REAL_PAGES = {  # file -> its real URL (per its JSON-LD @id; see ../shared/data/guancha/README.md)
    "guancha.html": "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml",
    "2.html": "https://www.guancha.cn/industry-science/2019_09_07_516923.shtml",
}
NOW = "2022-04-27T12:00:00+08:00"
CACHE_SWEEP = 16 << 20  # --cold: bytes copied before every timed run


class Page:
    def __init__(self, name: str, url: str, body: bytes) -> None:
        from newsbot.middlewares.encoding import best_encoding

        self.name, self.url, self.body = name, url, body
        self.encoding = best_encoding(body, "utf-8")  # as the crawl's encoding middleware decides
        self.text = body.decode(self.encoding, "replace")


def pages() -> list[Page]:
    from newsbot.sites.guancha.urls import is_article

    out, seen = [], set()
    for path in sorted(SAMPLE_WWW.glob("*/*.shtml")):
        rel = path.relative_to(SAMPLE_WWW).as_posix()
        url = f"https://www.guancha.cn/{rel}"
        if not is_article(url.replace("_s.shtml", ".shtml")):
            continue
        body = path.read_bytes()
        if b'class="content all-txt"' not in body:
            continue  # a redirect stub, not an article page
        digest = hashlib.sha1(body).digest()
        if digest in seen:  # the plain page of a one-page article is the _s page again
            continue
        seen.add(digest)
        out.append(Page(f"sample:{rel}", url, body))
    for name, url in REAL_PAGES.items():
        path = SHARED / name
        if path.exists():
            out.append(Page(f"real:{name}", url, path.read_bytes()))
    return out


# --- the extractors ---------------------------------------------------------------------
def newsbot_extractor() -> Callable[[Page], int]:
    from scrapy.http import HtmlResponse

    from newsbot.dom import parse_response
    from newsbot.sites.guancha.article import extract_article
    from newsbot.sites.page import PageContext
    from newsbot.times import crawl_now

    now = crawl_now(NOW)

    def run(page: Page) -> int:
        # What GuanchaSpider.parse_article does with a response the encoding middleware passed.
        response = HtmlResponse(page.url, body=page.body, encoding=page.encoding)
        canonical = page.url.replace("_s.shtml", ".shtml")
        article = extract_article(parse_response(response), PageContext(canonical, page.url, now))
        return sum(len(p) for p in article.paragraphs)

    return run


def trafilatura_extractor(rich: bool) -> Callable[[Page], int]:
    import trafilatura

    def run(page: Page) -> int:
        if rich:
            text = trafilatura.extract(page.text, url=page.url, with_metadata=True, include_images=True)
        else:
            text = trafilatura.extract(page.text, url=page.url)
        return len(text or "")

    return run


def gne_extractor() -> Callable[[Page], int]:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()

    def run(page: Page) -> int:
        result = extractor.extract(page.text)
        return len(result.get("content") or "")

    return run


EXTRACTORS: dict[str, Callable[[], Callable[[Page], int]]] = {
    "newsbot (extract_article + loader)": newsbot_extractor,
    "trafilatura.extract (default)": lambda: trafilatura_extractor(False),
    "trafilatura.extract (metadata + images)": lambda: trafilatura_extractor(True),
    "GNE GeneralNewsExtractor.extract": gne_extractor,
}


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("scrapy", "parsel", "lxml", "trafilatura", "gne"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def measure(extractors: dict[str, Callable[[Page], int]], items: list[Page], repeat: int,
            interleave: bool = False, collect: bool = False, cold: bool = False) -> dict[str, dict[str, Any]]:
    """Median ms per page and extractor, measured page by page so that drift hits all alike."""
    results: dict[str, dict[str, Any]] = {name: {"per_page": [], "chars": 0} for name in extractors}
    scratch = (bytearray(CACHE_SWEEP), bytearray(CACHE_SWEEP)) if cold else None
    for page in items:
        for name, run in extractors.items():  # warm-up: imports, caches, lazy compiles
            results[name]["chars"] += run(page)
        times: dict[str, list[float]] = {name: [] for name in extractors}
        # Blocks: each extractor's runs of a page back to back; interleaved: one run each in turn.
        order = [name for _ in range(repeat) for name in extractors] if interleave else \
            [name for name in extractors for _ in range(repeat)]
        for name in order:
            if collect:
                gc.collect()
            if scratch:
                scratch[1][:] = scratch[0]
            run = extractors[name]
            started = time.perf_counter()
            run(page)
            times[name].append(time.perf_counter() - started)
        for name in extractors:
            results[name]["per_page"].append((page.name, statistics.median(times[name]) * 1000))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", default="", help="comma list of name prefixes (newsbot,trafilatura,gne)")
    parser.add_argument("--per-page", action="store_true", help="also print ms for every page")
    parser.add_argument("--interleave", action="store_true",
                        help="one run of each extractor in turn instead of blocks (the old method)")
    parser.add_argument("--cold", action="store_true", help="evict the CPU's data caches before every timed call")
    parser.add_argument("--collect", action="store_true",
                        help="force gc.collect() before every timed call (the old method)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    extractors = {name: make() for name, make in EXTRACTORS.items()
                  if not wanted or any(name.lower().startswith(w) for w in wanted)}
    items = pages()
    n_sample = sum(p.name.startswith("sample:") for p in items)
    n_real = len(items) - n_sample
    results = measure(extractors, items, args.repeat, args.interleave, args.collect, args.cold)

    def means(res: dict[str, Any]) -> tuple[float | None, float | None, float]:
        sample = [ms for (p, ms) in res["per_page"] if p.startswith("sample:")]
        real = [ms for (p, ms) in res["per_page"] if p.startswith("real:")]
        return (statistics.fmean(sample) if sample else None, statistics.fmean(real) if real else None,
                statistics.fmean(ms for _, ms in res["per_page"]))

    base = next(iter(results.values()))
    base_means = means(base)

    def cell(value: float | None, ref: float | None, is_base: bool) -> str:
        if value is None:
            return "-"
        return f"{value:.2f}" + ("" if is_base or not ref else f" ({value / ref:.1f}x)")

    rows = []
    for name, res in results.items():
        sample, real, mean = means(res)
        is_base = res is base
        rows.append([name, cell(sample, base_means[0], is_base), cell(real, base_means[1], is_base),
                     cell(mean, base_means[2], is_base), f"{1000 / mean:.0f}", f"{res['chars'] / len(items):.0f}"])
    method = (", runs interleaved" if args.interleave else ", runs in blocks") + \
        (", gc.collect() before each" if args.collect else "") + (", caches evicted before each" if args.cold else "")
    print(f"# Extraction cost ({machine()})")
    print(f"{len(items)} pages: {n_sample} sample-site article pages + {n_real} real pages "
          f"(gne-2019); median of {args.repeat} runs per page{method}; {versions()}\n")
    print(table(["extractor", "ms/page sample pages (x newsbot)", "ms/page real pages (x newsbot)",
                 "ms/page all (x newsbot)", "pages/s (1 core)", "text chars/page"], rows))
    traf = results.get("trafilatura.extract (default)")
    if traf is not None and base is not traf:
        t = means(traf)
        parts = [f"{label} {tv / bv:.1f}x" for label, tv, bv in zip(("sample pages", "real pages", "all pages"), t, base_means)
                 if tv is not None and bv]
        worst = min(tv / bv for tv, bv in zip(t, base_means) if tv is not None and bv)
        print(f"\ngoal: newsbot >= 10x faster than trafilatura.extract: {', '.join(parts)} -> "
              f"{'met' if worst >= 10 else 'NOT met on every set'}")
    if args.per_page:
        print()
        names = list(results)
        print(table(["page", *names], [[p, *(f"{results[n]['per_page'][i][1]:.2f}" for n in names)]
                                        for i, (p, _) in enumerate(base["per_page"])]))
    print(f"\n(took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
