# Baolei: the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTO_SRC := $(wildcard proto/baolei_events/v1/*.proto)


.PHONY: help setup test-deps proto proto-check kafka-fetch kafka-start kafka-stop run lint test test-unit test-integration test-e2e bench clean

help:
	@echo "make run    - set up, start Kafka + the four services on SQLite with a demo city"
	@echo "make test   - set up, start Kafka, run unit + integration (+ e2e) tests"
	@echo "make lint   - ruff over the code, mypy over every package (strict on domain and solver), import-linter contracts (part of make test)"
	@echo "make bench  - matcher and ledger benchmarks"

$(STAMP): pyproject.toml tests/e2e/package-lock.json
	@echo "[setup] creating the virtual environment in $(VENV) and installing pinned packages (first time: ~30 s)..."
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@set -o pipefail; $(BIN)/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 \
	  | { grep -v -i "editable\|!!\|\*\*\*\|careful\|precedence\|wheel_obj\|^ *$$" || true; }
	@echo "[setup] installing playwright-core for the console's browser tests (npm)..."
	@cd tests/e2e && npm ci --no-audit --no-fund --silent
	@touch $(STAMP)

setup: $(STAMP) kafka-fetch

proto: $(STAMP)
	@rm -rf proto/gen && mkdir -p proto/gen
	@$(BIN)/python -m grpc_tools.protoc -I proto --python_out=proto/gen --pyi_out=proto/gen $(PROTO_SRC)
	@touch proto/gen/baolei_events/__init__.py proto/gen/baolei_events/v1/__init__.py
	@echo "[proto] generated proto/gen/baolei_events/v1"

# Fails when the committed generated code differs from what `make proto` would write.
proto-check: $(STAMP)
	@tmp=$$(mktemp -d) && $(BIN)/python -m grpc_tools.protoc -I proto --python_out=$$tmp --pyi_out=$$tmp $(PROTO_SRC) \
	 && touch $$tmp/baolei_events/__init__.py $$tmp/baolei_events/v1/__init__.py \
	 && diff -r -x __pycache__ $$tmp/baolei_events proto/gen/baolei_events \
	 && echo "[proto] generated code is up to date" \
	 || { echo "[proto] generated code is stale: run 'make proto' and commit"; exit 1; }

kafka-fetch:
	@deploy/kafka.sh fetch

kafka-start: kafka-fetch
	@deploy/kafka.sh start

kafka-stop:
	@deploy/kafka.sh stop

run: setup
	@$(BIN)/python -m baolei_dev.run

# ruff (rules and per-file exceptions in pyproject.toml); mypy over every package with the pydantic
# plugin, strict on domain and solver ([tool.mypy]); the import contracts ([tool.importlinter]):
# pure domain and solver, independent services, baolei_common importing no service, no cycles.
LINT_PATHS := services tests bench tools
TYPED_PKGS := services/common/baolei_common services/requests/baolei_requests services/matcher/baolei_matcher \
  services/inventory/baolei_inventory services/volunteers/baolei_volunteers services/dev/baolei_dev
lint: $(STAMP)
	@echo "[lint] ruff check $(LINT_PATHS)"
	@$(BIN)/ruff check $(LINT_PATHS)
	@echo "[lint] mypy (every package; strict on domain and solver)"
	@$(BIN)/mypy $(TYPED_PKGS)
	@if command -v promtool >/dev/null; then echo "[lint] promtool check rules deploy/prometheus/alerts.yml"; \
	  promtool check rules deploy/prometheus/alerts.yml >/dev/null; \
	else echo "[lint] promtool not installed: alert rules not checked (deploy/system-deps.sh installs it)"; fi
	@echo "[lint] import contracts (lint-imports)"
	@$(BIN)/lint-imports

test-deps:
	@bash deploy/system-deps.sh

test: test-deps lint setup proto-check
	@bash tests/run.sh

test-unit: $(STAMP)
	@$(BIN)/pytest -q tests/unit

test-integration: test-deps setup
	@bash tests/run.sh integration

test-e2e: test-deps setup
	@bash tests/run.sh e2e

bench: setup
	@bash bench/run.sh

clean:
	@deploy/kafka.sh stop || true
	@rm -rf var
