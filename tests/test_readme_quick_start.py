"""The README's quick start names every prerequisite and what `make test` installs,
checked against the files that really install them."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK_START = (ROOT / "README.md").read_text("utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_it_names_python_make_node_and_apt() -> None:
    assert "Python 3.11 or newer" in QUICK_START
    assert "GNU `make`" in QUICK_START
    assert "Node.js 20.19 or newer with `npm` and `npx`" in QUICK_START
    assert "`apt-get`" in QUICK_START


def test_the_node_version_is_the_one_hexo_needs() -> None:
    lock = json.loads((ROOT / "scripts" / "hexo" / "package-lock.json").read_text("utf-8"))
    assert lock["packages"]["node_modules/hexo"]["engines"]["node"] == ">=20.19.0"


def test_every_package_the_install_script_adds_is_named() -> None:
    script = (ROOT / "scripts" / "install_services.sh").read_text("utf-8")
    packages = set(re.findall(r"packages\+=\(([a-z0-9-]+)\)", script))
    assert packages == {"redis-server", "chromium", "chromium-driver", "fonts-noto-cjk"}
    assert [p for p in packages if f"`{p}`" not in QUICK_START] == []


def test_make_test_installs_what_the_quick_start_says() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    install_dev = makefile.split("\ninstall-dev:", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements-dev.txt" in install_dev and "scripts/install_services.sh" in install_dev
    assert re.search(r"^test: install-dev$", makefile, re.M)
    assert "requirements-dev.txt" in QUICK_START and "scripts/install_services.sh" in QUICK_START
    assert "scripts/hexo/package-lock.json" in QUICK_START
