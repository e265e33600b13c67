# casework's set-up commands. `make demo` runs the app; `make test` runs every check CI runs.

PY ?= $(shell command -v python3.13 || pyenv which python3.13 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; pip runs again only when pyproject.toml is newer.
STAMP := $(VENV)/.installed

.PHONY: demo test check lint types migrations-check pytest install clean

demo: $(STAMP)
	$(BIN)/casework demo

test: lint types migrations-check pytest

check: test

install: $(STAMP)

$(BIN)/python:
	@test -n "$(PY)" || { echo "Python 3.13 not found: install it (pyenv install 3.13) or pass PY=..."; exit 1; }
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

migrations-check: $(STAMP)
	$(BIN)/casework makemigrations --check --dry-run

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
pytest: $(STAMP)
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
