# 客户档案库 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run stop test lint bench services-bin browser translations clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' 2>&1 | { grep -vE 'editable|WheelFile|careful|name as your|^[[:space:]]*(!!|[*]+)?[[:space:]]*$$' || true; }; exit $${PIPESTATUS[0]}
	@touch $@

services-bin:
	scripts/install-services

translations: $(BIN)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -d service/translations -f >/dev/null

setup: $(BIN)/.installed services-bin translations

browser:
	scripts/install-browser
	scripts/install-axe

run: setup
	scripts/run

stop:
	scripts/run stop

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_bilingual.py

test: setup browser lint
	scripts/test $(ARGS)

# `make bench soak` (and `make bench files jobs`): the words after `bench` name benchmarks, not targets.
ifeq (bench,$(firstword $(MAKECMDGOALS)))
BENCH_NAMES := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_NAMES):;@:)
endif

bench: setup
	scripts/bench $(ARGS) $(BENCH_NAMES)

clean:
	rm -rf $(VENV) .local/bin
