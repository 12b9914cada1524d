# The front door. `make run`: set up and run the main job on the demo lake.
#                 `make test`: set up and run every test; `make test-fast`: the quick loop.
# Uses the active virtual environment (or conda env) if there is one, else ./.venv.
# Installs with uv (fetched from PyPI into the environment by make/setup.sh), else pip:
# INSTALLER=pip to use pip. `make run` installs only what the run needs; the test, benchmark and
# lab extras come with the targets that use them (one stamp per set, redone when pyproject.toml changes).
PYTHON ?= python3
INSTALLER ?= uv
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),$(if $(CONDA_PREFIX),$(CONDA_PREFIX),.venv))
BIN := $(VENV)/bin
STAMP := $(VENV)/.nba_simulator-installed
STAMP_TEST := $(VENV)/.nba_simulator-installed-test
STAMP_LAB := $(VENV)/.nba_simulator-installed-lab
SETUP := PYTHON=$(PYTHON) INSTALLER=$(INSTALLER) sh make/setup.sh $(VENV)
DEMO ?= demo
RUNS ?= runs
AS_OF ?= 2019-03-15
PYTEST_ARGS ?=
# what `make test-fast` leaves out: the real S3 server, PostgreSQL, kernels (notebooks, pipeline
# runs), the browser and the slow tests (markers in pyproject.toml, given by tests/conftest.py)
FAST := not s3 and not postgres and not kernel and not browser and not slow
# pytest-xdist workers: a file's tests stay together (its fixtures are built once); every server a
# test needs (S3, kernels, PostgreSQL schemas) is private to its test or worker. 0 = one process
TEST_WORKERS ?= 2

.PHONY: setup setup-test run reconcile-demo test test-fast lint format bench bench-listing bench-pipeline clean help

# bare `make` prints the targets (an included file's first target must not become the default)
.DEFAULT_GOAL := help

include make/pipeline.mk

help:
	@echo "make run     set up, build the demo lake and run the pipeline on it"
	@echo "make test    set up and run all tests (unit, real S3, PostgreSQL, notebooks, browser, import layers)"
	@echo "make test-fast   the quick loop: no S3, PostgreSQL, kernels, browser or slow tests"
	@echo "make lab     JupyterLab at the repository root: notebooks/ (paired with notebooks/*.py) and runs/"
	@echo "make strip   clear notebook outputs, re-sync the .ipynb/.py pairs"
	@echo "make lint    ruff (rules and formatting) and the import layers (lint-imports)"
	@echo "make format  ruff format (the code, tests, benchmarks and notebooks)"
	@echo "make bench   benchmarks (on demand; prints figures)"
	@echo "make bench-listing   only the listing benchmark (five listers, four bucket shapes)"
	@echo "make bench-pipeline  demo pipeline vs reconcile, cold vs warm kernels (BEFORE=REV: also that revision)"
	@echo "make reconcile-demo  nba-recon reconcile on the demo lake (no notebooks), into demo/out"
	@echo "make clean   remove the demo lake and build leftovers"

setup: $(STAMP)
setup-test: $(STAMP_TEST)

# what the run needs (the package's own dependencies)
$(STAMP): pyproject.toml
	@$(SETUP)
	@touch $@

# the run's packages and the test and benchmark extras (a base install marks itself done too)
$(STAMP_TEST): pyproject.toml
	@$(SETUP) test,bench
	@touch $@
	@test -e $(STAMP) || touch $(STAMP)

$(STAMP_LAB): pyproject.toml
	@$(SETUP) lab
	@touch $@
	@test -e $(STAMP) || touch $(STAMP)

$(DEMO)/spec.yaml: $(STAMP)
	@echo "demo lake: $(DEMO)/"
	@$(BIN)/nba-recon demo --out $(DEMO)

run: $(STAMP) $(DEMO)/spec.yaml
	$(BIN)/nba-recon run --spec $(DEMO)/spec.yaml --lake $(DEMO)/lake --as-of $(AS_OF) --runs-dir $(RUNS)

reconcile-demo: $(STAMP) $(DEMO)/spec.yaml
	$(BIN)/nba-recon reconcile --spec $(DEMO)/spec.yaml --lake $(DEMO)/lake --as-of $(AS_OF) --out $(DEMO)/out

test: $(STAMP_TEST)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS) tests
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-sanitize-with tests/notebooks/sanitize.cfg notebooks

test-fast: $(STAMP_TEST)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "$(FAST)" $(PYTEST_ARGS) tests

lint: $(STAMP_TEST)
	$(BIN)/ruff check nba_simulator tests bench scripts notebooks
	$(BIN)/ruff format --check nba_simulator tests bench scripts notebooks
	$(BIN)/lint-imports

format: $(STAMP_TEST)
	$(BIN)/ruff format nba_simulator tests bench scripts notebooks

bench: $(STAMP_TEST)
	$(BIN)/python -m bench

bench-listing: $(STAMP_TEST)
	$(BIN)/python -m bench --only listing

bench-pipeline: $(STAMP_TEST)
	$(BIN)/python -m bench.pipeline $(if $(BEFORE),--before $(BEFORE)) $(if $(PIPELINE_MD),--markdown $(PIPELINE_MD)) $(if $(CASES),--cases $(CASES))

clean:
	rm -rf $(DEMO) build *.egg-info
