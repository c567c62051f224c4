# Two entry points for a fresh machine (see README): `make demo` and `make test`.
# Everything installs into ./.venv from the package registries; nothing global is touched.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install clean

demo: install
	$(BIN)/akhbar demo

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -ra

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	# pywb (the interop tests' replayer) pins an old redis-py: its own venv, driven by this pip
	$(PYTHON) -m venv --without-pip $(VENV)/pywb
	$(BIN)/pip --python $(VENV)/pywb/bin/python install -q --group pywb
	touch $@

clean:
	rm -rf $(VENV) akhbar-data .pytest_cache
