"""Packaging for scrapyd: ``scrapyd-deploy`` runs ``setup.py bdist_egg`` to build the egg.

The ``scrapy`` entry point names the settings module scrapyd's runner loads. Every
non-Python file under ``newsbot/`` goes into the egg: package data is computed from the
tree, so a template or data file added later cannot be forgotten. scrapyd runs the egg
zipped, so code must read such files with ``importlib.resources``, never via ``__file__``.
Only ``newsbot`` is packaged (not ``tests``); dependencies come from the scrapyd host's
environment (``pip install -r requirements.txt`` there), not from the egg.
"""
from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
PACKAGE = "newsbot"
NOT_DATA_SUFFIXES = {".py", ".pyc", ".pyo"}


def data_files(package_dir: Path) -> list[str]:
    """Every non-Python file below ``package_dir``, relative to it (caches, dotfiles skipped)."""
    found = []
    for path in sorted(package_dir.rglob("*")):
        relative = path.relative_to(package_dir)
        if not path.is_file() or path.suffix in NOT_DATA_SUFFIXES or path.name.endswith("~"):
            continue
        if any(part == "__pycache__" or part.startswith(".") for part in relative.parts):
            continue
        found.append(relative.as_posix())
    return found


setup(
    name=PACKAGE,
    version="0.1",
    description="Crawl news sites into clean, deduplicated articles (Scrapy project)",
    packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
    package_data={PACKAGE: data_files(HERE / PACKAGE)},
    entry_points={"scrapy": [f"settings = {PACKAGE}.settings"]},
    python_requires=">=3.11",
    zip_safe=False,
)
