"""``python -m newsbot.schedule --config schedule.toml [--once]``: recurring crawls on scrapyd.

Runs until SIGTERM/SIGINT, looking at scrapyd every ``[scheduler] tick`` seconds. With
``--once`` it looks once and exits (for cron or a systemd timer). Exit status: 0 when scrapyd
answered and accepted every start and the last finished job of each spider finished; 1 when
scrapyd could not be reached or refused (this wins over 3); 2 for a bad config; 3 when a
finished job it looked at failed (a finish reason other than ``finished``, or none).
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from newsbot.schedule.config import ConfigError, load_config
from newsbot.schedule.runner import Scheduler

logger = logging.getLogger("newsbot.schedule")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m newsbot.schedule", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("schedule.toml"), help="TOML file (default: schedule.toml)")
    parser.add_argument("--once", action="store_true", help="look once, schedule what is due, and exit")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO (default), WARNING, ERROR")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        logger.error("bad config: %s", exc)
        return 2
    scheduler = Scheduler(config)
    if args.once:
        result = scheduler.tick()
        return 1 if not result.ok else 3 if result.failed else 0
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("got signal %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    scheduler.run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
