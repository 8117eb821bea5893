# newsbot: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= output

.PHONY: demo test lint install install-dev services-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	bash scripts/install_services.sh

## Crawl the bundled sample site offline into $(OUT)/articles.jsonl and Hexo posts.
demo: install
	OUT=$(OUT) PY=$(BIN)/python bash scripts/demo.sh

## Install everything the tests need, type-check and lint newsbot/, then run every test
## (doctests included).
test: install-dev
	PY=$(BIN)/python bash scripts/lint.sh
	$(BIN)/python -m pytest

## Type-check (mypy) and lint (ruff) newsbot/; fails on any error. Needs no services.
lint: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	PY=$(BIN)/python bash scripts/lint.sh

clean:
	rm -rf $(OUT) .newsbot
# --- benchmarks (benchmarks/; README "Benchmarks") ------------------------------------
BENCH_ARTICLES ?= 5000
MEMORY_ARTICLES ?= 50000

.PHONY: bench bench-deps bench-extraction bench-throughput bench-memory bench-profile

bench-deps: $(BIN)/python
	$(BIN)/pip install --quiet -r benchmarks/requirements.txt

## Print every benchmark table: extraction cost, crawl throughput vs scrapy bench, memory
## over MEMORY_ARTICLES articles, and a py-spy profile. Slow (~30 min at 50,000 articles).
bench: bench-extraction bench-throughput bench-memory bench-profile

bench-extraction: bench-deps
	$(BIN)/python benchmarks/extraction_cost.py

bench-throughput: bench-deps
	$(BIN)/python benchmarks/crawl_throughput.py --articles $(BENCH_ARTICLES)

bench-memory: bench-deps
	$(BIN)/python benchmarks/memory.py --articles $(MEMORY_ARTICLES)

bench-profile: bench-deps
	$(BIN)/python benchmarks/profile_crawl.py
