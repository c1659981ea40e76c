# Set-up is part of every target: a fresh clone needs only python3, make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
RUN_STAMP := $(VENV)/.installed-run
DEMO_DIR ?= demo
DEMO_MEMBERS ?= 5000
LATER_DAYS ?= 400
SHIFT_CLOCK := build/shift_clock.so
LOCK_OPTIONS := --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links
# A kiosk installs run.lock with its venv's own pip, which the lock leaves alone. setuptools,
# which pip-compile would leave out with pip by default, stays pinned: python-escpos needs
# it, and a venv of Python 3.12 or newer has none.
RUN_LOCK_OPTIONS := $(LOCK_OPTIONS) --unsafe-package pip
TEST_LOCK_OPTIONS := $(LOCK_OPTIONS) --allow-unsafe

.PHONY: test test-later system-test check demo lock clean verifier verifier-check

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "make: Python 3.11 or newer is needed as $(PYTHON)" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) \
		|| { echo "make: cannot create $(VENV); on Debian: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every dependency comes pinned and hashed from requirements/*.lock; the project itself after.
$(RUN_STAMP): requirements/run.lock $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/run.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(STAMP): requirements/test.lock $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

## lock: pin every dependency again, with hashes, after pyproject.toml's dependencies change
lock: $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile $(RUN_LOCK_OPTIONS) -o requirements/run.lock pyproject.toml
	$(BIN)/pip-compile $(TEST_LOCK_OPTIONS) --extra test --extra central --extra bench --extra image \
		-o requirements/test.lock pyproject.toml

## demo: build (once) a demo feed of synthetic members, sync a kiosk from it, start the kiosk
demo: $(RUN_STAMP)
	$(BIN)/kiosk demo --dir $(DEMO_DIR) --members $(DEMO_MEMBERS)

## test: lint, type-check and run the whole test suite
test: check
	$(BIN)/pytest

## test-later: the tests again with every process's wall clock LATER_DAYS ahead (CI runs both)
test-later: $(STAMP) $(SHIFT_CLOCK)
	LD_PRELOAD=$(abspath $(SHIFT_CLOCK)) KIOSK_CLOCK_SHIFT_SECONDS=$$(( $(LATER_DAYS) * 86400 )) \
		$(BIN)/pytest

## system-test: the kiosk installed by the README in a QEMU VM under real systemd (tests/system)
system-test: $(STAMP)
	$(BIN)/pytest -n 0 -p no:cacheprovider -s tests/system

$(SHIFT_CLOCK): tests/clock/shift_clock.c
	@mkdir -p $(@D)
	@command -v cc >/dev/null || { echo "make: test-later needs a C compiler (apt-get install gcc)" >&2; exit 1; }
	cc -shared -fPIC -O2 -Wall -Wextra -Werror -o $@ $< -ldl

## check: ruff, mypy --strict and the import contracts only
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

VERIFIER_MODULES := verifier/node_modules/.package-lock.json

$(VERIFIER_MODULES): verifier/package-lock.json
	@command -v npm >/dev/null || { echo "make: the verifier page needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	cd verifier && npm ci --no-audit --no-fund --loglevel=error

## verifier: build data/verifier.html, the offline card verifier page, from verifier/src
verifier: $(VERIFIER_MODULES)
	node verifier/build.mjs

## verifier-check: the committed page is what its sources build, byte for byte, every time
verifier-check: $(VERIFIER_MODULES)
	@mkdir -p build
	node verifier/build.mjs build/verifier-1.html
	node verifier/build.mjs build/verifier-2.html
	cmp build/verifier-1.html build/verifier-2.html
	cmp build/verifier-1.html data/verifier.html \
		|| { echo "make: data/verifier.html is not what verifier/src builds: run make verifier" >&2; exit 1; }

clean:
	rm -rf verifier/node_modules $(VENV) build $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache .hypothesis
