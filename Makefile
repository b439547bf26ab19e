# Prioriza — set-up, demo and tests. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Test processes (pytest-xdist): one more than the cores, handed one test at a
# time, so that a core is not idle while a browser test waits on chromium;
# TEST_JOBS=0 runs in this process.
TEST_JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
XDIST = -n $(TEST_JOBS) --maxschedchunk 1
# Python may keep compiled bytecode (__pycache__, ignored by git) even where the
# machine asks it not to: every test process and subprocess then starts from
# it (collecting the suite: 5.0 s instead of 9.3 s on the 2-core machine).
unexport PYTHONDONTWRITEBYTECODE
# Root installs system packages directly; others go through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo room run setup test test-fast test-setup browser bench-nginx translations translations-update db lint format clean

## demo: install, compile translations, migrate SQLite, load the 2005 seminar, serve on :5000
demo: setup db
	HOST=$(HOST) PORT=$(PORT) $(FLASK) seed-demo
	@echo "Prioriza is serving the 2005 Santiago seminar on http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## room: serve the room's phones on the LAN with gunicorn (README, "Running a workshop");
## the address is found (HOST=… gives it), PORT=… picks the port
room: setup db
	PORT=$(PORT) $(FLASK) serve-room --port $(PORT) $(if $(filter command line environment,$(origin HOST)),--host $(HOST))

## test: install with the test extras and the browser, then run the whole suite
test: test-setup
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

## test-fast: the edit loop, without the tests marked slow (`make test` runs them)
test-fast: test-setup
	$(PY) -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

setup: $(VENV)/.runtime translations

test-setup: $(VENV)/.test browser translations

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PY) -m pip install --quiet --editable ".[test]"
	touch $@

## browser: Debian's chromium (and fonts) for the Playwright tests; never `playwright install`
browser:
	@command -v chromium >/dev/null && fc-list | grep -qi dejavu || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

## bench-nginx: Debian's nginx (if missing, its service kept stopped), then the
## scale-out scenario: 3 nodes behind our own nginx, kill -9 of one mid-burst,
## and the same burst on one node (needs PostgreSQL and Redis on 127.0.0.1; not in CI)
BENCH_ARGS ?= --delegates 1000 --compare-single
bench-nginx: $(VENV)/.runtime
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  $(SUDO) apt-get update -qq && \
	  if [ -e /usr/sbin/policy-rc.d ]; then \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
	  else \
	    printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee /usr/sbin/policy-rc.d >/dev/null && \
	    $(SUDO) chmod +x /usr/sbin/policy-rc.d && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
	    status=$$?; $(SUDO) rm -f /usr/sbin/policy-rc.d; [ $$status = 0 ] || exit $$status; \
	  fi; \
	  if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now nginx; fi; }
	PYTHONPATH=$(CURDIR) $(PY) tests/bench/load.py scale-out $(BENCH_ARGS)

## translations: compile the catalogues (.po → .mo)
translations: $(VENV)/.runtime
	$(FLASK) translate compile

## translations-update: extract new strings and merge them into every catalogue
translations-update: $(VENV)/.runtime
	$(FLASK) translate update

db: $(VENV)/.runtime
	$(FLASK) db upgrade

## lint: ruff's checks and its formatting, checked (nothing is rewritten)
lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.test
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) instance .pytest_cache
