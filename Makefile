# Two entry points: `make run` (demo) and `make test` (everything CI checks).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install sysdeps lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: $(STAMP)
	SCRIPTRUNNER_HOME=$${SCRIPTRUNNER_HOME:-$(CURDIR)/.demo-home} $(PY) examples/demo.py

# Debian packages the tests use; installed only when root and missing.
sysdeps:
	@if [ "$$(id -u)" = 0 ]; then \
	  if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  fi; \
	else echo "not root: skipping Debian packages (postgresql)"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src/scriptrunner

pytest: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider --cov=scriptrunner --cov-report=term --cov-fail-under=85 -n 2 tests

test: sysdeps $(STAMP) lint typecheck pytest

bench: $(STAMP)
	$(PY) bench/runner_overhead.py

clean:
	rm -rf $(VENV) .demo-home .coverage* htmlcov
