"""Body quality and cost of newsbot.generic against the open extractors, on the dev halves.

Sets (in ../shared/data, NEWSBOT_SHARED_DATA overrides the folder):

- ``aeb``: the 91 English pages of the Article Extraction Benchmark with its ground truth;
  AEB's metric (``aeb/README.md``): ``\\w+`` tokens, 4-gram shingles with multiplicity,
  per-page TP/FP/FN normalised, corpus precision and recall the means, F1 of the means.
- ``magic-zh``: the 27 human-annotated Chinese pages of magic-html; the same metric with
  every Han character a token of its own (``\\w+`` runs for the rest).
- ``gne-zh``: the 20 old Chinese pages for which GNE's 2019 output is in ``result.txt``:
  a reference extractor's output, *not* ground truth (GNE scores itself near 1 there).

Every extractor gets the page's raw bytes where it takes bytes (newsbot, trafilatura,
resiliparse with its own encoding detection); readability-lxml and GNE take text, decoded
as UTF-8 when the bytes are valid UTF-8, else GB18030. Decoding is inside the timing.
Timing: one run a page, extractors in a block per page after one warm-up of each;
median and p90 in ms. Metadata (authors, dates, captions) is scored against
``tests/expected/generic/*.json``, written by hand from the pages: a time is right when it
names the same instant, a day when it falls on the page's day in the page's own zone.

Usage: python benchmarks/extraction_quality.py [--sets aeb,magic-zh,gne-zh]
       [--only newsbot,trafilatura,...] [--limit N] [--per-page]
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = Path(os.environ.get("NEWSBOT_SHARED_DATA", ROOT.parent / "shared" / "data"))
EXPECTED = ROOT / "tests" / "expected" / "generic"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORDS = re.compile(r"\w+")
HAN_WORDS = re.compile(rf"[{HAN}]|(?:(?![{HAN}])\w)+")
BLOCK_TAGS = frozenset({"p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote",
                        "pre", "table", "section", "article", "ul", "ol", "figure", "figcaption"})


@dataclass
class Page:
    set: str
    name: str
    url: str
    body: bytes
    truth: str


# --- the sets --------------------------------------------------------------------------
def aeb_pages() -> list[Page]:
    truth = json.loads((DATA / "aeb" / "ground-truth.json").read_text("utf-8"))
    return [Page("aeb", key, item["url"], gzip.decompress((DATA / "aeb" / "html" / f"{key}.html.gz").read_bytes()),
                 item["articleBody"]) for key, item in sorted(truth.items())]


def magic_pages() -> list[Page]:
    base = json.loads((DATA / "magic-html-zh" / "base.json").read_text("utf-8"))
    return [Page("magic-zh", key, item["url"], (DATA / "magic-html-zh" / "htmls" / f"{key}.html").read_bytes(),
                 item["content"]) for key, item in sorted(base.items())]


def gne_pages() -> list[Page]:
    text = (DATA / "gne" / "result.txt").read_text("utf-8")
    found = []
    for match in re.finditer(r">{5,}(tests/\S+?\.html)>{5,}\s*(\{.*?\n\})", text, re.S):
        path, item = match.group(1), json.loads(match.group(2))
        found.append(Page("gne-zh", path, f"https://example.invalid/{path}", (DATA / "gne" / path).read_bytes(),
                          item["content"]))
    return found


SETS: dict[str, Callable[[], list[Page]]] = {"aeb": aeb_pages, "magic-zh": magic_pages, "gne-zh": gne_pages}


# --- the extractors --------------------------------------------------------------------
def as_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


def html_text(fragment: str) -> str:
    """A fragment's text with a line break at every block, for readability's HTML output."""
    from lxml import html

    if not fragment.strip():
        return ""
    root = html.fromstring(fragment)
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag in BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
    return root.text_content()


def newsbot(page: Page) -> str:
    from newsbot.generic import extract_article

    return "\n".join(extract_article(page.body, page.url).paragraphs)


def trafilatura_default(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page.body, url=page.url) or ""


def trafilatura_precision(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page.body, url=page.url, favor_precision=True) or ""


def readability(page: Page) -> str:
    from readability import Document

    return html_text(Document(as_text(page.body), url=page.url).summary(html_partial=True))


def resiliparse(page: Page) -> str:
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse(bytes_to_str(page.body, detect_encoding(page.body)))
    return extract_plain_text(tree, main_content=True)


def gne(page: Page) -> str:
    from gne import GeneralNewsExtractor

    return GeneralNewsExtractor().extract(as_text(page.body))["content"]


EXTRACTORS: dict[str, Callable[[Page], str]] = {
    "newsbot": newsbot, "trafilatura": trafilatura_default, "trafilatura-precision": trafilatura_precision,
    "readability-lxml": readability, "resiliparse": resiliparse, "gne": gne,
}


# --- the metric ------------------------------------------------------------------------
def tokens(text: str, han: bool) -> list[str]:
    return (HAN_WORDS if han else WORDS).findall(text)


def shingles(words: list[str], n: int = 4) -> Counter[tuple[str, ...]]:
    if len(words) < n:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def page_counts(truth: str, found: str, han: bool) -> tuple[float, float, float]:
    """AEB's per-page TP, FP, FN, normalised to sum to 1."""
    true, pred = shingles(tokens(truth, han)), shingles(tokens(found, han))
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_recall(counts: Iterable[tuple[float, float, float]]) -> tuple[float, float, float]:
    precisions, recalls = [], []
    for tp, fp, fn in counts:
        if fp == fn == 0 and tp > 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


# --- metadata --------------------------------------------------------------------------
def same_instant(value: str) -> datetime | str:
    """A time as the instant it names (offsets written differently compare equal)."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return value


def page_day(found: str | None, expected: str) -> str:
    """The day of ``found`` on the clock of the expected time (the page's own zone)."""
    if not found:
        return ""
    moment, want = same_instant(found), same_instant(expected)
    if isinstance(moment, datetime) and isinstance(want, datetime) and want.tzinfo is not None:
        return moment.astimezone(want.tzinfo).date().isoformat()
    return found[:10]


def metadata_scores() -> list[tuple[str, int, int]]:
    """(field, right, pages that have it) for newsbot against the hand-written expected items."""
    from newsbot.generic import extract_article

    right: Counter[str] = Counter()
    have: Counter[str] = Counter()
    for path in sorted(EXPECTED.glob("*.json")):
        expected = json.loads(path.read_text("utf-8"))
        body = (DATA / expected["_page"]).read_bytes()
        if expected["_page"].endswith(".gz"):
            body = gzip.decompress(body)
        article = extract_article(body, expected["url"], crawled_at=expected.get("_crawled_at"))
        want = expected.get("published_at") or ""
        chinese = bool(re.search(f"[{HAN}]", expected.get("title", "")))
        checks = {
            "authors": (expected.get("authors"), article.authors),
            "authors (Chinese pages)": (expected.get("authors") if chinese else None, article.authors),
            "published (day)": (want[:10] or None, page_day(article.published_at, want)),
            "published (exact)": (same_instant(want) if len(want) > 10 else None,
                                  same_instant(article.published_at or "")),
            "title": (expected.get("title"), article.title),
            "captions": (expected.get("captions"), [i.caption for i in article.images if i.caption]),
        }
        for name, (want, got) in checks.items():
            if want:
                have[name] += 1
                right[name] += want == got
    return [(name, right[name], have[name]) for name in have]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--only", default=",".join(EXTRACTORS))
    parser.add_argument("--limit", type=int, default=0, help="the first N pages of each set")
    parser.add_argument("--per-page", action="store_true", help="newsbot's F1, precision and recall on every page")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    names = args.only.split(",")
    print("| set | extractor | pages | precision | recall | F1 | median ms | p90 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for set_name in args.sets.split(","):
        pages = SETS[set_name]()[: args.limit or None]
        han = set_name != "aeb"
        counts: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
        times: dict[str, list[float]] = {n: [] for n in names}
        for name in names:
            EXTRACTORS[name](pages[0])  # warm-up: imports and caches
        for page in pages:
            for name in names:
                start = time.perf_counter()
                try:
                    found = EXTRACTORS[name](page)
                except Exception:  # a peer failing on a page scores nothing there
                    found = ""
                times[name].append((time.perf_counter() - start) * 1000)
                counts[name].append(page_counts(page.truth, found, han))
                if args.per_page and name == "newsbot":
                    p, r, f1 = precision_recall([counts[name][-1]])
                    print(f"  {set_name} {page.name[:40]} F1 {f1:.3f} P {p:.3f} R {r:.3f}", file=sys.stderr)
        for name in names:
            p, r, f1 = precision_recall(counts[name])
            print(f"| {set_name} | {name} | {len(pages)} | {p:.3f} | {r:.3f} | {f1:.3f} | "
                  f"{statistics.median(times[name]):.1f} | {p90(times[name]):.1f} |")
    if EXPECTED.is_dir() and "newsbot" in names:
        print("\n| newsbot metadata | right | pages with it |\n|---|---|---|")
        for field_name, right, have in metadata_scores():
            print(f"| {field_name} | {right} ({right / have:.0%}) | {have} |")


if __name__ == "__main__":
    main()
