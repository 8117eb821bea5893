#!/usr/bin/env bash
# Type checking (mypy.ini) and lint (ruff.toml) of newsbot/; exits 1 on any error of either.
# PY must be the interpreter of the environment that holds requirements-dev.txt: mypy then
# reads the installed libraries' own annotations (Scrapy, Twisted, pymongo, w3lib, ...).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
status=0
"$PY" -m mypy newsbot || status=1
"$PY" -m ruff check newsbot || status=1
exit "$status"
