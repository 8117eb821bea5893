"""The recurring scheduler (newsbot.schedule): config, decisions, the tick, the scrapyd client.

The real scrapyd is exercised in tests/test_scrapyd.py; here the client talks to a small
stub HTTP server, and the tick loop to a fake client, so every branch is reached quickly.
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
    ConfigError, Job, Scheduler, ScrapydClient, ScrapydError, ScrapydUnavailable, SpiderSchedule, decide, load_config,
)
from newsbot.schedule.__main__ import main
from newsbot.schedule.config import parse_config

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
        self.jobs = jobs or []
        self.list_error: Exception | None = None
        self.schedule_error: Exception | None = None
        self.scheduled: list[tuple[str, str, dict[str, str], dict[str, str]]] = []

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
    assert run.tick()
    assert client.scheduled == [("newsbot", "guancha", {"channels": "toutiao"}, settings)]
    logged = messages(caplog)
    assert logged[0].startswith("guancha: start: no earlier run known; scheduled job job1")
    assert "mongodb://newsbot:***@db:27017/news" in logged[0] and "hunter2" not in caplog.text
    assert logged[1] == "other: skip: still running as job busy since 2026-03-01T11:59:00+08:00"
    # Next tick: scrapyd lists our job as pending, so it is not started twice.
    assert run.tick()
    assert len(client.scheduled) == 1 and messages(caplog)[2] == "guancha: skip: still pending as job job1"


def test_an_unreachable_scrapyd_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    client.list_error = ScrapydUnavailable("listjobs.json: cannot reach http://127.0.0.1:6800/: refused")
    run = scheduler(client)
    assert not run.tick()
    assert client.scheduled == []
    assert "scrapyd unavailable, nothing scheduled; trying again next tick" in caplog.text
    client.list_error = None
    assert run.tick() and len(client.scheduled) == 1


def test_a_refused_start_is_logged_and_retried_next_tick(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    client.schedule_error = ScrapydError("schedule.json: spider 'guancha' not found")
    run = scheduler(client)
    assert not run.tick()
    assert "guancha: start: no earlier run known; scrapyd refused it: schedule.json: spider 'guancha' not found" in caplog.text
    client.schedule_error = None
    assert run.tick() and len(client.scheduled) == 1


def test_scrapyd_going_away_between_list_and_schedule_ends_the_tick(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    client.schedule_error = ScrapydUnavailable("schedule.json: cannot reach it")
    run = scheduler(client, spider("a"), spider("b"))
    assert not run.tick()
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

            def _answer(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                stub.requests.append({"method": self.command, "path": parts.path, "auth": self.headers.get("Authorization"),
                                      "params": parse_qsl(parts.query or body.decode())})
                status, payload = stub.responses.get(parts.path, (404, b"no such resource"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802
                self._answer(b"")

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
