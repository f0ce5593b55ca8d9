# The two set-up commands are `make demo` and `make test`; each builds .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test worker bench translations clean

# The demo and a local worker are development runs: without MALL_SECRET_KEY they keep a generated
# key in instance/secret_key, and the session cookie works over plain http.
demo worker: export MALL_ENV ?= development

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d mall/translations -D messages >/dev/null

demo: $(STAMP) translations
	mkdir -p instance
	$(FLASK) db upgrade heads
	MALL_BASE_URL=$${MALL_BASE_URL:-http://$(HOST):$(PORT)} $(FLASK) mall demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	MALL_BASE_URL=$${MALL_BASE_URL:-http://$(HOST):$(PORT)} $(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: $(STAMP)
	$(FLASK) mall worker

# Benchmarks on PostgreSQL (MALL_BENCH_DATABASE_URL, default the local server's mall_bench database).
bench: $(STAMP)
	$(BIN)/python bench/checkout.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/push.py


clean:
	rm -rf $(VENV) instance/mall.db tests/artifacts
