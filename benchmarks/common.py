"""What the benchmark scripts share: the generated site, the test MongoDB, a crawl run.

Run the scripts from the repository root (``python benchmarks/NAME.py``); each puts the
root on ``sys.path`` so that ``newsbot`` and ``tests`` import.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.crawl import PROXY_VARS, site_settings  # noqa: E402

PYTHON = sys.executable


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without proxies, MONGO_URI and Scrapy project variables."""
    drop = set(PROXY_VARS) | {"MONGO_URI", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("NEWSBOT_")}
    return {**env, **extra}


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.node() or 'host'}: {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load:.2f} at start")


@contextmanager
def bench_dir(prefix: str, keep: bool = False) -> Iterator[Path]:
    """A new temp dir for one benchmark run, removed at the end unless ``keep`` (--keep:
    its site, logs and stats stay, and its path is printed)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# --- the site --------------------------------------------------------------------------
def generate_site(articles: int, out: Path) -> dict[str, Any]:
    from benchmarks.gen_site import check, generate

    info = generate(out, articles)
    check(out)
    return info


class Site:
    """scripts/sample_site.py serving ``root`` on three loopback ports, in a subprocess."""

    def __init__(self, root: Path, tmp: Path, latency_ms: float = 0.0) -> None:
        ports = tmp / "site-ports.json"
        ports.unlink(missing_ok=True)
        cmd = [PYTHON, str(ROOT / "scripts" / "sample_site.py"), "--root", str(root), "--ports-file", str(ports)]
        if latency_ms:
            cmd += ["--latency-ms", str(latency_ms)]
        self.proc = subprocess.Popen(cmd, env=clean_env(), stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not ports.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sample site server did not start")
            time.sleep(0.05)
        self.bases: dict[str, str] = json.loads(ports.read_text("utf-8"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> "Site":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- MongoDB ---------------------------------------------------------------------------
class Mongo:
    """The server named by MONGO_URI, else a SecantusDB started like the tests start it."""

    def __init__(self, tmp: Path) -> None:
        self.server = None
        uri = os.environ.get("MONGO_URI")
        if uri:
            self.uri, self.name = uri, "MONGO_URI (external)"
            return
        from tests.plugins.mongo_server import SecantusServer

        self.server = SecantusServer(tmp / "mongo-data", test_commands=False).start()
        self.uri, self.name = self.server.uri, "SecantusDB 0.7 (test server, own process)"

    @property
    def pid(self) -> int | None:
        return self.server.process.pid if self.server and self.server.process else None

    def drop(self, database: str | None) -> None:
        """Drop a benchmark database (an external server is left as it was found)."""
        if not database:
            return
        import pymongo

        client: pymongo.MongoClient = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=5000)
        try:
            client.drop_database(database)
        except pymongo.errors.PyMongoError:
            pass
        finally:
            client.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> "Mongo":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a crawl -----------------------------------------------------------------------------
@dataclass
class CrawlRun:
    stats: dict[str, Any]
    returncode: int
    wall: float  # seconds, process start to exit
    log: Path
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, VmRSS kB, VmHWM kB)
    items: int = 0
    cpu: float = 0.0  # CPU seconds (user + system) of the crawling process
    database: str | None = None  # the MongoDB database the crawl wrote to

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def elapsed(self) -> float:
        return float(self.stats.get("elapsed_time_seconds") or self.wall)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.elapsed if self.elapsed else 0.0

    @property
    def peak_rss_mb(self) -> float:
        return max((hwm for _, _, hwm in self.samples), default=0) / 1024


def children_cpu() -> float:
    """CPU seconds of every child process reaped so far (and of their reaped children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def proc_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a live process used so far; 0 if it is gone."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in kB of a live process."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0])
    if "VmRSS" not in values:
        return None
    return values["VmRSS"], values.get("VmHWM", values["VmRSS"])


def project_extensions() -> dict[str, int]:
    """The project's EXTENSIONS (a -s EXTENSIONS=... replaces them, so we add to a copy)."""
    from newsbot import settings

    return dict(getattr(settings, "EXTENSIONS", {}))


def throughput_settings(concurrency: int) -> dict[str, str]:
    """What a throughput run changes on top of tests.crawl.site_settings."""
    return {
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "DOWNLOAD_TIMEOUT": "30",
        "LOG_LEVEL": "INFO",
    }


def run_crawl(
    tmp: Path,
    bases: dict[str, str],
    max_pages: int,
    settings: dict[str, str] | None = None,
    mongo_uri: str | None = None,
    hexo: bool = True,
    feed: bool = True,
    sample_every: float = 0.5,
    wrap: list[str] | None = None,
    timeout: float = 4 * 3600,
    env: dict[str, str] | None = None,
) -> CrawlRun:
    """``scrapy crawl guancha -a channels=toutiao`` with every pipeline on, in a subprocess.

    ``wrap`` prefixes the command (a profiler). RSS is sampled from /proc every
    ``sample_every`` seconds; the RssCheckpoints extension records it at item counts.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    stats_file, log = tmp / "stats.json", tmp / "crawl.log"
    stats_file.unlink(missing_ok=True)
    merged = {
        **site_settings(bases, tmp / "state"),
        "NEWSBOT_STATS_FILE": str(stats_file),
        "LOG_FILE": str(log),
        "EXTENSIONS": json.dumps(project_extensions() | {"benchmarks.probe.RssCheckpoints": 400}),
        **(settings or {}),
    }
    if hexo:
        merged["NEWSBOT_HEXO_DIR"] = str(tmp / "hexo" / "source" / "_posts")
    database = None
    if mongo_uri:
        database = f"newsbot_bench_{os.getpid()}_{int(time.time() * 1000)}"
        merged["MONGO_URI"] = mongo_uri
        merged["MONGO_DATABASE"] = database
    cmd = [*(wrap or []), PYTHON, "-m", "scrapy", "crawl", "guancha", "-a", "channels=toutiao", "-a", f"max_pages={max_pages}"]
    if feed:
        cmd += ["-O", f"{tmp / 'items.jsonl'}:jsonlines"]
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    cpu_before = children_cpu()
    started = time.monotonic()
    with open(tmp / "stderr.txt", "wb") as stderr:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=clean_env(**{"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])), **(env or {})}), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=stderr)
    samples: list[tuple[float, int, int]] = []
    target = proc.pid
    while proc.poll() is None:
        if wrap and target == proc.pid:  # measure the crawler, not the wrapper
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            try:
                kids = children.read_text().split()
            except OSError:
                kids = []
            target = int(kids[0]) if kids else target
        status = proc_status(target)
        if status:
            samples.append((time.monotonic() - started, *status))
        if time.monotonic() - started > timeout:
            proc.kill()
        time.sleep(sample_every)
    wall = time.monotonic() - started
    cpu = children_cpu() - cpu_before
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    items = int(stats.get("item_scraped_count", 0))
    return CrawlRun(stats, proc.returncode, wall, log, samples, items, cpu, database)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub Markdown table."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda values: "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"  # noqa: E731
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells]
    return "\n".join(out)
