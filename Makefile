# Every target creates .venv first (Python 3.11 + make is all a fresh machine needs).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?= var/data

.PHONY: serve test test-fast lint typecheck wheel-check bench bench-load bench-scale eval index seed clean clean-data

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# Build the index from the shipped corpus if it is missing; on first start, fetch and add the
# catalog's documents (once; offline it says how to fetch them later), then serve.
index: $(STAMP)
	@test -e $(DATA)/CURRENT || $(PY) index.py build --corpus corpus --index $(DATA) || test $$? -eq 1
	@$(PY) index.py seed --index $(DATA)

# Fetch the catalog's documents again (after an offline first start, or to retry failures).
seed: $(STAMP)
	@test -e $(DATA)/CURRENT || $(PY) index.py build --corpus corpus --index $(DATA) || test $$? -eq 1
	$(PY) index.py seed --again --index $(DATA)

serve: index
	$(PY) index.py serve --index $(DATA)

test: $(STAMP)
	$(PY) -m ruff check .
	$(MAKE) typecheck
	$(PY) -m pytest -q

# For work in progress: the tests not marked slow (corpus-wide properties, browsers, fuzzing,
# servers in processes), in under 3 minutes on 2 cores. `make test` stays the whole suite.
test-fast: $(STAMP)
	$(PY) -m ruff check .
	$(MAKE) typecheck
	$(PY) -m pytest -q -m "not slow"

# The wheel as people deploy it: built, installed in a clean venv, run outside the project.
wheel-check: $(STAMP)
	$(PY) .ci/wheel_check.py

lint: $(STAMP)
	$(PY) -m ruff check .

# The engine interface (indexer/engines/__init__.py's protocols) and the read side against
# their annotations: mypy over engines/, query/ and search/ (configured in pyproject.toml).
typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) bench/bench_build_query.py
	$(PY) bench/bench_ocr.py
	$(PY) bench/bench_compare.py
	$(PY) bench/bench_alerts.py
	$(PY) bench/bench_references.py

bench-load: $(STAMP)
	$(PY) bench/bench_load.py

# Cost against corpus size: 1x, 3x and 10x the UNGA set (bench/bench_scale.py; ~1 hour).
bench-scale: $(STAMP)
	$(PY) bench/bench_scale.py

eval: $(STAMP)
	$(PY) bench/eval.py

# Never touches data: the index, originals, store and audit log live in $(DATA).
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Deletes the data directory (index, originals, store, audit log, staff accounts) after asking.
clean-data:
	@printf "Delete %s: the index, every original file, the store, the audit log and staff accounts? [y/N] " "$(DATA)"; \
	read answer; [ "$$answer" = y ] && rm -rf "$(DATA)" && echo "deleted $(DATA)" || echo "kept $(DATA)"
