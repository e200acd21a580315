# The trading platform. `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUF := node_modules/.bin/buf
STAMP := $(VENV)/.installed
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := $(shell find web/src web/public web/index.html web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	$(BIN)/pip install -q -e '.[dev]'
	@echo "$(CURDIR)/gen/python" > $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/trading_gen.pth
	@touch $@

# `npm ci` installs exactly package-lock.json and never rewrites it, so set-up leaves a fresh
# clone clean (the lock lists buf's binary for every platform).
$(BUF): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(STAMP) $(BUF) ## create .venv and install the Python and npm tools

$(WEB_DEPS): web/package-lock.json
	npm --prefix web ci --prefer-offline --no-audit --no-fund --loglevel=error

web/dist/index.html: $(WEB_DEPS) $(WEB_SOURCES)
	npm --prefix web run build

web: web/dist/index.html ## build the browser app (npm ci from the lock file, then vite build) into web/dist

GENERATED := gen web/src/gen envoy.yaml deploy/k8s/base/gateway/envoy.yaml

generate: setup ## regenerate gen/python, gen/descriptor.binpb, web/src/gen and both Envoy configs from proto/
	rm -rf gen/python web/src/gen
	$(BUF) generate
	$(BUF) build -o gen/descriptor.binpb
	@touch gen/python/py.typed
	$(BIN)/python -m app.envoy
	bash deploy/render-envoy.sh

check-generate: generate ## fail if gen/ differs from what the contracts generate
	@git add -N $(GENERATED) >/dev/null 2>&1 || true
	@if [ -n "$$(git status --porcelain -- $(GENERATED))" ]; then git status --porcelain -- $(GENERATED); echo "generated files are stale: run make generate and commit"; exit 1; fi

buf-lint: setup ## buf lint and buf format check on the contracts
	$(BUF) lint
	$(BUF) format --diff --exit-code proto

buf-breaking: setup ## buf breaking against the previous commit
	@if git rev-parse -q --verify HEAD~1 >/dev/null && git cat-file -e HEAD~1:buf.yaml 2>/dev/null; then \
	  $(BUF) breaking --against '.git#ref=HEAD~1'; else echo "no previous contracts to compare"; fi

lint: setup ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup ## mypy
	$(BIN)/mypy

layers: setup ## the layers of docs/architecture.md: no upward or sideways import, no circle, no wall clock in services
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/architecture

check: buf-lint buf-breaking check-generate lint typecheck layers check-ops ## every static check CI runs

AM_CONFIG := deploy/alertmanager/alertmanager.yml
check-ops: ## promtool on the scrape config and alert rules (with their tests), amtool on the routing
	promtool check config deploy/prometheus/prometheus.yml
	promtool check rules deploy/prometheus/alerts.yml
	cd deploy/prometheus && promtool test rules alerts_test.yml
	$(BIN)/python -c 'import json,sys; json.load(open("deploy/grafana/trading.json"))'
	amtool check-config $(AM_CONFIG)
	for ch in slack email pagerduty; do \
	  amtool config routes test --config.file=$(AM_CONFIG) --verify.receivers=$$ch channel=$$ch >/dev/null \
	    || { echo "channel=$$ch does not route to $$ch"; exit 1; }; \
	done

test: setup web ## run the test suite, browser tests included (CI=true: PostgreSQL and Redis are required)
	$(BIN)/python -m pytest -q

screenshots: setup web ## retake docs/web/*.png (the browser tests against the real platform; needs PostgreSQL and Redis)
	mkdir -p docs/web
	TRADING_WEB_SCREENSHOTS=docs/web CI=true $(BIN)/python -m pytest -q tests/web/test_browser.py

bench: setup ## run the benchmarks (prints figures and ratios)
	$(BIN)/python -m bench

run: setup web ## set everything up, build the browser app and start the whole platform (Ctrl-C stops it)
	$(BIN)/trading up

.PHONY: help setup web screenshots generate check-generate buf-lint buf-breaking lint typecheck layers check check-ops test bench run
