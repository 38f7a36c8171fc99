# make run: create .venv, install what serving needs, ingest archive/ into index/, serve on
#   http://127.0.0.1:5000 (another port: make run PORT=5001)
# make test: install the test tools too (pytest, ruff, Playwright, axe-core from npm), run the
#   whole suite (browser tests need Debian's chromium at /usr/bin/chromium)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.installed-dev-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-dev run ingest serve test lint format bench bench-large bench-corpus recall load clean

# What serving needs, nothing more.
install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# The tests' and benchmarks' tools on top: pytest, ruff, Playwright, and axe-core (npm).
install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) setup.cfg pyproject.toml package.json
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; fi
	touch $(DEV_STAMP)

# Exit code 1 from ingest means some reports were skipped (named above): still serve the rest.
ingest: install
	$(BIN)/python manage.py ingest || [ $$? -eq 1 ]

run: ingest
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks print figures (docs/performance.md); none of them is part of `make test`.
bench: install-dev
	$(BIN)/python bench/bench.py --out bench/results-20k.json

bench-large: install-dev
	$(BIN)/python bench/bench.py --paragraphs 200000 --out bench/results-200k.json

# The shared corpus of real news against SQLite FTS5 and tantivy (comparisons only: the extra
# "bench" installs tantivy-py); skipped with a message when ../shared/corpus is absent.
bench-corpus: install-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench.py --corpus --paragraphs 250000 --out bench/results.json
	$(BIN)/python bench/bench.py --corpus --paragraphs 1000000 --no-naive --out bench/results-1m.json

recall: install-dev
	$(BIN)/python bench/recall.py
	$(BIN)/python bench/recall.py --traditional

load: install-dev
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) node_modules index/gen-* index/CURRENT index/ingest.lock
