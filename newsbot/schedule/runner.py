"""The tick loop: look at scrapyd, decide per spider, schedule what is due, log everything."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from newsbot.redact import redact_uri
from newsbot.schedule.config import Config, SpiderSchedule, format_interval
from newsbot.schedule.decide import Decision, decide
from newsbot.schedule.scrapyd import ScrapydClient, ScrapydError, ScrapydUnavailable

logger = logging.getLogger("newsbot.schedule")


def local_now() -> datetime:
    """The current time, aware, in this machine's zone (the zone scrapyd reports in)."""
    return datetime.now().astimezone()


def redacted(params: dict[str, str]) -> dict[str, str]:
    """``params`` fit for a log line: passwords inside URIs masked."""
    return {name: redact_uri(value) if "://" in value else value for name, value in params.items()}


class Scheduler:
    """Runs the spiders of ``config`` on one scrapyd, each every ``interval``, never two at once."""

    def __init__(self, config: Config, client: ScrapydClient | None = None, clock: Callable[[], datetime] = local_now) -> None:
        self.config = config
        target = config.scrapyd
        self.client = client or ScrapydClient(target.url, target.username, target.password, target.timeout)
        self.clock = clock
        self.scheduled_at: dict[str, datetime] = {}

    def tick(self) -> bool:
        """Look once and schedule what is due. False when scrapyd could not be asked or refused."""
        project = self.config.scrapyd.project
        try:
            jobs = self.client.list_jobs(project)
        except ScrapydUnavailable as exc:
            logger.warning("scrapyd unavailable, nothing scheduled; trying again next tick: %s", exc)
            return False
        except ScrapydError as exc:
            logger.error("scrapyd refused listjobs.json for project %r, nothing scheduled: %s", project, exc)
            return False
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
                logger.warning("%s: not scheduled, scrapyd unavailable; trying again next tick: %s", decision.spider, exc)
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
            f"{s.spider} every {format_interval(s.interval)}{'' if s.enabled else ' (disabled)'}" for s in self.config.spiders
        )
        logger.info("scheduling on %s project %r, a look every %gs: %s", target.url, target.project, self.config.tick, plan)
        next_tick = time.monotonic()
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a bug or an odd answer must not end the service
                logger.exception("tick failed; trying again next tick")
            next_tick = max(next_tick + self.config.tick, time.monotonic())
            stop.wait(max(0.0, next_tick - time.monotonic()))
        logger.info("stopped")
