# One entry point for everything. Each target installs what it needs first.
PYTHON_BOOTSTRAP ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?=
RUN_ARGS ?=
SHARED_DATA ?= ../shared/data

export PYTHONHASHSEED ?= 0

.PHONY: install browser web train-sentiment train-translation export serve bench bench-quick test test-slow lint format clean

install: $(STAMP)

# The stamp depends on the lock file, so changing a pin reinstalls. The last step installs
# the project itself (editable, no dependencies: the lock has them), which puts
# rnn-sentiment, rnn-translate, rnn-serve, rnn-edge and rnn-bench into $(VENV)/bin.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## Train the sentiment classifier (default: the embedded corpus; DATA=path for your own).
train-sentiment: $(STAMP)
	$(BIN)/rnn-sentiment train $(if $(DATA),--data $(DATA),) $(RUN_ARGS)

## Train the Spanish -> English translator (default: the embedded corpus; DATA=path for yours).
train-translation: $(STAMP)
	$(BIN)/rnn-translate train $(if $(DATA),--data $(DATA),) $(RUN_ARGS)

## Export the latest finished run of each app: saved_models/<app>/<version>/ (TF Serving
## SavedModel + warmup + tflite/ phone models). EXPORT_ARGS=--no-xla, --compare-latency, ...
EXPORT_ARGS ?=
export: $(STAMP)
	$(PY) -m apps.export_all $(EXPORT_ARGS)

## Serve saved_models/ with TF Serving's REST API on http://127.0.0.1:8501 (demo page at /;
## /?mode=on-device runs the sentiment phone model in the browser with LiteRT.js).
SERVE_ARGS ?=
serve: $(STAMP) web
	$(BIN)/rnn-serve $(SERVE_ARGS)

## Benchmarks on $(SHARED_DATA) -> BENCHMARKS.md (tables + benchmarks/plots/*.png). Hours on
## 2 cores; BENCH_ARGS="--translation-run spa-eng=runs/translation/..." reuses a trained model.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/rnn-bench --data-dir $(SHARED_DATA) $(BENCH_ARGS)

## A few minutes: small slices and short training -> bench_runs/BENCHMARKS-quick.md.
bench-quick: $(STAMP)
	$(BIN)/rnn-bench --quick --data-dir $(SHARED_DATA) $(BENCH_ARGS)

## Headless Chromium + ChromeDriver from Debian, for the demo-page browser test.
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver
browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	echo "installing Debian's chromium and chromium-driver (browser test of the demo page)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver; } || \
	{ echo "error: could not install chromium chromium-driver (apt-get, as root or with sudo)" >&2; exit 2; }

## LiteRT.js for the demo page's on-device mode (npm, pinned by web/package-lock.json; rnn-serve
## serves it from web/node_modules, no CDN), and node for the JavaScript tokenizer's test.
WEB_STAMP := web/node_modules/.installed
web: $(WEB_STAMP)
$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	echo "installing Debian's nodejs and npm (LiteRT.js for the demo page, its JavaScript test)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -qq nodejs npm >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nodejs npm; } || \
	{ echo "error: could not install nodejs npm (apt-get, as root or with sudo)" >&2; exit 2; }; }
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

## Fast suite: tiny models, made-up data, no downloads (~minutes). Two pytest-xdist workers
## take whole test files (module fixtures built once; session ones, such as the tiny runs,
## once per worker); TEST_WORKERS=0 runs it in one process. The 15 slowest tests are listed
## at the end, so a suite creeping past ~10 minutes shows where the time went.
TEST_WORKERS ?= 2
test: $(STAMP) browser web
	$(PY) -m pytest -m "not slow" -q -n $(TEST_WORKERS) --dist loadfile --durations=15

## Slow tests: real data on $(SHARED_DATA) (skipped with a reason when absent), and the
## default model trained as `make train-sentiment` does, judged on everyday sentences, and
## multi-worker training with real worker processes on loopback (tests/shared/training/test_multi_worker.py).
test-slow: $(STAMP)
	SHARED_DATA=$(SHARED_DATA) $(PY) -m pytest -m slow -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
