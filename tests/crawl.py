"""Run `scrapy crawl guancha` for real (a subprocess: real engine, real settings)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PINNED_NOW = "2022-04-27T12:00:00+08:00"
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


@dataclass
class CrawlResult:
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log: str
    returncode: int
    log_dir: Path
    shape: str = "2026"  # how the sample site answered (tests/plugins/sample_site.py)


def site_settings(bases: dict[str, Any], state_dir: Path) -> dict[str, str]:
    """Settings that point the spider at the sample site and make the crawl fast and pinned."""
    return {
        "NEWSBOT_MIRRORS": json.dumps(bases["mirrors"]),
        "NEWSBOT_NOW": PINNED_NOW,
        "NEWSBOT_STATE_DIR": str(state_dir),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "DOWNLOAD_TIMEOUT": "2",
        "RETRY_TIMES": "1",
    }


def crawl(
    tmp: Path,
    bases: dict[str, Any],
    settings: dict[str, str] | None = None,
    args: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    spider: str = "guancha",
) -> CrawlResult:
    tmp.mkdir(parents=True, exist_ok=True)
    out, stats, log = tmp / "items.jsonl", tmp / "stats.json", tmp / "crawl.log"
    for path in (out, stats):
        path.unlink(missing_ok=True)
    merged = {"NEWSBOT_STATS_FILE": str(stats), "LOG_FILE": str(log), **(settings or {})}
    proc = scrapy(["crawl", spider, "-O", f"{out}:jsonlines"], bases, tmp, merged, args, env)
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines() if line.strip()] if out.exists() else []
    log_text = (log.read_text("utf-8") if log.exists() else "") + proc.stderr
    stats_data = json.loads(stats.read_text("utf-8")) if stats.exists() else {}
    return CrawlResult(items, stats_data, log_text, proc.returncode, tmp)


def scrapy(
    command: list[str],
    bases: dict[str, Any],
    tmp: Path,
    settings: dict[str, str] | None = None,
    args: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run ``scrapy <command>`` in the project against the sample site at ``bases``."""
    merged = {**site_settings(bases, tmp / "state"), **(settings or {})}
    cmd = [sys.executable, "-m", "scrapy", *command]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    clean_env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS and k not in ("MONGO_URI", "REDIS_URL")}
    return subprocess.run(cmd, cwd=ROOT, env={**clean_env, **(env or {})}, capture_output=True, text=True, timeout=600)
