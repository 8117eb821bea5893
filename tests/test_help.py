"""`scrapy <command> -h` of every newsbot command, and `make help`, read as a user reads them.

Scrapy's help formatter took any wrapped line ending in a colon for a section heading
(`scrapy hexo -h` showed "Posts Directory, E.G. Site/Source/_Posts (Default" over a row
of "="), and `scrapy seed -h` printed its module docstring's RST markup.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("crawl", "doctor", "export", "feeds", "hexo", "seed")
WIDTHS = (60, 80)
UNDERLINE = re.compile(r"^(=+|-+)$")


def help_text(command: str, width: int) -> str:
    env = {**os.environ, "COLUMNS": str(width)}
    proc = subprocess.run([sys.executable, "-m", "scrapy", command, "-h"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def helps() -> dict[tuple[str, int], str]:
    wanted = [(command, width) for command in COMMANDS for width in WIDTHS]
    with ThreadPoolExecutor(4) as pool:
        return dict(zip(wanted, pool.map(lambda cw: help_text(*cw), wanted), strict=True))


def headings(text: str) -> list[str]:
    lines = text.splitlines()
    return [lines[n - 1] for n, line in enumerate(lines) if n and UNDERLINE.match(line)]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", COMMANDS)
def test_only_the_real_sections_are_headings(helps: dict[tuple[str, int], str], command: str) -> None:
    for width in WIDTHS:
        assert headings(helps[command, width]) == ["Usage", "Options", "Global Options"], (command, width)


@pytest.mark.parametrize("command", COMMANDS)
def test_no_markup_and_no_title_cased_help(helps: dict[tuple[str, int], str], command: str) -> None:
    for width in WIDTHS:
        text = helps[command, width]
        assert "`" not in text, (command, width)  # RST or Markdown quoting
        assert "(Default" not in text, (command, width)


def test_hexo_help_says_where_posts_go_by_default(helps: dict[tuple[str, int], str]) -> None:
    for width in WIDTHS:
        assert "--to POSTS_DIR posts directory, e.g. site/source/_posts (default: NEWSBOT_HEXO_DIR)" in flat(
            helps["hexo", width])


def test_seed_help_is_plain_paragraphs(helps: dict[tuple[str, int], str]) -> None:
    text = helps["seed", 80]
    description = text.split("Options\n=======")[0].split("<spider>\n\n", 1)[1]
    paragraphs = [flat(p) for p in description.strip().split("\n\n")]
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("Push the spider's first requests onto the shared Redis frontier (REDIS_URL)")
    assert paragraphs[1].startswith("A seed starts a new crawl")
    assert "--append (add to that crawl) or --reset (drop it and start over)" in paragraphs[1]


def test_export_help_names_its_sources_and_output(helps: dict[tuple[str, int], str]) -> None:
    text = flat(helps["export", 80])
    assert "scrapy export --from FILE.jsonl|mongodb -O FILE" in text
    assert ("-O FILE, --output FILE the JSON lines file to write, replaced if it exists "
            "('-' for standard output)") in text


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_plain_make_lists_the_targets() -> None:
    # As a user types it: not as a sub-make of `make test`, which would print "Entering directory".
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    plain = subprocess.run(["make"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    named = subprocess.run(["make", "help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert plain.returncode == named.returncode == 0
    assert plain.stdout == named.stdout
    lines = plain.stdout.splitlines()
    assert all(line.startswith("  make ") for line in lines), plain.stdout  # nothing built or installed
    targets = [line.split()[1] for line in lines]
    assert targets[:7] == ["help", "install", "install-dev", "demo", "test", "lint", "clean"]
    benchmarks = {"bench", "bench-deps", "bench-extraction", "bench-throughput", "bench-news", "bench-memory",
                  "bench-profile"}
    assert benchmarks <= set(targets)
    assert ("  make demo               Crawl the bundled sample sites (guancha, then the multi-site sample) offline "
            "into $(OUT)/ (JSON lines, Hexo posts, feeds); ends with a summary.") in lines
