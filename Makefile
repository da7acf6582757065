# Quick start:  `make` builds the default handout into dist/;  `make library` builds the sample library of
# handouts (examples/library/) into examples/library/dist/;  `make test` runs the tests (both included;
# `make test-fast`: the in-process ones, about a minute).
# Each target sets up what it needs: system packages (Debian, as root) and a virtual environment in .venv/.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: build library test test-fast clean system system-test

build: $(VENV)/.installed system
	$(PY) publish.py build

library: $(VENV)/.installed system
	cd examples/library && $(CURDIR)/$(PY) $(CURDIR)/publish.py build

test: $(VENV)/.installed-test system-test
	$(PY) -m pytest

# The in-process tests only (no build through the command line, no PDF laid out): about a minute.
test-fast: $(VENV)/.installed-test system-test
	$(PY) -m pytest -m "not slow"

system:
	@bash scripts/system-deps.sh

system-test:
	@bash scripts/system-deps.sh --test
	@bash scripts/install-ace.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	@touch $@ $(VENV)/.installed

clean:
	rm -rf dist .cache examples/library/dist examples/library/*/.cache
