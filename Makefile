# Every target creates .venv first (Python 3.11 + make is all a fresh machine needs).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA ?= var/data

.PHONY: serve test lint bench bench-load eval index clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# Build the index from the shipped corpus if it is missing, then serve it.
index: $(STAMP)
	@test -e $(DATA)/CURRENT || $(PY) index.py build --corpus corpus --index $(DATA) || test $$? -eq 1

serve: index
	$(PY) index.py serve --index $(DATA)

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	$(PY) bench/bench_build_query.py
	$(PY) bench/bench_compare.py

bench-load: $(STAMP)
	$(PY) bench/bench_load.py

eval: $(STAMP)
	$(PY) bench/eval.py

clean:
	rm -rf $(VENV) var
