# The front door. `make run`: set up and run the main job on the demo lake.
#                 `make test`: set up and run every test.
# Uses the active virtual environment (or conda env) if there is one, else ./.venv.
PYTHON ?= python3
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),$(if $(CONDA_PREFIX),$(CONDA_PREFIX),.venv))
BIN := $(VENV)/bin
STAMP := $(VENV)/.nba_simulator-installed
DEMO ?= demo
RUNS ?= runs
AS_OF ?= 2019-03-15
PYTEST_ARGS ?=
# pytest-xdist workers: a file's tests stay together (its fixtures are built once); every server a
# test needs (S3, kernels, PostgreSQL schemas) is private to its test or worker. 0 = one process
TEST_WORKERS ?= 2

.PHONY: setup run reconcile-demo test bench bench-listing bench-pipeline clean help

# bare `make` prints the targets (an included file's first target must not become the default)
.DEFAULT_GOAL := help

include make/pipeline.mk

help:
	@echo "make run     set up, build the demo lake and run the pipeline on it"
	@echo "make test    set up and run all tests (unit, S3, PostgreSQL, notebooks)"
	@echo "make lab     JupyterLab at the repository root: notebooks/ (paired with notebooks/*.py) and runs/"
	@echo "make strip   clear notebook outputs, re-sync the .ipynb/.py pairs"
	@echo "make lint    ruff and the import layers (lint-imports)"
	@echo "make bench   benchmarks (on demand; prints figures)"
	@echo "make bench-listing   only the listing benchmark (five listers, four bucket shapes)"
	@echo "make bench-pipeline  demo pipeline vs reconcile, cold vs warm kernels (BEFORE=REV: also that revision)"

setup: $(STAMP)

# setuptools' editable build says on every install that folders named like the package may
# shadow it (a flat layout's note, not a problem here): that one message is filtered
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS='ignore:Editable installation' $(BIN)/python -m pip install --quiet -e '.[test,lab,bench]'
	@touch $@

$(DEMO)/spec.yaml: $(STAMP)
	$(BIN)/nba-recon demo --out $(DEMO)

run: $(STAMP) $(DEMO)/spec.yaml
	$(BIN)/nba-recon run --spec $(DEMO)/spec.yaml --lake $(DEMO)/lake --as-of $(AS_OF) --runs-dir $(RUNS)

reconcile-demo: $(STAMP) $(DEMO)/spec.yaml
	$(BIN)/nba-recon reconcile --spec $(DEMO)/spec.yaml --lake $(DEMO)/lake --as-of $(AS_OF) --out $(DEMO)/out

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS) tests
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-sanitize-with tests/notebooks/sanitize.cfg notebooks

lint: $(STAMP)
	$(BIN)/ruff check nba_simulator tests bench scripts notebooks
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

bench-listing: $(STAMP)
	$(BIN)/python -m bench --only listing

bench-pipeline: $(STAMP)
	$(BIN)/python -m bench.pipeline $(if $(BEFORE),--before $(BEFORE)) $(if $(PIPELINE_MD),--markdown $(PIPELINE_MD)) $(if $(CASES),--cases $(CASES))

clean:
	rm -rf $(DEMO) build *.egg-info
