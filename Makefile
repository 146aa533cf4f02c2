# HubPortal developer commands. `make` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py
# python3.11 when the machine has it (Django 5.2 runs on 3.10 to 3.13); otherwise python3.
BOOTSTRAP_PYTHON := $(or $(shell command -v python3.11 2>/dev/null),python3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install lock system run test bench messages clean

help: ## list the targets
	@echo "HubPortal: make <target>"
	@awk -F ':.*## ' '/^[a-z]+:.*## / { printf "  %-8s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

install: $(VENV)/.installed ## create .venv and install the project and its dev tools as requirements/dev.lock pins them

# The releases every install uses, with their hashes: requirements/base.lock (what the Dockerfile
# installs) and requirements/dev.lock (the same releases, and the test tools). Resolved for Python 3.11
# on any platform. `make lock` keeps every pin the ranges of pyproject.toml still allow, so that adding
# a dependency moves nothing else; `make lock UPGRADE=1` takes the newest releases the ranges allow.
# The dev lock is resolved within the base one: the tests run the very releases the image ships.
LOCKS := requirements/base.lock requirements/dev.lock
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

lock: $(VENV)/bin/uv ## resolve requirements/*.lock again after a change to pyproject.toml (UPGRADE=1: newest releases)
	$(UV_COMPILE) -o requirements/base.lock
	$(UV_COMPILE) --extra dev --constraint requirements/base.lock -o requirements/dev.lock
	@echo "Locked; \`make install\` installs the new pins."

# WeasyPrint's libraries, the certificates' fonts, and the tools the tests use: .ci/run lists them and
# installs the missing ones with apt (as root, or through sudo); nothing when all are there.
system: ## install the Debian packages the project needs, only those missing
	@bash .ci/run system

# uv as the dev lock pins it (with its hashes), without the rest: after a change to pyproject.toml the
# install stops at `pip check` until the lock is made again.
$(VENV)/bin/uv: requirements/dev.lock
	test -x $(PYTHON) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --require-hashes --no-deps \
		-r <(awk '/^uv==/ { found = 1 } found { print } found && !/\\$$/ { exit }' requirements/dev.lock)
	touch -c $@

# A changed lock installs again. `pip check` stops here when pyproject.toml asks for a release the lock
# lacks (a dependency added without `make lock`).
$(VENV)/.installed: $(LOCKS) pyproject.toml
	test -x $(PYTHON) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install --require-hashes -r requirements/dev.lock
	$(PYTHON) -m pip install --no-deps -e .
	$(PYTHON) -m pip check
	touch $@

# Without variables: SQLite and a folder broker in var/ (hubportal.settings.local). DATABASE_URL and
# CELERY_BROKER_URL, when set, are passed through unchanged; PORTAL_BASE_URL (what certificates' QR codes
# point at) defaults to the address the server listens on.
run: system install ## migrate, seed demo data, start a Celery worker (with its scheduler) and the development server (HOST, PORT)
	$(MANAGE) migrate --noinput
	@# The invitation link it prints points at where this run serves the portal.
	PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}" $(MANAGE) seed_demo
	@mkdir -p var
	@export PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}"; \
	$(VENV)/bin/celery -A hubportal worker --beat --schedule=var/celerybeat-schedule --loglevel=info --concurrency=1 \
		>var/celery-worker.log 2>&1 & \
	worker=$$!; \
	stop_worker() { trap - EXIT INT TERM; kill -TERM $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true; }; \
	trap stop_worker EXIT; \
	trap 'exit 130' INT TERM; \
	echo "Celery worker started (pid $$worker), log in var/celery-worker.log"; \
	echo ""; \
	echo "  Portal: http://$(HOST):$(PORT)/"; \
	echo "  Admin:  http://$(HOST):$(PORT)/admin/"; \
	echo ""; \
	$(MANAGE) runserver $(HOST):$(PORT)

# makemigrations compares the models with the migration files; it also checks the history of a
# database, which with the test settings may not exist (pytest creates test_hubportal): in-memory SQLite.
test: system install ## check migrations and the system, then run the tests (real PostgreSQL and Redis)
	DJANGO_SETTINGS_MODULE=hubportal.settings.test DATABASE_URL=sqlite://:memory: \
		$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=hubportal.settings.test $(MANAGE) check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install ## run every tests/bench/bench_*.py script
	@shopt -s nullglob; \
	scripts=(tests/bench/bench_*.py); \
	if (( $${#scripts[@]} == 0 )); then echo "no benchmarks yet"; exit 0; fi; \
	for script in "$${scripts[@]}"; do echo "== $$script"; $(PYTHON) "$$script"; done

# gettext's xgettext and msgfmt (Debian: gettext). The compiled .mo is committed, so that `make run`
# needs neither; a test fails when it is older than the .po.
messages: install ## update the catalogues (locale/ko, fr, es, pt) from the code and compile them
	$(MANAGE) makemessages -l ko -l fr -l es -l pt --ignore=.venv --ignore=var --ignore=tests --no-location
	$(MANAGE) compilemessages -l ko -l fr -l es -l pt --ignore=.venv

clean: ## remove local state (var/) and collected static files
	rm -rf var staticfiles
