# The project's contract: `make run` serves the demo site, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EDICOLA_DATA_DIR ?= ./var
PORT ?= 8000
export EDICOLA_DATA_DIR PORT

.PHONY: run install install-test test lint migrations-check bench serve clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 13), "Python 3.13 is required (see .python-version)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Local demo on plain HTTP: a generated secret kept in the data directory, demo content, admin login.
run: install
	@mkdir -p $(EDICOLA_DATA_DIR)
	@test -s $(EDICOLA_DATA_DIR)/secret_key || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $(EDICOLA_DATA_DIR)/secret_key
	@export SECRET_KEY="$$(cat $(EDICOLA_DATA_DIR)/secret_key)" HTTPS=$${HTTPS:-0} \
	    BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)} && \
	$(BIN)/edicola migrate --no-input -v0 && \
	$(BIN)/edicola collectstatic --no-input -v0 && \
	$(BIN)/edicola seed_demo && \
	$(BIN)/edicola serve --port $(PORT)

test: install-test
	@bash .ci/test-suite

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

migrations-check: install
	SECRET_KEY=migrations-check $(BIN)/edicola makemigrations --check --dry-run

bench: install-test
	@bash bench/run

clean:
	rm -rf $(VENV) node_modules
