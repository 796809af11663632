# `make run` sets up the virtual environment (once) and serves the app;
# `make test` sets it up and runs the whole test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup index lint

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: setup
	$(PY) app.py

test: setup
	$(PY) -m pytest

index: setup
	$(VENV)/bin/policyqa index

lint: setup
	$(VENV)/bin/ruff check qa tests app.py app_events.py bench
	$(VENV)/bin/mypy qa app_events.py
