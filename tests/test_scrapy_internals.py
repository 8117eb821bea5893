"""Private Scrapy attributes newsbot writes, each checked against the installed Scrapy.

Scrapy has a public API for almost everything newsbot does; where it has none, the
component writes a private attribute and guards it with ``hasattr`` so that a crawl still
runs. These tests are what fails, loudly, on the Scrapy upgrade that renames or ignores it.

- ``ExecutionEngine._SLOT_HEARTBEAT_INTERVAL`` (``set_poll_interval`` in
  newsbot/distributed/scheduler.py): how often an idle engine asks its scheduler again, 5 s
  in Scrapy, which a distributed worker shortens to ``NEWSBOT_REDIS_POLL_INTERVAL`` so that
  it sees other workers' requests soon.
- ``ExecutionEngine._slot.nextcall`` (``_release`` in newsbot/pipelines/mongo.py): when the
  MongoDB pipeline's back-pressure unpauses the engine, it asks for the next requests at
  once rather than at the next 5 s heartbeat.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scrapy.core.engine import ExecutionEngine, _Slot
from scrapy.utils.reactor import CallLaterOnce

from tests.workers import clean_env

ROOT = Path(__file__).resolve().parents[1]


def test_the_engine_heartbeat_interval_is_a_float_class_attribute() -> None:
    assert isinstance(getattr(ExecutionEngine, "_SLOT_HEARTBEAT_INTERVAL", None), float), (
        "Scrapy no longer has ExecutionEngine._SLOT_HEARTBEAT_INTERVAL: "
        "newsbot/distributed/scheduler.py set_poll_interval needs another way to set NEWSBOT_REDIS_POLL_INTERVAL")
    assert ExecutionEngine._SLOT_HEARTBEAT_INTERVAL == 5.0


def test_the_engine_slot_keeps_its_next_call_for_the_mongo_back_pressure() -> None:
    assert "_slot" in ExecutionEngine.__init__.__code__.co_names, (
        "Scrapy's engine no longer has _slot: newsbot/pipelines/mongo.py _release needs another "
        "way to ask for requests right after unpausing")
    assert "nextcall" in _Slot.__init__.__code__.co_varnames
    assert callable(getattr(CallLaterOnce, "schedule", None))


def test_the_worker_poll_interval_reaches_the_engine_heartbeat(tmp_path: Path) -> None:
    """Idle for 1 s with a 0.05 s heartbeat: about 20 idle checks; Scrapy's 5 s would give 1."""
    stats = tmp_path / "stats.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "tests" / "heartbeat_spider.py"),
           "-a", "poll=0.05", "-a", "idle_for=1.0", "-s", f"NEWSBOT_STATS_FILE={stats}",
           "-s", f"NEWSBOT_STATE_DIR={tmp_path / 'state'}", "-s", "LOG_LEVEL=WARNING"]
    proc = subprocess.run(cmd, check=False, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    idle_checks = json.loads(stats.read_text("utf-8"))["heartbeat_test/idle"]
    assert idle_checks >= 10, (
        f"{idle_checks} idle checks in 1 s: the engine no longer reads _SLOT_HEARTBEAT_INTERVAL "
        "from the instance when its heartbeat starts (newsbot/distributed/scheduler.py set_poll_interval)")
