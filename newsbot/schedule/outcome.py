"""How a finished scrapyd job ended, read from the tail of its log, reported once per job.

scrapyd lists every ended job as ``finished`` and keeps no exit status, so a crawl that ended
badly (``finish_reason`` ``site_changed``, ``shutdown``, ``closespider_timeout``...) or died
before closing looks like any other. The crawl's own log says how it ended: Scrapy's closing
stats dump (``'finish_reason': 'finished',``) and the line ``Spider closed (finished)``.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from newsbot.redact import redact_uri
from newsbot.schedule.scrapyd import Job, ScrapydError, ScrapydUnavailable

logger = logging.getLogger("newsbot.schedule")

FINISHED = "finished"
# The stats dump and the "Spider closed" line are the last lines of a crawl's log; 64 KiB
# holds them with room for what an extension logs after them.
LOG_TAIL_BYTES = 64 * 1024
STATS_REASON = re.compile(r"""'finish_reason': (['"])(.*?)\1""")
CLOSED_REASON = re.compile(r"Spider closed \(([^)\n]+)\)")
NEVER = datetime.min.replace(tzinfo=UTC)


class LogReader(Protocol):
    """What reading outcomes needs of a ScrapydClient."""

    def log_tail(self, path: str, limit: int) -> bytes: ...

    def url_of(self, path: str) -> str: ...


def finish_reason(log: str) -> str | None:
    """How the crawl of ``log`` ended, or None when it never got to close (crashed, killed).

    The stats dump wins over the "Spider closed" line: the engine logs the reason it closed
    with, and a ``spider_closed`` handler (a health check) may set another in the stats.

    >>> finish_reason("... INFO: Dumping Scrapy stats:\\n{'finish_reason': 'site_changed',\\n ...}\\n"
    ...               "2026-03-01 12:00:05 [scrapy.core.engine] INFO: Spider closed (finished)\\n")
    'site_changed'
    >>> finish_reason("2026-03-01 12:00:05 [scrapy.core.engine] INFO: Spider closed (shutdown)")
    'shutdown'
    >>> finish_reason("Traceback (most recent call last):\\nValueError: unknown channel(s)") is None
    True
    """
    in_stats = STATS_REASON.findall(log)
    if in_stats:
        return str(in_stats[-1][1])
    closed = CLOSED_REASON.findall(log)
    return str(closed[-1]) if closed else None


def log_path(project: str, job: Job) -> str:
    """Where scrapyd serves the log of ``job``: its ``log_url``, else scrapyd's layout."""
    return job.log_url or f"/logs/{project}/{job.spider}/{job.id}.log"


@dataclass(frozen=True)
class Outcome:
    """How ``job`` ended: its finish reason, or why none is known (``problem``)."""

    job: Job
    log_url: str
    reason: str | None = None
    problem: str | None = None

    @property
    def failed(self) -> bool:
        """Anything but a ``finished`` crawl, an unreadable log included."""
        return self.reason != FINISHED

    def log(self) -> None:
        """One line: INFO for a finished crawl, ERROR for any other outcome."""
        spider, job, where = self.job.spider, self.job.id, redact_uri(self.log_url)
        if not self.failed:
            logger.info("%s: job %s finished (log %s)", spider, job, where)
        elif self.reason is not None:
            logger.error("%s: job %s failed: finish_reason %s (log %s)", spider, job, self.reason, where)
        else:
            logger.error("%s: job %s failed: %s (log %s)", spider, job, self.problem, where)


def read_outcome(client: LogReader, project: str, job: Job, limit: int = LOG_TAIL_BYTES) -> Outcome:
    """Read the tail of ``job``'s log; ScrapydUnavailable propagates (try again later)."""
    path = log_path(project, job)
    url = client.url_of(path)
    try:
        tail = client.log_tail(path, limit).decode("utf-8", "replace")
    except ScrapydUnavailable:
        raise
    except ScrapydError as exc:
        return Outcome(job, url, problem=f"its log cannot be read ({exc})")
    reason = finish_reason(tail)
    if reason is None:
        return Outcome(job, url, problem=f"no finish reason in the last {limit // 1024} KiB of its log "
                                         "(the crawl crashed or was killed before it closed)")
    return Outcome(job, url, reason)


class FinishedJobs:
    """The finished jobs not reported yet, each read once; remembers only what scrapyd lists.

    At the first look, only the latest finished job of each spider is read (how its last run
    went); the older ones scrapyd still lists are history and only remembered. After that,
    every job that finishes is read once.
    """

    def __init__(self, client: LogReader, project: str) -> None:
        self.client = client
        self.project = project
        self.reported: set[str] = set()
        self.looked = False

    def new_outcomes(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """The outcome of each finished job not reported yet, oldest first.

        A job counts as reported once its outcome is yielded; when ScrapydUnavailable
        propagates, the jobs not read yet are read at the next look.
        """
        finished = [job for job in jobs if job.state == "finished"]
        self.reported &= {job.id for job in finished}
        new = [job for job in finished if job.id not in self.reported]
        if not self.looked:
            self.looked = True
            latest: dict[str, Job] = {}
            for job in new:
                if job.spider not in latest or _ended(job) > _ended(latest[job.spider]):
                    latest[job.spider] = job
            history = [job for job in new if job is not latest[job.spider]]
            if history:
                logger.debug("%d older finished job(s) not read: only the last run of each spider is", len(history))
            self.reported.update(job.id for job in history)
            new = list(latest.values())
        for job in sorted(new, key=_ended):
            outcome = read_outcome(self.client, self.project, job)
            self.reported.add(job.id)
            yield outcome


def _ended(job: Job) -> datetime:
    return job.end_time or NEVER
