# mlws: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ENV ?= dev
SERVICE ?=

.DEFAULT_GOAL := help

.PHONY: help setup test lint bench demo clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed ## Create .venv, install mlws with test extras, install the pinned Azurite

test: setup ## Run the tests (real HTTP to the emulator, real Azurite)
	$(BIN)/python -m pytest

lint: setup ## Run ruff
	$(BIN)/ruff check toolkit tests scripts

bench: setup ## Print benchmark figures (ratios measured in one run)
	$(BIN)/python scripts/bench.py

demo: setup ## Run the demo end to end on the local emulator
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

clean: ## Remove the virtualenv, node_modules and caches
	rm -rf $(VENV) node_modules .pytest_cache .mlws
