"""The tick loop: look at scrapyd, report finished jobs, schedule what is due, log everything."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from newsbot.redact import redact_uri
from newsbot.schedule.config import Config, SpiderSchedule, format_interval
from newsbot.schedule.decide import Decision, decide
from newsbot.schedule.outcome import FinishedJobs
from newsbot.schedule.scrapyd import Job, ScrapydClient, ScrapydError, ScrapydUnavailable

logger = logging.getLogger("newsbot.schedule")


def local_now() -> datetime:
    """The current time, aware, in this machine's zone (the zone scrapyd reports in)."""
    return datetime.now().astimezone()


def redacted(params: dict[str, str]) -> dict[str, str]:
    """``params`` fit for a log line: passwords inside URIs masked."""
    return {name: redact_uri(value) if "://" in value else value for name, value in params.items()}


@dataclass(frozen=True)
class TickResult:
    """What one look did: ``ok`` when scrapyd answered and accepted every start; how many
    finished jobs it reported as ``finished`` and as failed (every ERROR about a job)."""

    ok: bool
    finished: int = 0
    failed: int = 0


class Scheduler:
    """Runs the spiders of ``config`` on one scrapyd, each every ``interval``, never two at once."""

    def __init__(
        self, config: Config, client: ScrapydClient | None = None, clock: Callable[[], datetime] = local_now
    ) -> None:
        self.config = config
        target = config.scrapyd
        self.client = client or ScrapydClient(target.url, target.username, target.password, target.timeout)
        self.clock = clock
        self.scheduled_at: dict[str, datetime] = {}
        self.finished_jobs = FinishedJobs(self.client, target.project)

    def tick(self) -> TickResult:
        """Look once: report the jobs that finished since the last look, schedule what is due."""
        project = self.config.scrapyd.project
        try:
            jobs = self.client.list_jobs(project)
        except ScrapydUnavailable as exc:
            logger.warning("scrapyd unavailable, nothing scheduled; trying again next tick: %s", exc)
            return TickResult(ok=False)
        except ScrapydError as exc:
            logger.error("scrapyd refused listjobs.json for project %r, nothing scheduled: %s", project, exc)
            return TickResult(ok=False)
        reported = self._report(jobs)
        return replace(reported, ok=self._schedule_due(jobs) and reported.ok)

    def _report(self, jobs: Sequence[Job]) -> TickResult:
        """Log each job that finished since the last look, once; ok is False if scrapyd went away."""
        finished = failed = 0
        try:
            for outcome in self.finished_jobs.new_outcomes(jobs):
                outcome.log()
                failed += outcome.failed
                finished += not outcome.failed
        except ScrapydUnavailable as exc:
            logger.warning("scrapyd unavailable while reading job logs; the rest next tick: %s", exc)
            return TickResult(False, finished, failed)
        return TickResult(True, finished, failed)

    def _schedule_due(self, jobs: Sequence[Job]) -> bool:
        """Start each spider that is due; False when scrapyd refused one or went away."""
        ok = True
        for schedule in self.config.spiders:
            now = self.clock()
            decision = decide(schedule, jobs, now, self.scheduled_at.get(schedule.spider))
            if not decision.start:
                logger.info("%s: skip: %s", decision.spider, decision.reason)
                continue
            try:
                ok = self._start(schedule, decision, now) and ok
            except ScrapydUnavailable as exc:
                logger.warning(
                    "%s: not scheduled, scrapyd unavailable; trying again next tick: %s", decision.spider, exc
                )
                return False
        return ok

    def _start(self, schedule: SpiderSchedule, decision: Decision, now: datetime) -> bool:
        """Ask scrapyd to run ``schedule``; ScrapydUnavailable propagates (the tick ends)."""
        project = self.config.scrapyd.project
        try:
            job = self.client.schedule(project, schedule.spider, schedule.args, schedule.settings)
        except ScrapydUnavailable:
            raise
        except ScrapydError as exc:
            logger.error("%s: start: %s; scrapyd refused it: %s", schedule.spider, decision.reason, exc)
            return False
        self.scheduled_at[schedule.spider] = now
        logger.info(
            "%s: start: %s; scheduled job %s (args %s, settings %s)",
            schedule.spider, decision.reason, job, redacted(schedule.args), redacted(schedule.settings),
        )
        return True

    def run(self, stop: threading.Event | None = None) -> None:
        """Tick every ``config.tick`` seconds until ``stop`` is set."""
        stop = stop or threading.Event()
        target = self.config.scrapyd
        plan = ", ".join(
            f"{s.spider} every {format_interval(s.interval)}{'' if s.enabled else ' (disabled)'}"
            for s in self.config.spiders
        )
        logger.info(
            "scheduling on %s project %r, a look every %gs: %s", target.url, target.project, self.config.tick, plan
        )
        next_tick = time.monotonic()
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a bug or an odd answer must not end the service
                logger.exception("tick failed; trying again next tick")
            next_tick = max(next_tick + self.config.tick, time.monotonic())
            stop.wait(max(0.0, next_tick - time.monotonic()))
        logger.info("stopped")
