# newsbot: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= output

.PHONY: demo test install install-dev services-deps clean

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

## Install everything the tests need, then run every test (doctests included).
test: install-dev
	$(BIN)/python -m pytest

clean:
	rm -rf $(OUT) .newsbot
