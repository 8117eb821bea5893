"""Recurring crawls on a scrapyd: ``python -m newsbot.schedule --config schedule.toml``.

scrapyd runs jobs but never repeats them. This scheduler reads an interval per spider from
a TOML file and, on every tick, asks scrapyd (``listjobs.json``) what is pending or running:
a spider that still has a pending or running job is never started again; a spider whose
interval has passed since its last start is scheduled (``schedule.json``). Every decision
is logged; an unreachable scrapyd is logged and tried again at the next tick. Each job that
finished is reported once, from the finish reason at the end of its log: INFO when it is
``finished``, ERROR otherwise (scrapyd keeps no exit status).

Modules: ``config`` (the TOML file), ``scrapyd`` (the HTTP client), ``decide`` (the pure
decision), ``outcome`` (how a finished job ended), ``runner`` (the tick loop), ``__main__``
(the command line).
"""
from newsbot.schedule.config import Config, ConfigError, ScrapydTarget, SpiderSchedule, load_config
from newsbot.schedule.decide import Decision, decide
from newsbot.schedule.outcome import FinishedJobs, Outcome, finish_reason
from newsbot.schedule.runner import Scheduler, TickResult
from newsbot.schedule.scrapyd import Job, ScrapydClient, ScrapydError, ScrapydUnavailable

__all__ = [
    "Config",
    "ConfigError",
    "Decision",
    "FinishedJobs",
    "Job",
    "Outcome",
    "Scheduler",
    "ScrapydClient",
    "ScrapydError",
    "ScrapydTarget",
    "ScrapydUnavailable",
    "SpiderSchedule",
    "TickResult",
    "decide",
    "finish_reason",
    "load_config",
]
