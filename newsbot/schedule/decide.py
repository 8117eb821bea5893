"""Whether to start a spider now: a pure function of the config, scrapyd's jobs and the time."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from newsbot.schedule.config import SpiderSchedule
from newsbot.schedule.scrapyd import Job


@dataclass(frozen=True)
class Decision:
    """``start`` or not, and why (the reason is what gets logged)."""

    spider: str
    start: bool
    reason: str
    due_at: datetime | None = None


def last_start(spider: str, jobs: Sequence[Job], scheduled_at: datetime | None = None) -> datetime | None:
    """The latest start of ``spider`` that we know of: ours (``scheduled_at``) or scrapyd's history."""
    starts = [job.start_time for job in jobs if job.spider == spider and job.start_time is not None]
    if scheduled_at is not None:
        starts.append(scheduled_at)
    return max(starts, default=None)


def decide(
    schedule: SpiderSchedule, jobs: Sequence[Job], now: datetime, scheduled_at: datetime | None = None
) -> Decision:
    """Start ``schedule.spider`` only if it has no pending or running job and its interval has passed.

    The interval counts from the last start, whoever started it (this scheduler, cron, a
    person); a start in the future (clocks that disagree) counts as now. ``scheduled_at`` is
    when this process last scheduled the spider, which covers the moment between
    ``schedule.json`` and scrapyd listing the job.
    """
    name = schedule.spider
    if not schedule.enabled:
        return Decision(name, False, "disabled in the config")
    active = [job for job in jobs if job.spider == name and job.state in ("pending", "running")]
    if active:
        described = ", ".join(_describe(job) for job in active)
        return Decision(name, False, f"still {described}")
    last = last_start(name, jobs, scheduled_at)
    if last is None:
        return Decision(name, True, "no earlier run known")
    last = min(last, now)
    due_at = last + schedule.interval
    if now < due_at:
        return Decision(name, False, f"last started {_fmt(last)}, next due {_fmt(due_at)}", due_at)
    return Decision(name, True, f"due since {_fmt(due_at)} (last started {_fmt(last)})", due_at)


def _describe(job: Job) -> str:
    since = f" since {_fmt(job.start_time)}" if job.start_time else ""
    return f"{job.state} as job {job.id}{since}"


def _fmt(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
