"""The bundled sample site, served by scripts/sample_site.py in a subprocess on loopback."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE_ROOT = ROOT / "tests" / "sites" / "guancha"


def start_sample_site(tmp: Path, latency_ms: float = 0.0) -> tuple[subprocess.Popen, dict[str, str]]:
    ports_file = tmp / "sample-site.json"
    cmd = [sys.executable, str(ROOT / "scripts" / "sample_site.py"), "--root", str(SITE_ROOT), "--ports-file", str(ports_file)]
    if latency_ms:
        cmd += ["--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + 20
    while not ports_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the sample site server did not start")
        time.sleep(0.05)
    return proc, json.loads(ports_file.read_text("utf-8"))


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Base URLs {"www", "user", "app"} of the sample site."""
    proc, bases = start_sample_site(tmp_path_factory.mktemp("site"))
    yield bases
    proc.terminate()
    proc.wait(10)
