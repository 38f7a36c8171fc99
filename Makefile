# make run: create .venv, install, ingest archive/ into index/, serve on http://127.0.0.1:5000
# make test: the whole test suite (browser tests need Debian's chromium at /usr/bin/chromium)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run ingest serve test lint format bench bench-large recall load clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml package.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; fi
	touch $(STAMP)

# Exit code 1 from ingest means some reports were skipped (named above): still serve the rest.
ingest: install
	$(BIN)/python manage.py ingest || [ $$? -eq 1 ]

run: ingest
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks print figures (docs/performance.md); none of them is part of `make test`.
bench: install
	$(BIN)/python bench/bench.py

bench-large: install
	$(BIN)/python bench/bench.py --paragraphs 200000 --out bench/results-200k.json

recall: install
	$(BIN)/python bench/recall.py
	$(BIN)/python bench/recall.py --traditional

load: install
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) node_modules index/gen-* index/CURRENT index/ingest.lock
