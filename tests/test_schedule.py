"""The recurring scheduler (newsbot.schedule): config, decisions, the tick, job outcomes, the client.

The client talks to a small stub HTTP server and the tick loop to a fake client, so every
branch is reached quickly; the end of the file reads the outcome of real jobs on a real
scrapyd (the scheduler as a service is exercised in tests/test_scrapyd.py).
"""
from __future__ import annotations

import base64
import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from configparser import ConfigParser
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from newsbot.schedule import (
    ConfigError, Job, Scheduler, ScrapydClient, ScrapydError, ScrapydUnavailable, SpiderSchedule, TickResult, decide,
    finish_reason, load_config,
)
from newsbot.schedule.__main__ import main
from newsbot.schedule.config import parse_config
from tests.crawl import site_settings
from tests.plugins.scrapyd_server import Deployment, ScrapydServer

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=8)))
TEN_MIN = timedelta(minutes=10)


def spider(name: str = "guancha", interval: timedelta = TEN_MIN, **kwargs: Any) -> SpiderSchedule:
    return SpiderSchedule(spider=name, interval=interval, **kwargs)


def job(state: str, id: str = "j1", name: str = "guancha", started: timedelta | None = None) -> Job:
    return Job(id=id, spider=name, state=state, start_time=None if started is None else NOW - started)  # type: ignore[arg-type]


# --- config -----------------------------------------------------------------------------------
FULL = """
[scrapyd]
url = "http://10.0.0.5:6800"
project = "news"
username = "ops"
password = "from-file"
timeout = 3

[scheduler]
tick = 15

[spiders.guancha]
interval = "1h30m"
args = { channels = ["toutiao", "yaowen"], max_pages = 2 }
settings = { MONGO_URI = "mongodb://u:pw@db/news", AUTOTHROTTLE_ENABLED = false, FEEDS = { "out.jl" = { format = "jsonlines" } } }

[spiders.other]
interval = 300
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(text, "utf-8")
    return path


def test_config_is_read_with_every_value_as_scrapyd_passes_it(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL), environ={})
    assert (config.scrapyd.url, config.scrapyd.project, config.scrapyd.username, config.scrapyd.password,
            config.scrapyd.timeout, config.tick) == ("http://10.0.0.5:6800", "news", "ops", "from-file", 3.0, 15.0)
    guancha, other = config.spiders
    assert guancha.interval == timedelta(hours=1, minutes=30)
    assert guancha.args == {"channels": "toutiao,yaowen", "max_pages": "2"}
    assert guancha.settings == {"MONGO_URI": "mongodb://u:pw@db/news", "AUTOTHROTTLE_ENABLED": "False",
                                "FEEDS": '{"out.jl": {"format": "jsonlines"}}'}
    assert (other.spider, other.interval, other.enabled) == ("other", timedelta(minutes=5), False)


def test_credentials_from_the_environment_win(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FULL), environ={"SCRAPYD_USERNAME": "env-user", "SCRAPYD_PASSWORD": "env-pw"})
    assert (config.scrapyd.username, config.scrapyd.password) == ("env-user", "env-pw")
    minimal = parse_config({"spiders": {"guancha": {"interval": 60}}}, environ={})
    assert (minimal.scrapyd.url, minimal.scrapyd.project, minimal.scrapyd.username, minimal.tick) == (
        "http://127.0.0.1:6800/", "newsbot", None, 60.0)


@pytest.mark.parametrize(("text", "message"), [
    ("[scrapyd]\nurl = 'x'\n[spiders.a]\ninterval = 1", "must start with http"),
    ("[scrapyd]\npasword = 'x'\n[spiders.a]\ninterval = 1", "unknown key(s) in [scrapyd]: ['pasword']"),
    ("[spiders.a]\nevery = 1", "unknown key(s): ['every']"),
    ("[spiders.a]\nargs = {}", "[spiders.a] needs an interval"),
    ("[spiders.a]\ninterval = '5 minutes'", "interval '5 minutes' is not a number"),
    ("[spiders.a]\ninterval = 0", "must be positive"),
    ("[scheduler]\ntick = 0\n[spiders.a]\ninterval = 1", "tick must be positive"),
    ("[scheduler]\ntick = 5", "nothing to schedule"),
    ("[spiders.a\ninterval = 1", "is not valid TOML"),
])
def test_a_bad_config_is_refused_with_a_message_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(write(tmp_path, text), environ={})


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml", environ={})


# --- decide -------------------------------------------------------------------------------------
def test_a_spider_never_run_starts() -> None:
    decision = decide(spider(), [], NOW)
    assert decision.start and decision.reason == "no earlier run known"


@pytest.mark.parametrize("state", ["pending", "running"])
def test_a_pending_or_running_spider_is_not_started_again(state: str) -> None:
    old = timedelta(days=1)  # long past its interval: only the active job holds it back
    decision = decide(spider(), [job("finished", "old", started=old), job(state, "busy", started=old)], NOW)
    assert not decision.start
    assert decision.reason.startswith(f"still {state} as job busy")


def test_jobs_of_other_spiders_do_not_hold_a_spider_back() -> None:
    decision = decide(spider("guancha"), [job("running", "x", name="other", started=timedelta(seconds=5))], NOW)
    assert decision.start


def test_the_interval_counts_from_the_latest_start() -> None:
    jobs = [job("finished", "a", started=timedelta(minutes=25)), job("finished", "b", started=timedelta(minutes=4))]
    waiting = decide(spider(), jobs, NOW)
    assert not waiting.start and waiting.due_at == NOW + timedelta(minutes=6)
    assert "next due 2026-03-01T12:06:00+08:00" in waiting.reason
    due = decide(spider(interval=timedelta(minutes=3)), jobs, NOW)
    assert due.start and due.due_at == NOW - timedelta(minutes=1)


def test_our_own_recent_schedule_counts_before_scrapyd_lists_the_job() -> None:
    decision = decide(spider(), [], NOW, scheduled_at=NOW - timedelta(seconds=2))
    assert not decision.start and decision.due_at == NOW + TEN_MIN - timedelta(seconds=2)


def test_a_start_in_the_future_counts_as_now() -> None:
    decision = decide(spider(), [job("finished", started=-timedelta(days=3))], NOW)
    assert not decision.start and decision.due_at == NOW + TEN_MIN


def test_a_disabled_spider_is_never_started() -> None:
    decision = decide(spider(enabled=False), [], NOW)
    assert not decision.start and decision.reason == "disabled in the config"


# --- the tick -----------------------------------------------------------------------------------
class FakeClient:
    """Stands in for ScrapydClient: jobs to list, scheduled calls recorded, failures on demand."""

    def __init__(self, jobs: list[Job] | None = None) -> None:
        self.url = "http://127.0.0.1:6800/"
        self.jobs = jobs or []
        self.list_error: Exception | None = None
        self.schedule_error: Exception | None = None
        self.scheduled: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.logs: dict[str, str | Exception] = {}  # log path -> its text, or the error reading it raises
        self.log_reads: list[str] = []

    def list_jobs(self, project: str) -> list[Job]:
        if self.list_error:
            raise self.list_error
        return list(self.jobs)

    def schedule(self, project: str, spider: str, args: dict[str, str], settings: dict[str, str]) -> str:
        if self.schedule_error:
            raise self.schedule_error
        self.scheduled.append((project, spider, dict(args), dict(settings)))
        job_id = f"job{len(self.scheduled)}"
        self.jobs.append(Job(job_id, spider, "pending"))
        return job_id

    def log_tail(self, path: str, limit: int) -> bytes:
        self.log_reads.append(path)
        log = self.logs.get(path, ScrapydError(f"{path}: HTTP 404 No Such Resource"))
        if isinstance(log, Exception):
            raise log
        return log.encode()[-limit:]

    def url_of(self, path: str) -> str:
        return ScrapydClient(self.url).url_of(path)


def scheduler(client: FakeClient, *spiders: SpiderSchedule) -> Scheduler:
    config = parse_config({"spiders": {"placeholder": {"interval": 1}}}, environ={})
    config = type(config)(scrapyd=config.scrapyd, spiders=spiders or (spider(),), tick=1)
    return Scheduler(config, client, clock=lambda: NOW)  # type: ignore[arg-type]


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "newsbot.schedule"]


def test_a_tick_starts_what_is_due_and_logs_every_decision(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "newsbot.schedule")
    client = FakeClient([job("running", "busy", name="other", started=timedelta(minutes=1))])
    settings = {"MONGO_URI": "mongodb://newsbot:hunter2@db:27017/news", "NEWSBOT_MAX_PAGES": "2"}
    run = scheduler(client, spider("guancha", args={"channels": "toutiao"}, settings=settings), spider("other"))
    assert run.tick().ok
    assert client.scheduled == [("newsbot", "guancha", {"channels": "toutiao"}, settings)]
    logged = messages(caplog)
    assert logged[0].startswith("guancha: start: no earlier run known; scheduled job job1")
    assert "mongodb://newsbot:***@db:27017/news" in logged[0] and "hunter2" not in caplog.text
    assert logged[1] == "other: skip: still running as job busy since 2026-03-01T11:59:00+08:00"
    # Next tick: scrapyd lists our job as pending, so it is not started twice.
    assert run.tick().ok
    assert len(client.scheduled) == 1 and messages(caplog)[2] == "guancha: skip: still pending as job job1"


def test_an_unreachable_scrapyd_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    client.list_error = ScrapydUnavailable("listjobs.json: cannot reach http://127.0.0.1:6800/: refused")
    run = scheduler(client)
    assert not run.tick().ok
    assert client.scheduled == []
    assert "scrapyd unavailable, nothing scheduled; trying again next tick" in caplog.text
    client.list_error = None
    assert run.tick().ok and len(client.scheduled) == 1


def test_a_refused_start_is_logged_and_retried_next_tick(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    client.schedule_error = ScrapydError("schedule.json: spider 'guancha' not found")
    run = scheduler(client)
    assert not run.tick().ok
    assert "guancha: start: no earlier run known; scrapyd refused it: schedule.json: spider 'guancha' not found" in caplog.text
    client.schedule_error = None
    assert run.tick().ok and len(client.scheduled) == 1


def test_scrapyd_going_away_between_list_and_schedule_ends_the_tick(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    client.schedule_error = ScrapydUnavailable("schedule.json: cannot reach it")
    run = scheduler(client, spider("a"), spider("b"))
    assert not run.tick().ok
    assert [m for m in messages(caplog) if "not scheduled" in m] == [
        "a: not scheduled, scrapyd unavailable; trying again next tick: schedule.json: cannot reach it"]


def test_run_keeps_ticking_until_stopped() -> None:
    client = FakeClient()
    client.list_error = RuntimeError("a bug")  # even an unexpected error does not end the loop
    run = scheduler(client)
    run.config = type(run.config)(scrapyd=run.config.scrapyd, spiders=run.config.spiders, tick=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=run.run, args=(stop,))
    thread.start()
    threading.Timer(0.1, lambda: setattr(client, "list_error", None)).start()
    threading.Timer(0.3, stop.set).start()
    thread.join(5)
    assert not thread.is_alive() and len(client.scheduled) == 1


# --- job outcomes ---------------------------------------------------------------------------
# Log tails written by hand in the shape Scrapy 2.19 logs them under scrapyd.
FINISHED_TAIL = """\
2026-03-01 12:00:04 [guancha] ERROR: http://www.guancha.cn/politics/2022_04_26_636899.shtml failed: Ignoring non-200 response
2026-03-01 12:00:04 [scrapy.core.engine] INFO: Closing spider (finished)
2026-03-01 12:00:04 [scrapy.statscollectors] INFO: Dumping Scrapy stats:
{'downloader/request_count': 12,
 'elapsed_time_seconds': 3.52,
 'finish_reason': 'finished',
 'finish_time': datetime.datetime(2026, 3, 1, 4, 0, 4, 120000, tzinfo=datetime.timezone.utc),
 'item_scraped_count': 5,
 'log_count/ERROR': 1,
 'start_time': datetime.datetime(2026, 3, 1, 4, 0, 0, 600000, tzinfo=datetime.timezone.utc)}
2026-03-01 12:00:04 [scrapy.core.engine] INFO: Spider closed (finished)
"""
SITE_CHANGED_TAIL = """\
2026-03-01 12:15:03 [scrapy.core.engine] INFO: Closing spider (site_changed)
2026-03-01 12:15:03 [newsbot.health] ERROR: guancha: site changed: 40 links listed, 0 articles extracted
2026-03-01 12:15:03 [scrapy.statscollectors] INFO: Dumping Scrapy stats:
{'downloader/request_count': 41,
 'finish_reason': 'site_changed',
 'item_scraped_count': 0,
 'log_count/ERROR': 1}
2026-03-01 12:15:03 [scrapy.core.engine] INFO: Spider closed (site_changed)
"""
# A health check that sets the stat after the engine closed with "finished".
STAT_SET_AT_CLOSE_TAIL = """\
2026-03-01 12:15:03 [scrapy.statscollectors] INFO: Dumping Scrapy stats:
{'finish_reason': 'site_changed', 'item_scraped_count': 0}
2026-03-01 12:15:03 [scrapy.core.engine] INFO: Spider closed (finished)
"""
# The tail began inside a long stats dump, after its finish_reason line.
CLOSED_LINE_ONLY_TAIL = """\
 'scheduler/enqueued/memory': 11,
 'start_time': datetime.datetime(2026, 3, 1, 4, 0, 0, 600000, tzinfo=datetime.timezone.utc)}
2026-03-01 12:20:00 [scrapy.core.engine] INFO: Spider closed (closespider_timeout)
"""
CRASHED_TAIL = """\
2026-03-01 12:30:01 [scrapy.utils.log] INFO: Scrapy 2.19.0 started (bot: newsbot)
2026-03-01 12:30:01 [asyncio] ERROR: Task exception was never retrieved
Traceback (most recent call last):
  File "/opt/newsbot/venv/lib/python3.11/site-packages/scrapy/crawler.py", line 310, in crawl_async
    self.spider = self._create_spider(*args, **kwargs)
ValueError: unknown channel(s) ['toutaio']; known: ['fengwen', 'gundong', 'redian', 'toutiao', 'yaowen']
"""


@pytest.mark.parametrize(("log", "reason"), [
    (FINISHED_TAIL, "finished"),
    (SITE_CHANGED_TAIL, "site_changed"),
    (STAT_SET_AT_CLOSE_TAIL, "site_changed"),
    (CLOSED_LINE_ONLY_TAIL, "closespider_timeout"),
    (CRASHED_TAIL, None),
    ("", None),
])
def test_the_finish_reason_is_read_from_the_end_of_the_log(log: str, reason: str | None) -> None:
    assert finish_reason(log) == reason


def done(id: str, ended: timedelta, name: str = "guancha", log_url: bool = True) -> Job:
    """A finished job that ran for a minute and ended ``ended`` before NOW."""
    url = f"/logs/newsbot/{name}/{id}.log" if log_url else None
    return Job(id=id, spider=name, state="finished", start_time=NOW - ended - timedelta(minutes=1), end_time=NOW - ended,
               log_url=url)


def job_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "newsbot.schedule" and ": job " in r.getMessage()]


def test_the_first_look_reports_the_last_run_of_each_spider_then_each_job_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "newsbot.schedule")
    client = FakeClient([done("old", timedelta(hours=3)), done("g1", timedelta(minutes=5)),
                         done("o1", timedelta(minutes=30), name="other")])
    client.logs = {"/logs/newsbot/guancha/g1.log": SITE_CHANGED_TAIL, "/logs/newsbot/other/o1.log": FINISHED_TAIL}
    run = scheduler(client, spider(enabled=False))
    assert run.tick() == TickResult(ok=True, finished=1, failed=1)
    # "old" is history: scrapyd still lists it, but only the last run of a spider is read.
    assert client.log_reads == ["/logs/newsbot/other/o1.log", "/logs/newsbot/guancha/g1.log"]
    assert job_lines(caplog) == [
        ("INFO", "other: job o1 finished (log http://127.0.0.1:6800/logs/newsbot/other/o1.log)"),
        ("ERROR", "guancha: job g1 failed: finish_reason site_changed (log http://127.0.0.1:6800/logs/newsbot/guancha/g1.log)"),
    ]
    assert run.tick() == TickResult(ok=True, finished=0, failed=0)
    assert len(client.log_reads) == 2 and len(job_lines(caplog)) == 2

    client.jobs.append(done("g2", timedelta(minutes=1)))
    client.logs["/logs/newsbot/guancha/g2.log"] = CLOSED_LINE_ONLY_TAIL
    assert run.tick() == TickResult(ok=True, finished=0, failed=1)
    assert job_lines(caplog)[2:] == [("ERROR", ("guancha: job g2 failed: finish_reason closespider_timeout "
                                                "(log http://127.0.0.1:6800/logs/newsbot/guancha/g2.log)"))]
    # Jobs scrapyd no longer lists are forgotten: the memory is bounded by scrapyd's list.
    client.jobs = [j for j in client.jobs if j.id in ("g2", "o1")]
    assert run.tick() == TickResult(ok=True, finished=0, failed=0)
    assert run.finished_jobs.reported == {"g2", "o1"} and len(client.log_reads) == 3


def test_a_crashed_job_and_an_unreadable_log_are_errors_too(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    run = scheduler(client, spider(enabled=False))
    assert run.tick() == TickResult(ok=True)  # the first look: nothing finished yet
    client.jobs = [done("crash", timedelta(minutes=2)), done("gone", timedelta(minutes=1), log_url=False)]
    client.logs["/logs/newsbot/guancha/crash.log"] = CRASHED_TAIL
    assert run.tick() == TickResult(ok=True, finished=0, failed=2)
    # Without a log_url (scrapyd < 1.4, or the file rotated away) the log is looked for where scrapyd keeps it.
    assert client.log_reads == ["/logs/newsbot/guancha/crash.log", "/logs/newsbot/guancha/gone.log"]
    assert job_lines(caplog) == [
        ("ERROR", ("guancha: job crash failed: no finish reason in the last 64 KiB of its log (the crawl crashed or was "
                   "killed before it closed) (log http://127.0.0.1:6800/logs/newsbot/guancha/crash.log)")),
        ("ERROR", ("guancha: job gone failed: its log cannot be read (/logs/newsbot/guancha/gone.log: HTTP 404 No Such "
                   "Resource) (log http://127.0.0.1:6800/logs/newsbot/guancha/gone.log)")),
    ]


def test_scrapyd_going_away_while_logs_are_read_leaves_them_for_the_next_look(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient([done("g1", timedelta(minutes=1))])
    client.logs["/logs/newsbot/guancha/g1.log"] = ScrapydUnavailable("/logs/newsbot/guancha/g1.log: HTTP 503 busy")
    run = scheduler(client, spider(interval=timedelta(minutes=1)))  # due: the start still happens
    assert run.tick() == TickResult(ok=False, finished=0, failed=0)
    assert "scrapyd unavailable while reading job logs; the rest next tick: /logs/newsbot/guancha/g1.log: HTTP 503 busy" in caplog.text
    assert len(client.scheduled) == 1
    client.logs["/logs/newsbot/guancha/g1.log"] = FINISHED_TAIL
    assert run.tick() == TickResult(ok=True, finished=1, failed=0)


# --- the HTTP client ----------------------------------------------------------------------------
class Stub:
    """A scrapyd stand-in: answers with ``responses[path]`` and records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responses: dict[str, tuple[int, bytes]] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, body: bytes, send_body: bool = True) -> None:
                parts = urlsplit(self.path)
                stub.requests.append({"method": self.command, "path": parts.path, "auth": self.headers.get("Authorization"),
                                      "params": parse_qsl(parts.query or body.decode()), "range": self.headers.get("Range")})
                status, payload = stub.responses.get(parts.path, (404, b"no such resource"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if send_body:
                    self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802
                self._answer(b"")

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(b"", send_body=False)

            def do_POST(self) -> None:  # noqa: N802
                self._answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, payload: Any, status: int = 200) -> None:
        self.responses[path] = (status, payload if isinstance(payload, bytes) else json.dumps(payload).encode())


@pytest.fixture()
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_the_client_lists_jobs_with_basic_auth(stub: Stub) -> None:
    stub.answer("/listjobs.json", {"status": "ok", "pending": [{"id": "p", "spider": "guancha"}],
                                   "running": [{"id": "r", "spider": "guancha", "start_time": "2026-03-01 11:59:00.5"}],
                                   "finished": [{"id": "f", "spider": "guancha", "start_time": "2026-03-01 10:00:00",
                                                 "end_time": "2026-03-01 10:05:00"}]})
    jobs = ScrapydClient(stub.url, "ops", "p:w").list_jobs("newsbot")
    assert [(j.id, j.state) for j in jobs] == [("p", "pending"), ("r", "running"), ("f", "finished")]
    assert jobs[1].start_time is not None and jobs[1].start_time.replace(tzinfo=None) == datetime(2026, 3, 1, 11, 59, 0, 500000)
    assert jobs[2].end_time is not None and jobs[2].end_time.tzinfo is not None
    request = stub.requests[0]
    assert (request["method"], request["params"]) == ("GET", [("project", "newsbot")])
    assert request["auth"] == "Basic " + base64.b64encode(b"ops:p:w").decode()


def test_the_client_schedules_with_settings_and_arguments(stub: Stub) -> None:
    stub.answer("/schedule.json", {"status": "ok", "jobid": "abc"})
    job_id = ScrapydClient(stub.url).schedule("newsbot", "guancha", {"channels": "toutiao,yaowen"},
                                              {"MONGO_URI": "mongodb://h/x?a=b", "NEWSBOT_MAX_PAGES": "2"})
    assert job_id == "abc"
    request = stub.requests[0]
    assert request["method"] == "POST" and request["auth"] is None
    assert request["params"] == [("project", "newsbot"), ("spider", "guancha"), ("setting", "MONGO_URI=mongodb://h/x?a=b"),
                                 ("setting", "NEWSBOT_MAX_PAGES=2"), ("channels", "toutiao,yaowen")]


def test_the_client_asks_for_the_tail_of_a_long_log_only(stub: Stub) -> None:
    log = b"x" * 99_990 + b"\nthe end.\n"  # 100,000 bytes
    stub.answer("/logs/newsbot/guancha/j1.log", log)
    stub.answer("/logs/newsbot/guancha/j2.log", b"short\n")
    client = ScrapydClient(stub.url, "ops", "pw")
    # The stub ignores ranges, as a server may: the client still returns only the tail.
    assert client.log_tail("/logs/newsbot/guancha/j1.log", 1000) == log[-1000:]
    assert client.log_tail("/logs/newsbot/guancha/j2.log", 1000) == b"short\n"
    assert [(r["method"], r["path"], r["range"]) for r in stub.requests] == [
        ("HEAD", "/logs/newsbot/guancha/j1.log", None), ("GET", "/logs/newsbot/guancha/j1.log", "bytes=99000-"),
        ("HEAD", "/logs/newsbot/guancha/j2.log", None), ("GET", "/logs/newsbot/guancha/j2.log", None),
    ]
    assert {r["auth"] for r in stub.requests} == {"Basic " + base64.b64encode(b"ops:pw").decode()}
    with pytest.raises(ScrapydError, match="HTTP 404"):
        client.log_tail("/logs/newsbot/guancha/absent.log", 1000)


def test_log_paths_stay_below_the_scrapyd_url_of_a_proxy() -> None:
    client = ScrapydClient("https://ops.example.net/scrapyd")
    assert client.url_of("/logs/newsbot/guancha/j1.log") == "https://ops.example.net/scrapyd/logs/newsbot/guancha/j1.log"


@pytest.mark.parametrize(("status", "payload", "error", "message"), [
    (401, b"Unauthorized", ScrapydError, "401 Unauthorized (check SCRAPYD_USERNAME/SCRAPYD_PASSWORD)"),
    (200, {"status": "error", "message": "project 'newsbot' not found"}, ScrapydError, "project 'newsbot' not found"),
    (503, b"busy", ScrapydUnavailable, "HTTP 503 busy"),
    (200, b"<html>a proxy page</html>", ScrapydUnavailable, "not JSON"),
])
def test_the_client_tells_refusals_from_outages(stub: Stub, status: int, payload: Any, error: type, message: str) -> None:
    stub.answer("/listjobs.json", payload, status)
    with pytest.raises(ScrapydError) as caught:
        ScrapydClient(stub.url).list_jobs("newsbot")
    assert type(caught.value) is error and message in str(caught.value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_is_an_outage() -> None:
    with pytest.raises(ScrapydUnavailable, match="cannot reach"):
        ScrapydClient(f"http://127.0.0.1:{free_port()}/", timeout=2).list_jobs("newsbot")


# --- the command line ------------------------------------------------------------------------
def test_once_exits_1_when_scrapyd_is_down_and_2_for_a_bad_config(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = write(tmp_path, f'[scrapyd]\nurl = "http://127.0.0.1:{free_port()}/"\n[spiders.guancha]\ninterval = 60\n')
    assert main(["--config", str(config), "--once"]) == 1
    assert "scrapyd unavailable" in caplog.text
    assert main(["--config", str(tmp_path / "absent.toml"), "--once"]) == 2
    assert "bad config: cannot read" in caplog.text


def test_once_exits_0_after_scheduling(stub: Stub, tmp_path: Path) -> None:
    stub.answer("/listjobs.json", {"status": "ok", "pending": [], "running": [], "finished": []})
    stub.answer("/schedule.json", {"status": "ok", "jobid": "abc"})
    config = write(tmp_path, f'[scrapyd]\nurl = "{stub.url}"\n[spiders.guancha]\ninterval = 60\n')
    assert main(["--config", str(config), "--once"]) == 0
    assert [r["path"] for r in stub.requests] == ["/listjobs.json", "/schedule.json"]


def test_once_exits_3_when_the_last_finished_job_failed(stub: Stub, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    stub.answer("/listjobs.json", {"status": "ok", "pending": [], "running": [], "finished": [
        {"id": "j1", "spider": "guancha", "start_time": "2026-03-01 12:14:00", "end_time": "2026-03-01 12:15:03",
         "log_url": "/logs/newsbot/guancha/j1.log"}]})
    stub.answer("/logs/newsbot/guancha/j1.log", SITE_CHANGED_TAIL.encode())
    config = write(tmp_path, f'[scrapyd]\nurl = "{stub.url}"\n[spiders.guancha]\ninterval = 60\nenabled = false\n')
    assert main(["--config", str(config), "--once"]) == 3
    assert f"guancha: job j1 failed: finish_reason site_changed (log {stub.url}/logs/newsbot/guancha/j1.log)" in caplog.text
    stub.answer("/logs/newsbot/guancha/j1.log", FINISHED_TAIL.encode())
    assert main(["--config", str(config), "--once"]) == 0
    assert [r["path"] for r in stub.requests] == ["/listjobs.json", *["/logs/newsbot/guancha/j1.log"] * 2] * 2


# --- the examples in deploy/ ------------------------------------------------------------------
DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_example_schedule_loads() -> None:
    config = load_config(DEPLOY / "schedule.toml", environ={"SCRAPYD_PASSWORD": "pw"})
    assert (config.scrapyd.url, config.scrapyd.username, config.scrapyd.password) == ("http://127.0.0.1:6800/", "newsbot", "pw")
    (guancha,) = config.spiders
    assert guancha.spider == "guancha" and guancha.interval == timedelta(minutes=15)
    assert guancha.args["channels"] == "toutiao,yaowen,redian,gundong,fengwen"


def test_the_example_scrapyd_config_is_loopback_with_auth_and_directories() -> None:
    config = ConfigParser(interpolation=None)
    config.read(DEPLOY / "scrapyd.conf", encoding="utf-8")
    section = config["scrapyd"]
    assert section["bind_address"] == "127.0.0.1" and section["username"]
    assert section["password"] == ""  # from SCRAPYD_PASSWORD, never committed
    assert all(section[f"{name}_dir"].startswith("/var/") for name in ("eggs", "dbs", "logs", "items"))
    systemd = (DEPLOY / "systemd" / "scrapyd.service").read_text("utf-8")
    assert 'ExecStartPre=/usr/bin/test -n "${SCRAPYD_PASSWORD}"' in systemd


# --- the outcome of real jobs on a real scrapyd -----------------------------------------------
@pytest.mark.integration
def test_real_jobs_are_reported_once_by_how_they_ended(
    scrapyd_server: ScrapydServer, deployed_project: Deployment, sample_site: dict[str, str], tmp_path: Path,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, "newsbot.schedule")
    server = scrapyd_server
    toml = write(tmp_path, f'[scrapyd]\nurl = "{server.url}"\nusername = "{server.username}"\n'
                           "[spiders.guancha]\ninterval = 60\nenabled = false\n")
    monkeypatch.setenv("SCRAPYD_PASSWORD", server.password)
    run = Scheduler(load_config(toml))
    assert run.tick().ok  # the first look: the last job of earlier tests, if any, is read here
    before = len(job_lines(caplog))

    def crawl(name: str, args: dict[str, str], **settings: str) -> str:
        return server.schedule("guancha", {**site_settings(sample_site, tmp_path / name), **settings}, args)

    good = crawl("good", {"channels": "toutiao"})
    stopped = crawl("stopped", {"channels": "toutiao"}, CLOSESPIDER_PAGECOUNT="1")
    crashed = crawl("crashed", {"channels": "no-such-channel"})  # the spider refuses its argument
    # The health check ends this one with site_changed: 头条 links a missing article (636899),
    # and here every article request must give an article.
    changed = crawl("changed", {"channels": "toutiao"}, NEWSBOT_HEALTH_MIN_EXTRACTED="1.01")
    for job_id in (good, stopped, crashed, changed):
        server.wait_for(job_id, "finished", 120)
    assert run.tick() == TickResult(ok=True, finished=1, failed=3)
    logs = f"{server.url}logs/newsbot/guancha"
    assert sorted(job_lines(caplog)[before:]) == sorted([
        ("INFO", f"guancha: job {good} finished (log {logs}/{good}.log)"),
        ("ERROR", f"guancha: job {stopped} failed: finish_reason closespider_pagecount (log {logs}/{stopped}.log)"),
        ("ERROR", f"guancha: job {changed} failed: finish_reason site_changed (log {logs}/{changed}.log)"),
        ("ERROR", (f"guancha: job {crashed} failed: no finish reason in the last 64 KiB of its log (the crawl crashed "
                   f"or was killed before it closed) (log {logs}/{crashed}.log)")),
    ])
    assert run.tick() == TickResult(ok=True) and len(job_lines(caplog)) == before + 4

    # scrapyd's file server honours the range from an offset, and serves a log shorter than the limit whole.
    on_disk = (server.logs_dir / "newsbot" / "guancha" / f"{good}.log").read_bytes()
    assert run.client.log_tail(f"/logs/newsbot/guancha/{good}.log", 300) == on_disk[-300:]
    assert run.client.log_tail(f"/logs/newsbot/guancha/{good}.log", 2 * len(on_disk)) == on_disk

    # --once is a first look: it reads the last job of the spider and exits 3 when it failed.
    server.wait_for(crawl("stopped-again", {"channels": "toutiao"}, CLOSESPIDER_PAGECOUNT="1"), "finished", 120)
    assert main(["--config", str(toml), "--once"]) == 3
    server.wait_for(crawl("good-again", {"channels": "toutiao"}), "finished", 120)
    assert main(["--config", str(toml), "--once"]) == 0
