# Backflow: the two commands a new user needs are `make demo` and `make test`.
# Every target installs what it needs by itself, starting from a bare Python 3.11+.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: test lint typecheck contracts unit install node system-deps demo demo-stop bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the dependency pins or the project metadata change.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Node packages for the independent commercetools mock (contract tests, marker `ctmock`).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the ctmock contract tests will be skipped"; fi

node: node_modules/.installed

# Headless Chromium renders the HTML reconciliation report in its test; PostgreSQL's server binaries
# run the PostgreSQL store's tests. Installed only when missing, by root where apt-get exists (CI runs
# as root on Debian); elsewhere those tests are skipped.
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing chromium (headless rendering of the HTML report)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
		else echo "chromium not installed and cannot be (needs root and apt-get): the HTML render test will be skipped"; fi; \
	fi
	@# promtool (Debian's prometheus package) loads deploy/prometheus/alerts.yml in its test.
	@if ! command -v promtool >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing prometheus (promtool checks the alert rules)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
		else echo "promtool not installed and cannot be (needs root and apt-get): the promtool test will be skipped"; fi; \
	fi
	@# initdb and pg_ctl: the store contract suite starts its own PostgreSQL server (marker `postgresql`).
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing postgresql (the PostgreSQL store's tests start their own server)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
		else echo "PostgreSQL not installed and cannot be (needs root and apt-get): the postgresql tests will be skipped"; fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

test: install node system-deps lint typecheck contracts
	$(BIN)/pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/pytest -m unit $(PYTEST_ARGS)

# A busy day against both simulators (< 3 min); leaves everything running for the TUI.
demo: install
	$(BIN)/backflow demo

demo-stop: install
	$(BIN)/backflow demo --stop

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache .hypothesis
