# Channel Balance. `make run` and `make test` work on a bare machine with Python 3.11.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8000
HOST ?= 127.0.0.1
VAR_DIR ?= var
export PORT HOST VAR_DIR

.PHONY: run test lint up bench migrate seed clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PY=/path/to/python3.11)")'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev,s3]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The "bench" extra (the outside data sets of bench/dedupe_quality.py): `make bench` only.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet ".[bench]"
	rm -f $(VENV)/.bench-installed-*
	touch $(BENCH_STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --no-input -v 0

# Demo data the first time only; `make seed` re-runs it (it is idempotent).
$(VAR_DIR)/.demo-seeded: | migrate
	$(BIN)/python manage.py seed_demo --quiet-logins
	touch $(VAR_DIR)/.demo-seeded

seed: migrate
	$(BIN)/python manage.py seed_demo

run: migrate $(VAR_DIR)/.demo-seeded
	$(BIN)/python manage.py run_embedded --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run

# The production topology natively: web, worker, beat against DATABASE_URL and REDIS_URL.
up: $(STAMP)
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (PostgreSQL) for make up"; exit 2; }
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL for make up"; exit 2; }
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input -v 0
	$(BIN)/honcho start -f Procfile

# Benchmarks write docs/benchmarks.md; the CRM-sync, guardrails and governance ones need PostgreSQL (MDF: DATABASE_URL or SQLite)
# (BENCH_DATABASE_URL or the local one); the dedupe one installs the "bench" extra.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/crm_sync.py
	$(BIN)/python bench/guardrails.py
	$(BIN)/python bench/dedupe_quality.py --write --check
	$(BIN)/python bench/dedupe_api.py --write
	$(BIN)/python bench/leads.py
	$(BIN)/python bench/dealreg.py
	$(BIN)/python bench/scorecards.py
	$(BIN)/python bench/campaigns_pdf.py
	$(BIN)/python bench/campaigns_landing.py
	$(BIN)/python bench/mdf.py
	$(BIN)/python bench/governance.py
	$(BIN)/python bench/governance_pdf.py

clean:
	rm -rf $(VENV) var
