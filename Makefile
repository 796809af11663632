# `make run` sets up the virtual environment (once) and serves the app;
# `make test` sets it up and runs the whole test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast setup lint shipped-index

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: setup
	$(VENV)/bin/policyqa serve

test: setup
	$(PY) -m pytest

# No model, no browser: the quick loop while editing.
test-fast: setup
	$(PY) -m pytest -m "not model and not browser and not netns"

lint: setup
	$(VENV)/bin/ruff check qa tests app.py bench scripts experiments
	$(VENV)/bin/mypy qa app.py
	$(VENV)/bin/lint-imports

# Rebuild the shipped policy's committed index (after a change to parsing or the model).
shipped-index: setup
	$(PY) scripts/build_shipped_index.py
