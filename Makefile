# tmuxhub: `make run` serves it on the embedded default, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test install lint typecheck test-sqlite test-postgres bench clean lock claude-code terminal-view terminal-view-host conformance axe-core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run:
	scripts/ensure-system run
	$(MAKE) install terminal-view
	$(BIN)/tmuxhub serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# requirements.lock is generated: edit the ranges in pyproject.toml, then run this and commit both.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header --quiet -o requirements.lock

typecheck: install
	$(BIN)/mypy .

test-sqlite: install
	env -u DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The real Claude Code TUI (pinned) for the steering tests and the bench, in ~/.cache/tmuxhub (npm).
claude-code: install
	$(BIN)/python -m tests.fixtures.claude_code

# axe-core (pinned), the accessibility checker the browser tests run in every page, in ~/.cache/tmuxhub (npm).
axe-core: install
	$(BIN)/python -m tests.support.axe

# The terminal view's library (@modelcontextprotocol/ext-apps, pinned), in ~/.cache/tmuxhub (npm).
terminal-view: install
	$(BIN)/python manage.py install_terminal_view

# The MCP Apps host its browser tests use (ext-apps' AppBridge and the MCP client, bundled; npm).
terminal-view-host: install
	$(BIN)/python -m tests.support.app_host

# The official MCP conformance suite (pinned) and the Node 22 it needs, from npm, in ~/.cache/tmuxhub.
conformance: install
	$(BIN)/python -m tests.support.conformance

# The two database passes run side by side: most tests wait on tmux, sshd or a subprocess, not the CPU.
test:
	scripts/ensure-system test
	$(MAKE) lint typecheck claude-code terminal-view terminal-view-host conformance axe-core
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

# Starts Redis like `make test` does; BENCH_ARGS=--quick for a smoke run (see README, Benchmarks).
bench:
	scripts/ensure-system test
	$(MAKE) install claude-code
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data staticfiles test-artifacts
