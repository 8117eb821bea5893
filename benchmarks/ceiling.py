"""The ceiling of a crawl on this machine: a plain Scrapy spider that downloads every page a
generated site serves and does nothing else (no parsing, no items, no pipelines).

The crawl benchmarks divide newsbot's pages/s by this one's, measured in the same run
against the same server, so the ratio says how much of the machine newsbot's own work
takes. The spider runs with ``scrapy runspider`` from a temp dir outside the project, so
none of newsbot's settings, middlewares or extensions apply; the concurrency is the one the
newsbot crawl uses.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from benchmarks.common import PYTHON, CrawlRun, children_cpu, clean_env, proc_status

SPIDER = '''
import json
import scrapy


class DownloadOnly(scrapy.Spider):
    """Fetch every URL of a file; read nothing."""

    name = "download_only"

    async def start(self):
        with open(self.settings["URLS_FILE"], encoding="utf-8") as urls:
            for url in urls:
                yield scrapy.Request(url.strip(), dont_filter=True)

    def parse(self, response):
        return None

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        with open(self.settings["STATS_OUT"], "w", encoding="utf-8") as out:
            json.dump(stats, out, default=str)
'''


def site_urls(root: Path, bases: dict[str, str]) -> list[str]:
    """A loopback URL for every file under the site's host folders (``_*`` files and
    robots.txt left out), in path order."""
    urls = []
    for host, base in bases.items():
        folder = root / host
        if not isinstance(base, str) or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and not name.startswith("_") and name != "robots.txt":
                path_part, _, query = name.partition("@")
                urls.append(f"{base}/{path_part}" + (f"?{query}" if query else ""))
    return urls


def download_only(urls: list[str], tmp: Path, concurrency: int, sample_every: float = 0.5) -> CrawlRun:
    """Run the download-only spider over ``urls``; its stats, CPU and RSS samples."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "spider.py").write_text(SPIDER, "utf-8")
    (tmp / "urls.txt").write_text("\n".join(urls) + "\n", "utf-8")
    stats_file, log = tmp / "stats.json", tmp / "crawl.log"
    stats_file.unlink(missing_ok=True)
    settings = {
        "URLS_FILE": str(tmp / "urls.txt"), "STATS_OUT": str(stats_file), "LOG_FILE": str(log),
        "LOG_LEVEL": "INFO", "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency), "DOWNLOAD_DELAY": "0",
        "DOWNLOAD_TIMEOUT": "30", "RETRY_TIMES": "1", "ROBOTSTXT_OBEY": "False",
        "TELNETCONSOLE_ENABLED": "False",
    }
    cmd = [PYTHON, "-m", "scrapy", "runspider", "spider.py"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    before = children_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=tmp, env=clean_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples: list[tuple[float, int, int]] = []
    while proc.poll() is None:
        if status := proc_status(proc.pid):
            samples.append((time.monotonic() - started, *status))
        time.sleep(sample_every)
    wall = time.monotonic() - started
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    if proc.returncode != 0 or int(stats.get("response_received_count", 0)) < len(urls):
        raise RuntimeError(f"the download-only crawl fetched {stats.get('response_received_count', 0)} of "
                           f"{len(urls)} URLs (exit {proc.returncode}); log {log}")
    return CrawlRun(stats, proc.returncode, wall, log, samples, 0, children_cpu() - before)
