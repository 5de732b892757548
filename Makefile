# CrisisPlan: `make run` to use it locally, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite lint format check-migrations bench faults deploy-check clean messages compile-messages gettext

help:
	@echo "make run     set up (first time) and serve the app on http://127.0.0.1:8000"
	@echo "make test    lint, migration check and the whole test suite on PostgreSQL"
	@echo "make bench   load-test the pages people wait on (see README)"
	@echo "make deploy-check  run deploy/ for real: Caddy, two gunicorns, PostgreSQL, backups"
	@echo "make format  reformat the code with ruff"
	@echo "make messages  update the catalogues (locale/*/LC_MESSAGES/*.po) from the code"

# The virtual environment, rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Local secrets, written once and never overwritten: losing ENCRYPTION_KEYS loses the data.
.env: | $(STAMP)
	@echo "Writing .env with a new SECRET_KEY and ENCRYPTION_KEYS (keep this file safe)."
	@umask 077; { \
	  echo "# Local development settings, written by 'make run'. Never commit this file."; \
	  echo "DEBUG=true"; \
	  echo "SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	  echo "ENCRYPTION_KEYS=$$(ENV_FILE= DEBUG=true $(PY) manage.py generate_encryption_key)"; \
	} > .env.tmp && mv .env.tmp .env

# Languages (README, "Languages"). The catalogues (.po) are in git; their compiled form
# (.mo) is built here, by Django's compilemessages (gettext's msgfmt), and never committed.
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore=build
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

gettext:
	@if ! command -v msgfmt >/dev/null; then \
	  echo "Installing gettext from Debian packages (compiles the translations)."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	fi

compile-messages: $(MO_FILES)

locale/%.mo: locale/%.po | gettext $(STAMP)
	ENV_FILE= DEBUG=true $(PY) manage.py compilemessages -v 0 $(MAKEMESSAGES_IGNORE) \
	  --locale $(word 2,$(subst /, ,$<))

# After changing strings: every language's catalogues, new strings added, old ones kept
# as obsolete out of the way (translators then translate the new and fuzzy entries).
messages: $(STAMP) | gettext
	ENV_FILE= DEBUG=true $(PY) manage.py makemessages --all --no-obsolete $(MAKEMESSAGES_IGNORE)
	ENV_FILE= DEBUG=true $(PY) manage.py makemessages --all --no-obsolete -d djangojs \
	  $(MAKEMESSAGES_IGNORE)

run: $(STAMP) .env compile-messages
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py seed_demo
	@echo "CrisisPlan is at http://127.0.0.1:8000/"
	$(PY) manage.py runserver 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: $(STAMP)
	@mkdir -p var
	ENV_FILE= DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# The suite runs against PostgreSQL: DATABASE_URL if set, else the local server, else a
# throwaway cluster (scripts/with_postgres.sh).
test: lint check-migrations compile-messages
	scripts/with_postgres.sh $(VENV)/bin/pytest $(PYTEST_ARGS)

test-sqlite: $(STAMP) compile-messages
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(VENV)/bin/pytest $(PYTEST_ARGS)

# The benchmark (BENCHMARKS.md): its own PostgreSQL database (crisisplan_bench),
# gunicorn, redis-server, wrk and hey from Debian packages, installed here if missing.
bench: $(STAMP) compile-messages
	@if ! command -v wrk >/dev/null || ! command -v hey >/dev/null \
	    || ! command -v redis-server >/dev/null; then \
	  echo "Installing wrk, hey and redis-server from Debian packages for the benchmark."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq wrk hey redis-server >/dev/null; \
	fi
	@if [[ -z "$${DATABASE_URL:-}" ]] && command -v pg_ctlcluster >/dev/null \
	    && ! pg_isready -q -h 127.0.0.1 -p 5432 -t 3; then \
	  echo "Starting the local PostgreSQL cluster."; \
	  pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | sort -V | tail -1)" main start; \
	fi
	$(PY) -m bench $(BENCH_ARGS)

# The fault drills (README "Faults"): a PostgreSQL cluster of their own, gunicorn.
faults: $(STAMP)
	$(PY) -m bench.faults $(FAULTS_ARGS)

# The recipe of deploy/ run for real (README, "Deploying"): Caddy (tls internal) in front
# of two gunicorn instances on a PostgreSQL database of its own (the name of
# DATABASE_URL's database + _deploy), the backup and restore drill, and PgBouncer in
# transaction mode. Caddy, PgBouncer and the PostgreSQL client tools come from Debian
# packages, installed here if missing.
deploy-check: $(STAMP) compile-messages
	@if ! command -v caddy >/dev/null || ! command -v pg_dump >/dev/null \
	    || ! test -x /usr/sbin/pgbouncer; then \
	  echo "Installing caddy, pgbouncer and postgresql-client from Debian packages for the check."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq caddy pgbouncer postgresql-client >/dev/null; \
	fi
	DEPLOY_CHECK=1 scripts/with_postgres.sh $(VENV)/bin/pytest tests/deploy $(PYTEST_ARGS)

clean:
	rm -rf var/static var/test-artifacts
	rm -f $(MO_FILES)
