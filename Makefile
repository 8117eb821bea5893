# newsbot: the two commands are `make demo` and `make test` (see README.md).
# Each target's "## " comment above it is its line in `make help`, what plain `make` prints.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= output

.DEFAULT_GOAL := help
.PHONY: help demo test lint install install-dev clean

## List the targets and what each does (what plain `make` runs).
help:
	@awk '/^## / { doc = doc (doc ? " " : "") substr($$0, 4); next } \
	     /^[a-z][a-z-]*:/ && doc { split($$0, t, ":"); printf "  make %-18s %s\n", t[1], doc } \
	     { doc = "" }' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

## Create .venv and install requirements.txt: what crawling needs.
install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

## Install requirements-dev.txt into .venv and, with apt, Redis, Chromium, its driver and CJK fonts.
install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	bash scripts/install_services.sh

## Crawl the bundled sample sites (guancha, then the multi-site sample) offline into $(OUT)/ (JSON lines, Hexo posts, feeds); ends with a summary.
demo: install
	OUT=$(OUT) PY=$(BIN)/python bash scripts/demo.sh

## Install what the tests need (install-dev), type-check and lint newsbot/, then run every
## test (doctests included).
test: install-dev
	PY=$(BIN)/python bash scripts/lint.sh
	$(BIN)/python -m pytest

## Type-check (mypy) and lint (ruff) newsbot/; fails on any error. Needs no services.
lint: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	PY=$(BIN)/python bash scripts/lint.sh

## Remove $(OUT)/ (the demo's output) and .newsbot/ (the default crawl state).
clean:
	rm -rf $(OUT) .newsbot
# --- benchmarks (benchmarks/; README "Benchmarks") ------------------------------------
BENCH_ARTICLES ?= 5000
MEMORY_ARTICLES ?= 100000

.PHONY: bench bench-deps bench-extraction bench-throughput bench-news bench-memory bench-profile

## Install benchmarks/requirements.txt into .venv.
bench-deps: $(BIN)/python
	$(BIN)/pip install --quiet -r benchmarks/requirements.txt

## Print every benchmark table: extraction cost, crawl throughput (guancha vs a download-only
## crawl; configured sites vs guancha), memory over MEMORY_ARTICLES articles, and a py-spy profile. Slow (over 1 h at 100,000 articles).
bench: bench-extraction bench-throughput bench-news bench-memory bench-profile

## Extraction cost: ms per page, newsbot vs trafilatura vs GNE (~1 min).
bench-extraction: bench-deps
	$(BIN)/python benchmarks/extraction_cost.py

## Crawl throughput vs a download-only crawl and scrapy bench, BENCH_ARTICLES articles (~8 min).
bench-throughput: bench-deps
	$(BIN)/python benchmarks/crawl_throughput.py --articles $(BENCH_ARTICLES)

## Configured sites: scrapy crawl news on 3,000 generated articles of 3 sites vs the guancha crawl (~7 min).
bench-news: bench-deps
	$(BIN)/python benchmarks/news_throughput.py

## Memory (RSS) over MEMORY_ARTICLES articles, sqlite and MongoDB (~1 h).
bench-memory: bench-deps
	$(BIN)/python benchmarks/memory.py --articles $(MEMORY_ARTICLES)

## py-spy profile of a 5,000-article crawl, costs by component (~1 min).
bench-profile: bench-deps
	$(BIN)/python benchmarks/profile_crawl.py
