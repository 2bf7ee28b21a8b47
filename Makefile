# Two commands do all the set-up on a fresh machine (see README):
#   make run    set up, then project the bundled default model (table + Excel appendix)
#   make test   set up (incl. LibreOffice and Chromium), then lint, type-check and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODEL ?= models/lsc_ics.yaml
APPENDIX ?= workbooks/out/lsc_ics_appendix.xlsx
# pytest-xdist workers (auto: one per core). --dist loadfile keeps each test file on one worker,
# so a module fixture (LibreOffice runs, the browser's server, the built wheel) is built once.
# (Not loadgroup: with pytest 9.2 it silently stops grouping, pytest-xdist issue 1386.)
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: setup system-deps run test lint app bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[app,dev]"
	touch $@

system-deps:
	scripts/install-system-deps.sh

run: setup
	$(BIN)/finmodel run $(MODEL) --out $(APPENDIX)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collects no test: make (and so .ci/run) fails on it like any failure.
test: setup system-deps lint
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

app: setup
	$(BIN)/finmodel app

bench: setup
	$(BIN)/python bench/projection.py
	$(BIN)/python bench/cli_startup.py

clean:
	rm -rf $(VENV) workbooks/out/*.xlsx .pytest_cache .mypy_cache .ruff_cache
