"""The bundled sample site, served by scripts/sample_site.py in a subprocess on loopback.

``sample_site`` answers as guancha.cn does in 2026 (guancha-2026.md), ``sample_site_2019``
as the 2019–2022 saved pages show it; every crawl of both must give the same articles.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE_ROOT = ROOT / "tests" / "sites" / "guancha"


def start_sample_site(
    tmp: Path,
    latency_ms: float = 0.0,
    shape: str = "2026",
    root: Path = SITE_ROOT,
    specials: dict | None = None,
    more_roots: tuple[Path, ...] = (),
) -> tuple[subprocess.Popen, dict[str, Any]]:
    """Start the server on ``root`` (and ``more_roots``: other sites) in ``shape``;
    ``specials`` are extra special answers."""
    ports_file = tmp / "sample-site.json"
    cmd = [sys.executable, str(ROOT / "scripts" / "sample_site.py"), "--ports-file", str(ports_file), "--shape", shape]
    for served in (root, *more_roots):
        cmd += ["--root", str(served)]
    if latency_ms:
        cmd += ["--latency-ms", str(latency_ms)]
    if specials:
        extra = tmp / "specials.json"
        extra.write_text(json.dumps(specials), "utf-8")
        cmd += ["--specials", str(extra)]
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + 20
    while not ports_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the sample site server did not start")
        time.sleep(0.05)
    return proc, json.loads(ports_file.read_text("utf-8"))


def _serve(factory: pytest.TempPathFactory, shape: str) -> Iterator[dict[str, str]]:
    proc, bases = start_sample_site(factory.mktemp(f"site-{shape}"), shape=shape)
    yield bases
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Base URLs {"www", "user", "app"} of the sample site in its 2026 shape."""
    yield from _serve(tmp_path_factory, "2026")


@pytest.fixture(scope="session")
def sample_site_2019(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The same site answering as it did in 2019–2022 (404s, an _s.shtml for every article)."""
    yield from _serve(tmp_path_factory, "2019")


@pytest.fixture(scope="session")
def news_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The multi-site sample (tests/sites/news, MANIFEST.md there): NEWSBOT_MIRRORS under "mirrors"."""
    proc, bases = start_sample_site(tmp_path_factory.mktemp("news-site"), root=ROOT / "tests" / "sites" / "news")
    yield bases
    proc.terminate()
    proc.wait(10)
