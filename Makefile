# relayflow — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
TEST_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench install clean screenshots browser postgres lock translations translations-update modeler

# Every Python dependency, exactly as requirements.lock pins it (versions and hashes); `make lock`
# updates the lock from setup.cfg's ranges. The project itself goes in editable, without resolving again.
$(STAMP): setup.cfg pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	@# setuptools' notice that an editable install is one (informational, every time) would be the only output
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The one command that updates the lock (newest versions within setup.cfg's ranges, with hashes).
lock:
	@test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --extra test --strip-extras \
	    --no-emit-index-url --no-emit-find-links --output-file requirements.lock setup.cfg

# Browser assets the web app serves itself (bpmn-js, no CDN), exactly as package-lock.json pins them.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The analysts' modeler, bundled from its sources (app/web/static/modeler/, with the bpmnlint plugin)
# and the npm packages package-lock.json pins; the bundle is build output, never in git.
MODELER_BUILD := app/web/static/build/modeler.js
MODELER_SOURCES := $(shell find app/web/static/modeler -type f)

$(MODELER_BUILD): $(NODE_STAMP) package-lock.json $(MODELER_SOURCES)
	npm run --silent build:modeler

modeler: $(MODELER_BUILD)

install: $(STAMP) $(NODE_STAMP) $(MODELER_BUILD) translations

# The pages' gettext catalogs (app/translations, see README "Translations"): each .po is in git, its
# .mo is build output compiled here (and into the wheel by setup.py).
TRANSLATIONS := app/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
VERSION := $(shell sed -n 's/^version = //p' setup.cfg)

translations: $(CATALOGS:.po=.mo)

$(CATALOGS:.po=.mo): %.mo: %.po | $(STAMP)
	$(BIN)/pybabel --quiet compile --input-file $< --output-file $@

# After changing an English text: messages.pot from the sources (babel.cfg), then each .po merged
# with it (new texts empty, changed ones fuzzy, unused ones dropped) for the translator to fill in.
translations-update: $(STAMP)
	$(BIN)/pybabel --quiet extract --mapping-file $(TRANSLATIONS)/babel.cfg --sort-output --add-location file \
	    --project relayflow --version $(VERSION) --copyright-holder relayflow \
	    --output-file $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel --quiet update --input-file $(TRANSLATIONS)/messages.pot --output-dir $(TRANSLATIONS) \
	    --ignore-obsolete

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here),
# with a CJK font so that the Chinese pages render; installed with apt-get when missing.
CHROMIUM := /usr/bin/chromium
CJK_FONTS := /usr/share/fonts/truetype/wqy
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -d $(CJK_FONTS) ]; then \
	    echo "installing Debian's chromium and fonts-wqy-microhei for the browser tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei; \
	fi
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing: the browser tests cannot run"; exit 1; }

# The PostgreSQL the tests use: started with the machine's own cluster when it is local and not answering.
postgres:
	@if ! pg_isready -d '$(TEST_POSTGRES)' -q 2>/dev/null; then \
	    echo "starting the local PostgreSQL cluster"; \
	    $(SUDO) pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql)" main start || true; \
	    for _ in $$(seq 1 30); do pg_isready -d '$(TEST_POSTGRES)' -q && break; sleep 1; done; \
	fi
	@pg_isready -d '$(TEST_POSTGRES)' -q || { echo "PostgreSQL at $(TEST_POSTGRES) is not answering"; exit 1; }

# Web app (the production server, 2 processes) + one worker on http://$(HOST):$(PORT), embedded SQLite
# under var/ (demo users when empty); their metrics' counts meet in var/prometheus (README "Operations").
# Meter commands go over HTTP to the SIMULATED head-end process on $(SIM_PORT), which calls back
# (README "The head-end over HTTP"); both tokens are new each run unless set in the environment.
METRICS_DIR := var/prometheus
SIM_PORT ?= 5001
SIM_SCENARIO ?= app/headend_sim/demo-scenario.json
NEW_TOKEN = $$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))')
run: $(STAMP) $(NODE_STAMP) $(MODELER_BUILD) translations
	$(BIN)/relayflow bootstrap --demo
	@rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	@echo "relayflow on http://$(HOST):$(PORT), the SIMULATED head-end on http://$(HOST):$(SIM_PORT) (Ctrl-C stops all)"
	@export PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/$(METRICS_DIR) RELAYFLOW_HEADEND_URL=http://$(HOST):$(SIM_PORT); \
	export RELAYFLOW_HEADEND_TOKEN=$${RELAYFLOW_HEADEND_TOKEN:-$(NEW_TOKEN)}; \
	export RELAYFLOW_HEADEND_COMMAND_TOKEN=$${RELAYFLOW_HEADEND_COMMAND_TOKEN:-$(NEW_TOKEN)}; \
	trap 'kill $$worker $$sim 2>/dev/null' EXIT INT TERM; \
	$(BIN)/relayflow headend-sim --host $(HOST) --port $(SIM_PORT) --scenario $(SIM_SCENARIO) \
	    --callback-url http://$(HOST):$(PORT) & sim=$$!; \
	$(BIN)/relayflow worker & worker=$$!; \
	$(BIN)/relayflow serve --workers 2 --host $(HOST) --port $(PORT)

# The whole suite: unit, workflow, integration and web on SQLite and on PostgreSQL ($(TEST_POSTGRES)),
# browser pages in Chromium. Installs what it needs first; pytest exits 5 (a failure) when no test ran.
test: lint $(NODE_STAMP) $(MODELER_BUILD) translations browser postgres
	RELAYFLOW_TEST_POSTGRES=$(TEST_POSTGRES) $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy app handlers storage
	$(BIN)/mypy --strict storage
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy --strict app/runtime

# The README's pictures: the browser tests save them under docs/screenshots/.
screenshots: $(STAMP) $(NODE_STAMP) $(MODELER_BUILD) translations browser
	RELAYFLOW_SCREENSHOTS=1 $(BIN)/pytest -q tests/browser

bench: $(STAMP)
	$(BIN)/python benchmarks/runtime_throughput.py

clean:
	rm -rf $(VENV) node_modules app/web/static/build *.egg-info .pytest_cache .ruff_cache
