# Two commands from a fresh clone with only Python 3.11: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install run test lint pytest messages prod-static prod-check backup-check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint pytest

# Regenerate locale/ru after changing user-facing strings (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages -l ru -l en --ignore=.venv --ignore=staticfiles --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

prod-static: install
	DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost PORTAL_BASE_URL=https://localhost $(BIN)/python manage.py collectstatic --noinput

# gunicorn, a Celery worker and beat against the local PostgreSQL and Redis, an HTTP smoke test,
# then the backup round trip (deploy/prod_check.sh; a throwaway database, dropped at the end).
prod-check: install
	deploy/prod_check.sh

# Only the backup round trip, on a fresh demo database (deploy/backup_check.sh).
backup-check: install
	deploy/backup_check.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
