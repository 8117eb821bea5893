"""What a crawl did, dropped and failed, in a few lines, read from its stats file.

``python -m newsbot.summary STATS.json [MORE.json …]`` reads the JSON that
``NEWSBOT_STATS_FILE`` makes a crawl write (several crawls' files are added up, as the
demo's two crawls are) and prints: pages and articles, what was written, the items dropped
and the pages that failed (each by reason, with its count), and how many ERROR and
WARNING lines the log holds. ``--expected TEXT`` names why those lines are expected
(the demo: the sample site's broken pages); it is said only when the crawl finished and
its health check found nothing, else the summary says the crawl needs a look, and the
command exits 1.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# newsbot/<component>/dropped/<reason>, e.g. newsbot/clean/dropped/missing_title
DROPPED = re.compile(r"newsbot/(?P<component>[a-z_]+)/dropped/(?P<reason>.+)")
FAILED = "newsbot/fetch/failed/"
# Counters worth a word when they are not zero: the stat, and what it counts.
NOTES = (
    ("newsbot/incremental/skipped", "articles already stored, not downloaded again"),
    ("newsbot/encoding/fixed", "pages decoded by their bytes (wrong declared charset)"),
    ("newsbot/lists/empty", "list pages without article links"),
    ("newsbot/stubs/offsite", "redirect stubs to other sites skipped"),
    ("newsbot/articles/partial", "multi-page articles with pages missing"),
    ("newsbot/images/failed", "pictures not stored"),
    ("newsbot/stop/dropped_requests", "requests left undownloaded by a stop"),
)


def _n(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


def _by_reason(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def healthy(stats: Mapping[str, Any]) -> bool:
    """The crawl ran to its end and the health check found nothing."""
    return stats.get("finish_reason") == "finished" and not _n(stats, "newsbot/health/problems")


def combined(runs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Several crawls' stats as one: numbers (counters, elapsed times) added up; finished
    only when every crawl finished (else the first other reason).

    >>> combined([{"finish_reason": "finished", "item_scraped_count": 2, "elapsed_time_seconds": 1.5},
    ...           {"finish_reason": "site_changed", "item_scraped_count": 3, "start_time": "x"}])
    {'finish_reason': 'site_changed', 'item_scraped_count': 5, 'elapsed_time_seconds': 1.5}
    """
    total: dict[str, Any] = {}
    for stats in runs:
        for key, value in stats.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    reasons = [stats.get("finish_reason") for stats in runs]
    return {"finish_reason": next((reason for reason in reasons if reason != "finished"), "finished"), **total}


def summarize(stats: Mapping[str, Any], expected: str | None = None) -> list[str]:
    """The summary's lines (see the module docstring)."""
    elapsed = stats.get("elapsed_time_seconds")
    took = f" in {elapsed:.1f} s" if isinstance(elapsed, int | float) else ""
    articles = _n(stats, "item_scraped_count")
    lines = [(f"crawl {stats.get('finish_reason', 'did not finish')}{took}: "
              f"{_n(stats, 'downloader/response_count')} pages downloaded, {articles} articles out "
              f"({_n(stats, 'newsbot/dedupe/new')} new, {_n(stats, 'newsbot/dedupe/updated')} updated"
              + (f", {_n(stats, 'newsbot/dedupe/upgraded')} raised to a better channel"
                 if _n(stats, "newsbot/dedupe/upgraded") else "") + ")")]
    written = [f"{what} {_n(stats, key)}" for what, key in (
        ("MongoDB inserted", "newsbot/mongo/inserted"), ("MongoDB updated", "newsbot/mongo/updated"),
        ("Hexo posts written", "newsbot/hexo/written"), ("Hexo posts unchanged", "newsbot/hexo/unchanged"),
        ("feed files written", "newsbot/feeds/files_written")) if _n(stats, key)]
    if written:
        lines.append("written: " + ", ".join(written))
    dropped: dict[str, int] = {}
    for key, value in stats.items():
        if (match := DROPPED.fullmatch(key)) and isinstance(value, int) and value:
            dropped[f"{match['reason']} ({match['component']})"] = value
    if dropped:
        lines.append(f"dropped items {sum(dropped.values())}: {_by_reason(dropped)}")
    failed = {key.removeprefix(FAILED): value for key, value in stats.items()
              if key.startswith(FAILED) and isinstance(value, int) and value}
    if failed:
        lines.append(f"failed pages {sum(failed.values())}: {_by_reason(failed)}")
    notes = [f"{what} {_n(stats, key)}" for key, what in NOTES if _n(stats, key)]
    if notes:
        lines.append("also: " + "; ".join(notes))
    errors, warnings = _n(stats, "log_count/ERROR"), _n(stats, "log_count/WARNING")
    log = f"log: {errors} ERROR and {warnings} WARNING lines"
    if not healthy(stats):
        lines.append(log)
        lines.append(f"this crawl needs a look: finish_reason {stats.get('finish_reason')}, "
                     f"{_n(stats, 'newsbot/health/problems')} health problems (see the ERROR lines of the log)")
    elif expected and (errors or warnings):
        lines.append(f"{log}: {expected}")
    else:
        lines.append(log)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsbot.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("stats", type=Path, nargs="+",
                        help="the stats file a crawl wrote (NEWSBOT_STATS_FILE); several are added up")
    parser.add_argument("--expected", metavar="TEXT", help="why the crawl's ERROR and WARNING lines are expected")
    args = parser.parse_args(argv)
    runs = [json.loads(path.read_text("utf-8")) for path in args.stats]
    stats = runs[0] if len(runs) == 1 else combined(runs)
    sys.stdout.write("".join(f"{line}\n" for line in summarize(stats, args.expected)))
    return 0 if healthy(stats) else 1


if __name__ == "__main__":
    sys.exit(main())
