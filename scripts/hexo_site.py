"""Make a small Hexo site that builds newsbot's posts, with node_modules cached.

    python scripts/hexo_site.py output/blog        # site in output/blog, ready to generate
    scrapy hexo --from articles.jsonl --to output/blog/source/_posts
    (cd output/blog && npx --no hexo generate)

The toolchain is pinned by scripts/hexo/package.json and package-lock.json and installed
once with ``npm ci`` into ``$NEWSBOT_CACHE_DIR/hexo-<lock hash>/`` (default: the
repository's ``.cache/``); each site links to it. Used by tests/test_hexo_build.py.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "scripts" / "hexo"
PINS = ("package.json", "package-lock.json")
READY = ".newsbot-ready"
logger = logging.getLogger(__name__)


def cache_root() -> Path:
    return Path(os.environ.get("NEWSBOT_CACHE_DIR") or ROOT / ".cache")


def ensure_toolchain(root: Path | None = None, timeout: float = 600) -> Path:
    """The cached ``node_modules`` for the pinned toolchain, installed if missing."""
    digest = hashlib.sha256(b"".join((TEMPLATE / name).read_bytes() for name in PINS)).hexdigest()[:16]
    root = root or cache_root()
    target = root / f"hexo-{digest}"
    if (target / READY).is_file():
        return target / "node_modules"
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".hexo-install-", dir=root))
    try:
        for name in PINS:
            shutil.copy2(TEMPLATE / name, work / name)
        logger.info("Installing the Hexo toolchain into %s", target)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                       cwd=work, check=True, timeout=timeout, capture_output=True, text=True)
        (work / READY).write_text("ok\n", encoding="utf-8")
        try:
            work.rename(target)
        except OSError:  # another process finished first
            if not (target / READY).is_file():
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target / "node_modules"


def make_site(dest: Path, node_modules: Path) -> Path:
    """A Hexo site in ``dest`` (config, theme, empty ``source/_posts``) using ``node_modules``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(TEMPLATE / "_config.yml", dest / "_config.yml")
    shutil.copy2(TEMPLATE / "package.json", dest / "package.json")
    shutil.copytree(TEMPLATE / "themes", dest / "themes", dirs_exist_ok=True)
    (dest / "source" / "_posts").mkdir(parents=True, exist_ok=True)
    link = dest / "node_modules"
    if not link.exists():
        link.symlink_to(node_modules, target_is_directory=True)
    return dest


def generate(site: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``npx hexo generate`` in ``site`` (never installs anything); raises on failure."""
    return subprocess.run(["npx", "--no", "hexo", "generate"], cwd=site, check=True,
                          timeout=timeout, capture_output=True, text=True)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    site = make_site(Path(argv[0]).resolve(), ensure_toolchain())
    logger.info("Hexo site ready in %s; posts go to %s", site, site / "source" / "_posts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
