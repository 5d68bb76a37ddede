# Norskvei: `make run` serves the demo, `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
PG_HOST ?= 127.0.0.1
PG_USER ?= postgres
STAMP := $(VENV)/.installed
# The demo assumes the temporary rules (ended 1 July 2026) are prolonged; the pages say so.
DEMO_RULES := NORSKVEI_ASSUMED_RULES_UNTIL=$(or $(NORSKVEI_ASSUMED_RULES_UNTIL),2027-07-01)

.PHONY: help run test lint format translations translations-update migrate seed scheduler clean bench

help:
	@echo "make run    install, migrate, load demo data, serve http://127.0.0.1:$(PORT) with the scheduler"
	@echo "make test   install, lint, run the test suite on SQLite and (when reachable) PostgreSQL"

$(PY):
	$(PYTHON_BOOT) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -d translations -D messages >/dev/null

translations-update: $(STAMP)
	$(VENV)/bin/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext \
		-k pgettext:1c,2 -k lazy_pgettext:1c,2 -k _pl:1c,2 --no-location --sort-output \
		--project=Norskvei -o translations/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete >/dev/null
	$(PY) translations/english_catalogue.py translations/en/LC_MESSAGES/messages.po

migrate: $(STAMP)
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) lessons sync
	$(FLASK) demo seed

run: translations seed
	@echo ""
	@echo "Norskvei is starting at http://127.0.0.1:$(PORT)"
	@echo "Demo logins, password norskvei-demo:"
	@echo "  learner@example.org  teacher@example.org  coordinator@example.org  admin@example.org"
	@echo ""
	@$(DEMO_RULES) $(FLASK) scheduler run & SCHED=$$!; \
	trap 'kill $$SCHED 2>/dev/null' EXIT INT TERM; \
	$(DEMO_RULES) $(FLASK) run --host 127.0.0.1 --port $(PORT)

scheduler: translations migrate
	$(DEMO_RULES) $(FLASK) scheduler run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

CHROMIUM ?= /usr/bin/chromium
VNU_JAR := tests/browser/.vnu/node_modules/vnu-jar/build/dist/vnu.jar

$(VNU_JAR):
	@command -v npm >/dev/null && npm install --silent --no-audit --no-fund \
		--prefix tests/browser/.vnu vnu-jar >/dev/null || \
		echo "== npm is missing: the Nu HTML checker cannot be installed =="

OIDC_SERVER := tests/oidc_server/node_modules/.package-lock.json

# The local OpenID Connect provider the sign-in tests run (node-oidc-provider).
$(OIDC_SERVER): tests/oidc_server/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --silent --no-audit --no-fund --prefix tests/oidc_server >/dev/null; \
	fi

test: translations lint $(VNU_JAR) $(OIDC_SERVER)
	@PY=$(PY) CHROMIUM=$(CHROMIUM) PG_HOST=$(PG_HOST) PG_USER=$(PG_USER) .ci/test-suites

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis translations/*/LC_MESSAGES/*.mo

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: translations $(BENCH_STAMP)
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null) || \
		(echo "bench needs wrk: apt-get install wrk"; exit 1)
	$(PY) -m bench.run
