"""Run several `scrapy crawl` workers (and `scrapy seed`) against one Redis frontier.

Each worker is a real subprocess with its own log (DEBUG, epoch timestamps), stats file
and JSON lines feed, so tests can see which worker downloaded what and when.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.crawl import PROXY_VARS, ROOT, site_settings

CRAWLED = re.compile(r"^(\d+\.\d+) \[scrapy\.core\.engine\] DEBUG: Crawled \((\d+)\) <(\w+) (\S+)>", re.M)
RETRYING = re.compile(r"\[scrapy\.downloadermiddlewares\.retry\] DEBUG: Retrying <\w+ (\S+)>", re.M)
LOG_FORMAT = "%(created).3f [%(name)s] %(levelname)s: %(message)s"


def clean_env() -> dict[str, str]:
    drop = set(PROXY_VARS) | {"MONGO_URI", "REDIS_URL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def command(verb: str, settings: dict[str, str], args: dict[str, str], extra: list[str] | None = None,
            spider: str = "guancha") -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", verb, spider, *(extra or [])]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    for key, value in args.items():
        cmd += ["-a", f"{key}={value}"]
    return cmd


@dataclass
class Worker:
    name: str
    dir: Path
    process: subprocess.Popen[str]

    @property
    def log_path(self) -> Path:
        return self.dir / "crawl.log"

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def wait(self, timeout: float = 300) -> int:
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def stats(self) -> dict[str, Any]:
        path = self.dir / "stats.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    def items(self) -> list[dict[str, Any]]:
        path = self.dir / "items.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]

    def crawled(self) -> list[tuple[float, int, str]]:
        """(time, status, url) of every response this worker downloaded."""
        return [(float(t), int(status), url) for t, status, _method, url in CRAWLED.findall(self.log())]

    def retried(self) -> Counter[str]:
        return Counter(RETRYING.findall(self.log()))


@dataclass
class Fleet:
    """Workers of one crawl: same site, same Redis, same settings."""

    tmp: Path
    bases: dict[str, str]
    redis_url: str
    args: dict[str, str]
    settings: dict[str, str] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)
    spider: str = "guancha"

    def base_settings(self, wdir: Path) -> dict[str, str]:
        return {
            **site_settings(self.bases, wdir / "state"),
            "REDIS_URL": self.redis_url,
            "LOG_LEVEL": "DEBUG",
            "LOG_FORMAT": LOG_FORMAT,
            "LOG_FILE": str(wdir / "crawl.log"),
            "NEWSBOT_STATS_FILE": str(wdir / "stats.json"),
            "NEWSBOT_REDIS_IDLE_CLOSE": "1",
            "NEWSBOT_REDIS_POLL_INTERVAL": "0.2",
            "NEWSBOT_REDIS_WORKER_TTL": "3",
            "TELNETCONSOLE_ENABLED": "False",
            **self.settings,
        }

    def seed(self, *flags: str) -> subprocess.CompletedProcess[str]:
        wdir = self.tmp / f"seed-{len(list(self.tmp.glob('seed-*')))}"
        wdir.mkdir(parents=True)
        settings = {k: v for k, v in self.base_settings(wdir).items() if k not in ("LOG_FILE", "LOG_FORMAT")}
        settings["LOG_LEVEL"] = "INFO"  # the outcome goes to stderr
        return subprocess.run(command("seed", settings, self.args, list(flags), self.spider), cwd=ROOT, env=clean_env(),
                              capture_output=True, text=True, timeout=120)

    def start(self, count: int = 1, **settings: str) -> list[Worker]:
        started = []
        for _ in range(count):
            name = f"w{len(self.workers)}"
            wdir = self.tmp / name
            wdir.mkdir(parents=True)
            cmd = command("crawl", {**self.base_settings(wdir), **settings}, self.args,
                          ["-O", f"{wdir / 'items.jsonl'}:jsonlines"], self.spider)
            with open(wdir / "stderr.txt", "w") as stderr:
                proc = subprocess.Popen(cmd, cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL, stderr=stderr, text=True)
            worker = Worker(name, wdir, proc)
            self.workers.append(worker)
            started.append(worker)
        return started

    def wait(self, workers: list[Worker] | None = None, timeout: float = 300) -> None:
        for worker in workers or self.workers:
            code = worker.wait(timeout)
            assert code == 0, f"{worker.name} exited {code}:\n{worker.log()[-4000:]}"

    def downloads(self, workers: list[Worker] | None = None) -> Counter[str]:
        """How often each URL was downloaded by ``workers`` (robots.txt left out: one per worker)."""
        return Counter(url for w in workers or self.workers for _t, _s, url in w.crawled()
                       if not url.endswith("/robots.txt"))

    def retried(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for worker in self.workers:
            total += worker.retried()
        return total

    def stat(self, key: str, workers: list[Worker] | None = None) -> int:
        return sum(int(w.stats().get(key, 0) or 0) for w in workers or self.workers)


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(interval)


def serve_site(root: Path, tmp: Path, latency_ms: float = 0.0) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """scripts/sample_site.py serving ``root`` (a generated site) on loopback."""
    ports = tmp / "ports.json"
    cmd = [sys.executable, str(ROOT / "scripts" / "sample_site.py"), "--root", str(root), "--ports-file", str(ports)]
    if latency_ms:
        cmd += ["--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(cmd)
    try:
        wait_for(ports.exists, timeout=20)
    except TimeoutError:
        proc.kill()
        raise RuntimeError("the site server did not start") from None
    return proc, json.loads(ports.read_text("utf-8"))
