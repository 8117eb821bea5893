"""newsbot under scrapyd, end to end with the real programs.

scrapyd (with basic auth) runs in a temp dir on a free loopback port; ``scrapyd-deploy``
builds and uploads the egg; jobs crawl the sample site into the test MongoDB; the recurring
scheduler (``python -m newsbot.schedule``) runs as its own process.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pymongo
import pytest

from tests.crawl import site_settings
from tests.expected_items import expected_articles
from tests.plugins.sample_site import start_sample_site
from tests.plugins.scrapyd_server import (
    PROJECT, ROOT, Deployment, ScrapydServer, clean_env, copy_project, deploy, program, scrapyd_deploy,
    start_scrapyd,
)

pytestmark = pytest.mark.integration

SLOW_MS = 3000  # per answer of the slow sample site: a crawl of it lasts several seconds


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A second sample site that answers every request after SLOW_MS: keeps jobs running."""
    proc, bases = start_sample_site(tmp_path_factory.mktemp("slow-site"), latency_ms=SLOW_MS)
    yield bases
    proc.terminate()
    proc.wait(10)


def slow_settings(bases: dict[str, str], tmp: Path, **extra: str) -> dict[str, str]:
    return {**site_settings(bases, tmp / "state"), "DOWNLOAD_TIMEOUT": "10", **extra}


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stored_articles(uri: str, database: str) -> list[dict[str, Any]]:
    client: pymongo.MongoClient = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        return list(client[database]["articles"].find())
    finally:
        client.close()


def count_articles(uri: str, database: str) -> int:
    return len(stored_articles(uri, database))


def job_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- deploy -------------------------------------------------------------------------------
def test_deploy_packs_every_project_file_and_the_settings_entry_point(
    scrapyd_server: ScrapydServer, deployed_project: Deployment
) -> None:
    assert PROJECT in scrapyd_server.get("listprojects.json").data["projects"]
    assert scrapyd_server.get("listspiders.json", [("project", PROJECT)]).data["spiders"] == ["guancha", "news"]
    with zipfile.ZipFile(deployed_project.egg) as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    package = deployed_project.project_dir / "newsbot"
    # Every file of the package but caches, dotfiles and editor backups: code and data alike.
    shipped = {f"newsbot/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and not p.name.endswith("~")
               and not any(part.startswith(".") for part in p.relative_to(package).parts)}
    assert shipped - names == set(), "files of newsbot/ missing from the egg"
    assert "settings = newsbot.settings" in entry_points
    assert not [n for n in names if n.startswith("tests/")]


def test_a_data_file_added_later_is_packed_and_readable_from_the_zipped_egg(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "newsbot" / "templates" / "post").mkdir(parents=True)
    (project / "newsbot" / "templates" / "post" / "default.md").write_text("---\ntitle: 标题\n---\n", "utf-8")
    (project / "newsbot" / "sites" / "guancha" / "channels.json").write_text('{"toutiao": "头条"}', "utf-8")
    egg = tmp_path / "newsbot.egg"
    # --build-egg never removes its scrapydeploy-* build directory: keep it in tmp_path.
    (tmp_path / "tmp").mkdir()
    built = subprocess.run([program("scrapyd-deploy"), "--build-egg", str(egg)], cwd=project,
                           env=clean_env(TMPDIR=str(tmp_path / "tmp")), capture_output=True, text=True, timeout=180)
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(egg) as archive:
        assert {"newsbot/templates/post/default.md", "newsbot/sites/guancha/channels.json"} <= set(archive.namelist())
    # scrapyd puts the egg file itself on sys.path: data must be read with importlib.resources.
    read = ("import importlib.resources as r, newsbot; assert '.egg' in newsbot.__file__; "
            "print(r.files('newsbot').joinpath('templates/post/default.md').read_text('utf-8').splitlines()[1]); "
            "print(r.files('newsbot.sites.guancha').joinpath('channels.json').read_text('utf-8'))")
    ran = subprocess.run([sys.executable, "-c", read], cwd=tmp_path, env=clean_env(PYTHONPATH=str(egg)),
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["title: 标题", '{"toutiao": "头条"}']


def test_deploying_again_adds_a_version_and_needs_credentials(
    scrapyd_server: ScrapydServer, deployed_project: Deployment
) -> None:
    deploy(scrapyd_server, deployed_project.project_dir, "r2", "--egg", str(deployed_project.egg))
    refused = scrapyd_deploy(deployed_project.project_dir, scrapyd_server, "--version", "r3",
                             "--egg", str(deployed_project.egg), credentials=False)
    versions = scrapyd_server.get("listversions.json", [("project", PROJECT)]).data["versions"]
    assert refused.returncode == 1 and "401" in refused.stderr, refused.stderr
    assert "r1" in versions and "r2" in versions and "r3" not in versions


def test_requests_without_the_right_credentials_are_refused(scrapyd_server: ScrapydServer) -> None:
    wrong = (scrapyd_server.username, "not-the-password")
    for method, path, params in (
        ("GET", "daemonstatus.json", []),
        ("GET", "listjobs.json", [("project", PROJECT)]),
        ("POST", "schedule.json", [("project", PROJECT), ("spider", "guancha")]),
        ("GET", "logs/", []),
    ):
        assert scrapyd_server.request(method, path, params, auth=None).status == 401, path
        assert scrapyd_server.request(method, path, params, auth=wrong).status == 401, path
    assert scrapyd_server.get("daemonstatus.json").data["status"] == "ok"


# --- one crawl --------------------------------------------------------------------------------
def test_spider_arguments_reach_the_spider(scrapyd_server: ScrapydServer, deployed_project: Deployment,
                                           sample_site: dict[str, str], tmp_path: Path) -> None:
    job = scrapyd_server.schedule("guancha", site_settings(sample_site, tmp_path / "state"), {"channels": "no-such-channel"})
    scrapyd_server.wait_for(job, "finished", 60)
    assert "channels: unknown 'no-such-channel'; known: toutiao" in scrapyd_server.job_log(job)


def test_scheduled_crawl_stores_articles_and_logs_its_stats(
    scrapyd_server: ScrapydServer, deployed_project: Deployment, sample_site: dict[str, str],
    mongo_server: Any, mongo_db: str, tmp_path: Path,
) -> None:
    settings = {**site_settings(sample_site, tmp_path / "state"), "MONGO_URI": mongo_server.uri, "MONGO_DATABASE": mongo_db}
    job = scrapyd_server.schedule("guancha", settings, {"channels": "toutiao,review,yaowen,fengwen,redian,gundong,shiping"})
    entry = scrapyd_server.wait_for(job, "finished", 120)

    log = scrapyd_server.get(entry["log_url"].lstrip("/")).text
    assert "Dumping Scrapy stats" in log and "'finish_reason': 'finished'" in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert scrapyd_server.get(entry["log_url"].lstrip("/"), auth=None).status == 401

    stored = {doc["url"]: doc for doc in stored_articles(mongo_server.uri, mongo_db)}
    assert stored, f"no article stored; job log:\n{log[-3000:]}"
    expected = {article["url"]: article for article in expected_articles()}
    known = sorted(set(stored) & set(expected))
    assert known, f"none of the hand-written articles was stored: {sorted(stored)}"
    for url in known:
        assert stored[url]["title"] == expected[url]["title"], url

    feed = scrapyd_server.items_dir / PROJECT / "guancha" / f"{job}.jl"
    items = [json.loads(line) for line in feed.read_text("utf-8").splitlines() if line.strip()]
    assert items and {item["url"] for item in items} <= set(stored)
    assert f"'item_scraped_count': {len(items)}" in log


def test_cancel_stops_a_running_job(scrapyd_server: ScrapydServer, deployed_project: Deployment,
                                    slow_site: dict[str, str], tmp_path: Path) -> None:
    job = scrapyd_server.schedule("guancha", slow_settings(slow_site, tmp_path, LOG_LEVEL="DEBUG"))
    scrapyd_server.wait_for(job, "running", 30)
    # A first response means the reactor runs and Scrapy's SIGINT handler is installed
    # ("Spider opened" can be logged before that, and a SIGINT then kills it unlogged).
    wait_until(lambda: "Crawled (" in scrapyd_server.job_log(job), 60, "the first response")
    answer = scrapyd_server.post("cancel.json", [("project", PROJECT), ("job", job)])
    assert answer.data.get("prevstate") == "running", answer.text
    scrapyd_server.wait_for(job, "finished", 30)
    log = scrapyd_server.job_log(job)
    assert "Received SIGINT" in log and "'finish_reason': 'shutdown'" in log, log[-3000:]


# --- the recurring scheduler -------------------------------------------------------------------
class SchedulerProcess:
    """``python -m newsbot.schedule --config FILE`` in a subprocess, its log in a file."""

    def __init__(self, tmp: Path, server: ScrapydServer, tick: float, interval: str,
                 settings: dict[str, str], args: dict[str, str] | None = None) -> None:
        self.config = tmp / "schedule.toml"
        self.log_path = tmp / "schedule.log"
        lines = [
            "[scrapyd]", f'url = "{server.url}"', f'project = "{PROJECT}"', f'username = "{server.username}"',
            "timeout = 5", "[scheduler]", f"tick = {tick}", "[spiders.guancha]", f'interval = "{interval}"',
            "[spiders.guancha.args]", *(f"{k} = {json.dumps(v)}" for k, v in (args or {}).items()),
            "[spiders.guancha.settings]", *(f"{k} = {json.dumps(v)}" for k, v in settings.items()),
        ]
        self.config.write_text("\n".join(lines) + "\n", "utf-8")
        log = open(self.log_path, "wb")
        # The password comes from the environment, as the README recommends.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newsbot.schedule", "--config", str(self.config)], cwd=ROOT,
            env=clean_env(SCRAPYD_PASSWORD=server.password), stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()

    def lines(self) -> list[str]:
        return self.log_path.read_text("utf-8", "replace").splitlines()

    def decisions(self) -> list[str]:
        """The decision part of each decision line: ``start: ...`` or ``skip: ...``."""
        marker = "newsbot.schedule: guancha: "
        parts = [line.split(marker, 1)[1] for line in self.lines() if marker in line]
        return [part for part in parts if part.startswith(("start:", "skip:"))]  # not "job ... finished/failed"

    def started_jobs(self) -> list[str]:
        return [d.rsplit("scheduled job ", 1)[1].split()[0] for d in self.decisions() if d.startswith("start:")]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(15)
            raise AssertionError("the scheduler did not stop on SIGTERM")


def active_guancha(server: ScrapydServer) -> list[str]:
    jobs = server.jobs()
    return [j["id"] for j in jobs["pending"] + jobs["running"] if j["spider"] == "guancha"]


def test_scheduler_skips_while_a_job_runs_and_starts_the_next_after_it(
    scrapyd_server: ScrapydServer, deployed_project: Deployment, slow_site: dict[str, str], tmp_path: Path
) -> None:
    wait_until(lambda: not active_guancha(scrapyd_server), 60, "earlier jobs to end")
    # Each job lasts ~5 s (slow site, closed after 4 s); the scheduler looks every second
    # and the interval (1 s) is always over: only the running job may hold the next one back.
    settings = slow_settings(slow_site, tmp_path, CLOSESPIDER_TIMEOUT="4")
    scheduler = SchedulerProcess(tmp_path, scrapyd_server, tick=1, interval="1s", settings=settings,
                                 args={"channels": "toutiao,yaowen"})
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while len(seen) < 2 and time.monotonic() < deadline:
            active = active_guancha(scrapyd_server)
            assert len(active) <= 1, f"overlapping guancha jobs: {active}"
            seen += [job for job in active if job not in seen]
            time.sleep(0.2)
        assert len(seen) == 2, f"jobs seen: {seen}; scheduler log:\n" + "\n".join(scheduler.lines()[-20:])
        second_started = job_time(scrapyd_server.wait_for(seen[1], "running", 30)["start_time"])
        assert scheduler.stop() == 0
    finally:
        scheduler.stop()
        for job in active_guancha(scrapyd_server):
            scrapyd_server.post("cancel.json", [("project", PROJECT), ("job", job)])
    wait_until(lambda: not active_guancha(scrapyd_server), 30, "the jobs to end")

    first, second = seen
    assert scheduler.started_jobs()[:2] == [first, second]
    decisions = scheduler.decisions()
    between = decisions[decisions.index(next(d for d in decisions if first in d)) + 1:
                        decisions.index(next(d for d in decisions if second in d))]
    skips = [d for d in between if d.startswith("skip: still ") and f"as job {first}" in d]
    assert len(skips) >= 2 and len(skips) == len(between), between
    finished = {j["id"]: j for j in scrapyd_server.jobs()["finished"]}
    assert second_started >= job_time(finished[first]["end_time"])
    assert "'finish_reason': 'closespider_timeout'" in scrapyd_server.job_log(first)
    assert scheduler.lines()[-1].endswith("newsbot.schedule: stopped")


def test_scheduler_survives_a_scrapyd_restart(
    deployed_project: Deployment, sample_site: dict[str, str], mongo_server: Any, mongo_db: str, tmp_path: Path
) -> None:
    # MongoDB as the README recommends: in scrapyd's environment, not in the job's settings.
    server = start_scrapyd(tmp_path / "scrapyd", env={"MONGO_URI": mongo_server.uri, "MONGO_DATABASE": mongo_db})
    scheduler = None
    try:
        deploy(server, deployed_project.project_dir, "r1", "--egg", str(deployed_project.egg))
        settings = site_settings(sample_site, tmp_path / "state")
        scheduler = SchedulerProcess(tmp_path, server, tick=0.5, interval="1h", settings=settings,
                                     args={"channels": "toutiao"})
        job = wait_until(lambda: scheduler.started_jobs(), 30, "the first start")[0]
        server.wait_for(job, "finished", 60)
        assert count_articles(mongo_server.uri, mongo_db) > 0, server.job_log(job)[-3000:]
        assert "MONGO_URI" not in server.output_tail(10_000)

        server.stop()
        wait_until(lambda: any("scrapyd unavailable" in line for line in scheduler.lines()), 10, "a failed look")
        assert scheduler.process.poll() is None, "the scheduler died with scrapyd"
        server.start()
        down = len(scheduler.lines())
        wait_until(lambda: any("guancha: skip: last started" in line for line in scheduler.lines()[down:]),
                   10, "a decision after the restart")
        assert scheduler.started_jobs() == [job]  # no second start: the interval (1h) still runs
        assert scheduler.stop() == 0
    finally:
        if scheduler is not None:
            scheduler.stop()
        server.stop()
