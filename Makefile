# The two commands of the README (`make demo`, `make test`) and the developer targets.
# Everything they need is created here: the Python .venv and the devnet's node_modules.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_DIR := resources/devnet
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
LOCK := requirements.lock
NODE_MAJOR := 20
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test test-python test-contracts bench screenshots lint clean node-check lock package \
	desktop-tools

demo: node-check $(PY_STAMP) $(NODE_STAMP)
	QT_QPA_PLATFORM= $(VENV)/bin/arbiter-app demo

test: node-check $(PY_STAMP) $(NODE_STAMP) desktop-tools
	cd $(NODE_DIR) && npm test
	$(PY) -m pytest

bench: $(PY_STAMP) $(NODE_STAMP)
	$(PY) -m tests.bench

# Every window and dialog rendered offscreen into docs/screenshots/ (look at each one).
screenshots: $(PY_STAMP)
	$(PY) -m tests.screenshots

lint: $(PY_STAMP)
	$(VENV)/bin/ruff check arbiter_app tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules build dist

# Said before anything is installed: the devnet and the contract tests run on Node.
NODE_NEEDED := Node.js $(NODE_MAJOR) or newer, with npm, is needed for the devnet and the tests
node-check:
	@command -v node >/dev/null && command -v npm >/dev/null || \
		{ echo "$(NODE_NEEDED): node or npm is not on PATH"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] < $(NODE_MAJOR) ? 1 : 0)' || \
		{ echo "$(NODE_NEEDED); this node is $$(node --version)"; exit 1; }

# The validators of the installed desktop files: small Debian packages, added as root only.
DESKTOP_TOOLS := desktop-file-utils appstream
desktop-tools:
	@command -v desktop-file-validate >/dev/null && command -v appstreamcli >/dev/null || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		{ apt-get install -y -qq $(DESKTOP_TOOLS) || \
		{ apt-get update -qq && apt-get install -y -qq $(DESKTOP_TOOLS); }; } >/dev/null 2>&1; } || \
		echo "desktop-file-validate or appstreamcli is missing: their checks will be skipped"

# The PyInstaller one-folder bundle in dist/arbiter-app (built with the locked versions).
package: $(PY_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/arbiter-app.spec

# Refresh the lock: the app and PyInstaller resolved afresh in a clean venv.
lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet --upgrade pip
	build/lock-venv/bin/pip install --quiet '.[bundle]'
	{ grep '^#' $(LOCK); build/lock-venv/bin/pip freeze --exclude arbiter-app; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)

$(PY_STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c $(LOCK)
	touch $@

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund
	touch $@
