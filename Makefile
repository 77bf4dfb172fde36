# The project's verbs. Every target installs what it needs on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Real services for the test suite (override any of them from the environment).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cityplatform
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_MQTT_URL ?= mqtt://127.0.0.1:1883
PYTEST_ARGS ?=

.PHONY: help install services demo test lint format bench reliability clean

help:
	@echo "make demo   run the platform on its embedded defaults with a simulated city"
	@echo "make test   lint, Django checks and the whole test suite on PostgreSQL, Redis, Mosquitto"
	@echo "make bench  the benchmarks (figures in docs/performance.md)"
	@echo "make reliability  fault injection and fuzzing at full size, and the soak"
	@echo "make lint   ruff check and format check"

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

services:
	TEST_DB_NAME=$(notdir $(TEST_DATABASE_URL)) bash scripts/ensure_services.sh

demo: install
	$(PY) manage.py demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install services lint
	export DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) MQTT_URL=$(TEST_MQTT_URL); \
	$(PY) manage.py check && \
	$(PY) manage.py makemigrations --check --dry-run && \
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) MQTT_URL=$(TEST_MQTT_URL) \
	$(PY) -m tests.benchmarks $(BENCH_ARGS)

# Fault injection and fuzzing at full size, then the 10-minute soak.
reliability: install services
	export DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) MQTT_URL=$(TEST_MQTT_URL) RELIABILITY_FULL=1; \
	$(PY) -m pytest tests/reliability tests/security --timeout=3600 $(PYTEST_ARGS) && \
	$(PY) -m tests.benchmarks --only soak $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* var/screenshots
