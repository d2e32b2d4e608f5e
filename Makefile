# The two commands of the README (`make demo`, `make test`) and the developer targets.
# Everything they need is created here: the Python .venv and the devnet's node_modules.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_DIR := resources/devnet
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test test-python test-contracts bench lint clean

demo: $(PY_STAMP) $(NODE_STAMP)
	QT_QPA_PLATFORM= $(VENV)/bin/arbiter-app demo

test: $(PY_STAMP) $(NODE_STAMP)
	cd $(NODE_DIR) && npm test
	$(PY) -m pytest

bench: $(PY_STAMP) $(NODE_STAMP)
	$(PY) -m tests.bench

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check arbiter_app tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules

$(PY_STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund
	touch $@
