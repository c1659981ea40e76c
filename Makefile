# Set-up is part of every target: a fresh clone needs only python3, make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
RUN_STAMP := $(VENV)/.installed-run
DEMO_DIR ?= demo
DEMO_MEMBERS ?= 5000

.PHONY: test check demo clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "make: Python 3.11 or newer is needed as $(PYTHON)" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) \
		|| { echo "make: cannot create $(VENV); on Debian: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP): pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## demo: build (once) a demo feed of synthetic members, sync a kiosk from it, start the kiosk
demo: $(RUN_STAMP)
	$(BIN)/kiosk demo --dir $(DEMO_DIR) --members $(DEMO_MEMBERS)

## test: lint, type-check and run the whole test suite
test: check
	$(BIN)/pytest

## check: ruff and mypy --strict only
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache .hypothesis
