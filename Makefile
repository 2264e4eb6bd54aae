# Charter Portal — the two commands: `make run` (local mode) and `make test` (PostgreSQL + Redis).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

PG_URL_DEFAULT := postgres://postgres@127.0.0.1:5432/charter
REDIS_URL_DEFAULT := redis://127.0.0.1:6379/0

.PHONY: run test lint format install install-dev messages clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml
	$(PIP) install --quiet -e ".[dev]"
	touch $@

# axe-core for the browser tests, at the version package-lock.json pins.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Serve the portal on 127.0.0.1:8000 in local mode, the background worker beside it.
run: $(VENV)/.runtime
	env -u DATABASE_URL -u REDIS_URL CHARTER_ENV=local $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL CHARTER_ENV=local $(PY) manage.py seed_charter
	env -u DATABASE_URL -u REDIS_URL CHARTER_ENV=local $(PY) manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL CHARTER_ENV=local $(PY) manage.py run_local 127.0.0.1:8000

## Lint, then the whole suite on PostgreSQL and Redis.
test: $(VENV)/.dev node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	CHARTER_ENV=test \
	DATABASE_URL="$${DATABASE_URL:-$(PG_URL_DEFAULT)}" \
	REDIS_URL="$${REDIS_URL:-$(REDIS_URL_DEFAULT)}" \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Regenerate the translation catalogues (needs GNU gettext); the compiled .mo files are committed.
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l ko -l en --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=var --ignore=tests --ignore=bench \
		--ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
