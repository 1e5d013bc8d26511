# dualcheck: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install bench lint load clean

$(STAMP): pyproject.toml constraints.txt
	scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,bench,spark]'
	touch $(STAMP)

# the screening hot path is compiled (setup.py); recompile it when its source changes
COMPILED_SOURCES := $(wildcard src/dualcheck/screening/*.py) src/dualcheck/_compiled.py setup.py
COMPILED_STAMP := $(VENV)/.compiled-stamp

$(COMPILED_STAMP): $(STAMP) $(COMPILED_SOURCES)
	$(BIN)/python setup.py -q build_ext --inplace
	touch $(COMPILED_STAMP)

install: $(STAMP) $(COMPILED_STAMP)

## make run: install, migrate, load the reference data, serve on 127.0.0.1:8000
run: install
	$(BIN)/dualcheck db upgrade
	$(BIN)/dualcheck setup --missing-ok
	$(BIN)/dualcheck serve --host 127.0.0.1 --port 8000

## make test: the whole suite, on SQLite and PostgreSQL (started here if none runs)
test: install
	scripts/run-tests.sh

load: install
	$(BIN)/dualcheck db upgrade
	$(BIN)/dualcheck setup

bench: install
	scripts/bench.sh

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
