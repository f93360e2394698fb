# The two entry points of the README: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint

$(BIN)/esgflow: pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "esgflow needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m esgflow.prefect_db >/dev/null  # Prefect's migrated empty database, copied into each new home
	touch $@

demo: $(BIN)/esgflow
	$(BIN)/esgflow demo

lint: $(BIN)/esgflow
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(BIN)/esgflow
	scripts/system-packages
	$(MAKE) lint
	$(BIN)/pytest
