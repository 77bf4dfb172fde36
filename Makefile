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
	@echo "            (the embedded PostgreSQL when none answers at TEST_DATABASE_URL)"
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

# The tests' PostgreSQL: the server at TEST_DATABASE_URL when one answers there (CI's, a
# developer's), else the embedded one in var/pg (then a fresh machine needs no system PostgreSQL).
PG_ANSWERS = $(PY) -c 'import sys, psycopg; psycopg.connect(sys.argv[1], dbname="postgres", \
	connect_timeout=3).close()' '$(TEST_DATABASE_URL)' 2>/dev/null

test: install services lint
	if $(PG_ANSWERS); then export DATABASE_URL=$(TEST_DATABASE_URL); \
	else echo "-- no PostgreSQL answers at $(TEST_DATABASE_URL): the tests use the embedded one in var/pg"; \
	unset DATABASE_URL; fi; \
	export REDIS_URL=$(TEST_REDIS_URL) MQTT_URL=$(TEST_MQTT_URL); \
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
	rm -rf $(VENV) var/screenshots
