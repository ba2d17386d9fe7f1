PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs what the server runs, `make test` adds the development tools.
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test bench install install-dev lock clean lint

$(RUNTIME): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(RUNTIME)

$(DEV): $(RUNTIME) requirements-dev.lock
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $(DEV)

install: $(RUNTIME)

install-dev: $(DEV)

run: $(RUNTIME)
	$(BIN)/eventos migrate
	exec $(BIN)/eventos serve

test: $(DEV)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(RUNTIME)
	$(BIN)/eventos bench --scale full

# Re-pin after changing pyproject.toml: resolve in a scratch venv, runtime first, then the dev extras.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e .
	.lock-venv/bin/python -m pip freeze --exclude-editable | sed '1i # Pinned runtime dependencies (what `make run` and production install); regenerate with `make lock`.' > requirements.lock
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -vxFf requirements.lock \
		| sed '1i # Pinned development dependencies, installed by `make test` on top of requirements.lock.\n-r requirements.lock' > requirements-dev.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
