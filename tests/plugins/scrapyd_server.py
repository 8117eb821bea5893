"""scrapyd for the tests: the real daemon in a subprocess, on a free loopback port, with auth.

Fixtures:

- ``scrapyd_server`` (session): one scrapyd in a temp dir (eggs, dbs, logs, items inside it);
- ``deployed_project`` (session): newsbot deployed to it with the real ``scrapyd-deploy``.

If scrapyd cannot start or the deploy fails, the fixtures raise: CI fails, it does not skip.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from configparser import ConfigParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from tests.crawl import PROXY_VARS

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "newsbot"
USERNAME = "newsbot"
PASSWORD = "s3cret-for-tests"
START_TIMEOUT = 30.0
# Never inherited by scrapyd or scrapyd-deploy: the tests set what they need explicitly.
HIDDEN_VARS = (*PROXY_VARS, "SCRAPYD_USERNAME", "SCRAPYD_PASSWORD", "SCRAPYD_BIND_ADDRESS", "SCRAPYD_HTTP_PORT",
               "SCRAPYD_UNIX_SOCKET_PATH", "MONGO_URI", "PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")

# The example of deploy/scrapyd.conf, with the port, password and directories of the test.
EXAMPLE_CONFIG = ROOT / "deploy" / "scrapyd.conf"
TEST_VALUES = {"poll_interval": "0.5"}


def write_config(path: Path, port: int, username: str, password: str, root: Path) -> None:
    """deploy/scrapyd.conf, with what must differ in a test replaced."""
    config = ConfigParser(interpolation=None)
    if not config.read(EXAMPLE_CONFIG, encoding="utf-8"):
        raise RuntimeError(f"cannot read {EXAMPLE_CONFIG}")
    config["scrapyd"].update({
        "http_port": str(port), "username": username, "password": password, **TEST_VALUES,
        **{f"{name}_dir": str(root / name) for name in ("eggs", "dbs", "logs", "items")},
    })
    with path.open("w", encoding="utf-8") as fh:
        config.write(fh)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def program(name: str) -> str:
    """The console script ``name`` of this virtualenv (or on PATH)."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: pip install -r requirements-dev.txt")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN_VARS}
    return {**env, **extra}


@dataclass
class Answer:
    status: int
    data: dict[str, Any]
    text: str


class ScrapydServer:
    """One ``scrapyd`` process serving ``http://127.0.0.1:port/`` from the directory ``root``."""

    def __init__(self, root: Path, port: int | None = None, username: str = USERNAME, password: str = PASSWORD,
                 env: dict[str, str] | None = None) -> None:
        self.root = root
        self.env = env or {}  # extra environment: scrapyd passes it on to every crawl
        self.port = port or free_port()
        self.username = username
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = root / "scrapyd.out"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def items_dir(self) -> Path:
        return self.root / "items"

    @property
    def eggs_dir(self) -> Path:
        return self.root / "eggs"

    def start(self) -> "ScrapydServer":
        self.root.mkdir(parents=True, exist_ok=True)
        write_config(self.root / "scrapyd.conf", self.port, self.username, self.password, self.root)
        log = open(self.log_path, "ab")
        # cwd: scrapyd reads ./scrapyd.conf; HOME: no ~/.scrapyd.conf of the machine can interfere.
        self.process = subprocess.Popen(
            [program("scrapyd"), "--pidfile="], cwd=self.root, env=clean_env(HOME=str(self.root), **self.env),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if self.get("daemonstatus.json").status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"scrapyd did not start on port {self.port}; its output:\n{self.output_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(20)

    def output_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "<no output>"

    # --- the HTTP API -------------------------------------------------------------------
    def request(self, method: str, path: str, params: Sequence[tuple[str, str]] = (),
                auth: tuple[str, str] | None | bool = True) -> Answer:
        """Call scrapyd; ``auth`` True = the right credentials, a pair = those, None = none."""
        query = urlencode(list(params))
        url = self.url + path + (f"?{query}" if method == "GET" and query else "")
        request = Request(url, data=query.encode() if method == "POST" else None, method=method)
        pair = (self.username, self.password) if auth is True else auth
        if pair:
            token = base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urlopen(request, timeout=10) as response:
                status, body = response.status, response.read()
        except HTTPError as exc:
            status, body = exc.code, exc.read()
        text = body.decode("utf-8", "replace")
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        return Answer(status, data if isinstance(data, dict) else {}, text)

    def get(self, path: str, params: Sequence[tuple[str, str]] = (), auth: tuple[str, str] | None | bool = True) -> Answer:
        return self.request("GET", path, params, auth)

    def post(self, path: str, params: Sequence[tuple[str, str]] = (), auth: tuple[str, str] | None | bool = True) -> Answer:
        return self.request("POST", path, params, auth)

    def schedule(self, spider: str, settings: dict[str, str], args: dict[str, str] | None = None) -> str:
        """``curl -d project=newsbot -d spider=... -d setting=K=V ... -d arg=value``; the job id."""
        params = [("project", PROJECT), ("spider", spider)]
        params += [("setting", f"{key}={value}") for key, value in settings.items()]
        params += list((args or {}).items())
        answer = self.post("schedule.json", params)
        assert answer.data.get("status") == "ok", answer.text
        return answer.data["jobid"]

    def jobs(self) -> dict[str, list[dict[str, Any]]]:
        answer = self.get("listjobs.json", [("project", PROJECT)])
        assert answer.data.get("status") == "ok", answer.text
        return answer.data

    def job(self, job_id: str) -> tuple[str, dict[str, Any]] | None:
        """(state, entry) of a job, or None if scrapyd does not list it."""
        for state, entries in self.jobs().items():
            if isinstance(entries, list):
                for entry in entries:
                    if entry.get("id") == job_id:
                        return state, entry
        return None

    def wait_for(self, job_id: str, state: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until ``job_id`` is in ``state`` (``running`` is also satisfied by ``finished``)."""
        accepted = {"running": ("running", "finished")}.get(state, (state,))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.job(job_id)
            if found and found[0] in accepted:
                return found[1]
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} not {state} after {timeout}s: {self.job(job_id)}\n{self.job_log(job_id)[-3000:]}")

    def job_log(self, job_id: str, spider: str = "guancha") -> str:
        path = self.logs_dir / PROJECT / spider / f"{job_id}.log"
        return path.read_text("utf-8", "replace") if path.exists() else "<no job log>"


def copy_project(dest: Path) -> Path:
    """What ``scrapyd-deploy`` packs, copied from the working tree: newsbot/, setup.py, scrapy.cfg."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "newsbot", dest / "newsbot", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.py", "scrapy.cfg"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


def scrapyd_deploy(project_dir: Path, server: ScrapydServer, *args: str, credentials: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``scrapyd-deploy`` in ``project_dir`` against ``server``.

    The target is a ``[deploy:e2e-PORT]`` section added to the copied scrapy.cfg: it only sets
    the URL, so the project name and the ``${SCRAPYD_USERNAME}``/``${SCRAPYD_PASSWORD}``
    credentials come from the project's own ``[deploy]`` section.
    """
    target = f"e2e-{server.port}"
    cfg = project_dir / "scrapy.cfg"
    text = cfg.read_text("utf-8")
    if f"[deploy:{target}]" not in text:
        cfg.write_text(text + f"\n[deploy:{target}]\nurl = {server.url}\n", "utf-8")
    env = clean_env(SCRAPYD_USERNAME=server.username, SCRAPYD_PASSWORD=server.password) if credentials else clean_env()
    return subprocess.run([program("scrapyd-deploy"), target, *args], cwd=project_dir, env=env,
                          capture_output=True, text=True, timeout=180)


@dataclass
class Deployment:
    project_dir: Path
    version: str
    egg: Path
    output: str


def deploy(server: ScrapydServer, project_dir: Path, version: str, *args: str) -> Deployment:
    """``scrapyd-deploy`` (``args``: e.g. ``--egg FILE``); raises unless scrapyd stored the egg."""
    result = scrapyd_deploy(project_dir, server, "--version", version, *args)
    output = result.stdout + result.stderr
    if result.returncode != 0 or '"status": "ok"' not in result.stdout:
        raise RuntimeError(f"scrapyd-deploy failed ({result.returncode}):\n{output}")
    egg = server.eggs_dir / PROJECT / f"{version}.egg"
    if not egg.exists():
        raise RuntimeError(f"scrapyd stored no egg at {egg}:\n{output}")
    return Deployment(project_dir, version, egg, output)


def start_scrapyd(root: Path, env: dict[str, str] | None = None, attempts: int = 3) -> ScrapydServer:
    """A started ScrapydServer; a free port taken by someone else meanwhile is tried again."""
    for attempt in range(attempts):
        server = ScrapydServer(root, env=env)
        try:
            return server.start()
        except RuntimeError as exc:
            if "Address already in use" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def scrapyd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScrapydServer]:
    """A running scrapyd with basic auth (USERNAME/PASSWORD), its dirs in a temp dir."""
    server = start_scrapyd(tmp_path_factory.mktemp("scrapyd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def deployed_project(scrapyd_server: ScrapydServer, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """newsbot deployed to ``scrapyd_server`` by ``scrapyd-deploy``, from a copy of the tree."""
    return deploy(scrapyd_server, copy_project(tmp_path_factory.mktemp("deploy") / "project"), "r1")
