# chainrule: every target makes its own virtual environment in .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HYPOTHESIS_PROFILE ?= ci

.PHONY: system demo test notebooks-test fuzz bench notebook lint clean site serve

# Python >= 3.11 with venv and Graphviz's dot: installed with apt-get when possible, else explained.
system:
	@scripts/ensure-system-packages $(PYTHON)

$(PY): | system
	@echo "Creating the virtual environment $(VENV) and upgrading its pip"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# One stamp per extra, so a target installs only what it needs and only once per pyproject change.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	@echo "Installing chainrule with its '$*' extra into $(VENV) (a minute the first time): $$($(PY) -c 'import tomllib; print(", ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["$*"]))')"
	$(PY) -m pip install -q -e ".[$*]"
	touch $@

demo: system $(VENV)/.installed-demo
	$(PY) -m demo

# The test command: build the site, which executes every notebook (a cell that raises fails the
# build), then the unit, property, browser and site tests (tests/project/test_site.py checks each
# notebook's page and its outputs). Each notebook runs once.
test: system $(VENV)/.installed-dev site
	@scripts/ensure-system-packages $(PYTHON) --with-browser
	$(PY) -m pytest --hypothesis-profile=$(HYPOTHESIS_PROFILE) tests

# Every notebook under pytest (nbmake), without building the site.
notebooks-test: $(VENV)/.installed-dev
	$(PY) -m pytest --nbmake --nbmake-timeout=300 notebooks

fuzz: $(VENV)/.installed-dev
	$(PY) -m pytest --hypothesis-profile=fuzz tests

bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks

# Jupyter refuses to start as root unless told --allow-root (containers often run as root).
notebook: $(VENV)/.installed-notebooks
	$(VENV)/bin/jupyter notebook $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# The course site in site/: the guide (README's sections), the API reference, the notebooks executed
# with their outputs, the browser pages and the playground (Pyodide and viz-js from npm, the wheel
# built here). Rebuilds are incremental (build/site-src, build/jupyter-cache).
site: system $(VENV)/.installed-docs node_modules/.package-lock.json
	$(PY) docs/site/build.py

node_modules/.package-lock.json: package.json package-lock.json
	@scripts/ensure-system-packages $(PYTHON) --with-node
	npm ci --ignore-scripts --no-audit --no-fund

SITE_PORT ?= 8000
serve: site
	@echo "The course site: http://127.0.0.1:$(SITE_PORT)/ (the playground: http://127.0.0.1:$(SITE_PORT)/playground/; Ctrl+C stops)"
	$(PY) -m http.server $(SITE_PORT) --bind 127.0.0.1 --directory site

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check autograd nn tests benchmarks demo.py
	$(VENV)/bin/mypy
	$(PY) -m pytest -q tests/project/test_architecture.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .mypy_cache .ruff_cache site build node_modules
