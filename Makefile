# relayflow — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
TEST_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench install clean screenshots

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Browser assets the web app serves itself (bpmn-js, no CDN), exactly as package-lock.json pins them.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# Web app + one worker on http://$(HOST):$(PORT), embedded SQLite under var/ (demo users when empty).
run: $(STAMP) $(NODE_STAMP)
	$(BIN)/relayflow bootstrap --demo
	@echo "relayflow on http://$(HOST):$(PORT) (Ctrl-C stops the web app and the worker)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/relayflow worker & worker=$$!; \
	$(BIN)/relayflow run --host $(HOST) --port $(PORT)

# The whole suite: unit, workflow, integration on SQLite and on PostgreSQL ($(TEST_POSTGRES)).
test: lint $(NODE_STAMP)
	RELAYFLOW_TEST_POSTGRES=$(TEST_POSTGRES) $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy app handlers storage

# The README's pictures: the browser tests save them under docs/screenshots/.
screenshots: $(STAMP) $(NODE_STAMP)
	RELAYFLOW_SCREENSHOTS=1 $(BIN)/pytest -q tests/browser

bench: $(STAMP)
	$(BIN)/python benchmarks/runtime_throughput.py

clean:
	rm -rf $(VENV) node_modules *.egg-info .pytest_cache .ruff_cache
