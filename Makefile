# mlws: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ENV ?= dev
SERVICE ?=

.DEFAULT_GOAL := help

.PHONY: help setup test lint bench demo walkthrough services-start services-stop emulator export plan deploy drift clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-15s %s\n", $$1, $$2}'

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

walkthrough: setup ## Run the offline walkthrough (validate, edit, diff, normalize) on the sample definitions
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/walkthrough-offline.sh

services-start: setup ## Start Azurite and the emulator in the background; then: source .mlws/services.env
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/services.sh start

services-stop: ## Stop what services-start started
	bash scripts/services.sh stop

emulator: setup ## Run the emulator in the foreground on 127.0.0.1:8123 (state in .mlws/emulator.db)
	@mkdir -p .mlws
	$(BIN)/mlws emulator serve --port 8123 --db .mlws/emulator.db

export: setup ## Export the live services of ENV into their files (mlws export ENV [SERVICE]); SERVICE= for one
	$(BIN)/mlws export $(ENV) $(SERVICE) --yes

# make turns every failing exit code into 2: CI should call `mlws plan|deploy|drift ENV` itself for its 3 and 4.
plan: setup ## Plan every definition of ENV against live into .mlws/plans/ENV/ (mlws plan ENV)
	$(BIN)/mlws plan $(ENV)

deploy: setup ## Apply the reviewed plans of ENV; a stale plan is refused (mlws deploy ENV)
	$(BIN)/mlws deploy $(ENV)

drift: setup ## Compare every definition of ENV with its live service (mlws drift ENV)
	$(BIN)/mlws drift $(ENV)

clean: ## Remove the virtualenv, node_modules and caches
	rm -rf $(VENV) node_modules .pytest_cache .mlws
