# customer360 — the commands a newcomer needs. Everything runs through uv with the committed uv.lock.
SHELL := /bin/bash
export DO_NOT_TRACK := 1
export DAGSTER_DISABLE_TELEMETRY := 1
# Installed packages are byte-compiled once at install: every process (a run, a test's subprocess) then loads
# them instead of compiling them again, which it would do each time where PYTHONDONTWRITEBYTECODE is set.
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export C360_DATA_DIR ?= $(CURDIR)/data
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
CUSTOMERS ?= 2000
SEED ?= 7
RUN_DATE ?= $(shell TZ=$${C360_TIMEZONE:-Asia/Shanghai} date +%F)

.PHONY: help install install-dev install-bench install-spark demo demo-spark dev test test-spark test-fast lint format bench bench-linkage bench-ingest bench-review bench-scale bench-spark review docs clean

help:
	@echo "make demo   - install, generate sample data, run the nightly job once, print the figures"
	@echo "make dev    - Dagster UI on http://127.0.0.1:3000 with the job ready to run"
	@echo "make test   - the whole test suite (what CI runs, with make test-spark)"
	@echo "make demo-spark / test-spark / bench-spark - the same on Spark (local[2]; C360_SPARK_MASTER)"
	@echo "make bench  - benchmarks (linkage vs recordlinkage/Splink, ingestion throughput)"
	@echo "make docs   - dbt docs on http://127.0.0.1:8080"
	@echo "make review - clerical review page on http://127.0.0.1:8765 (C360_REVIEW_ROLE=steward to see data in clear)"

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen
	@mkdir -p $(DAGSTER_HOME) && cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# The default install is what running needs; tests and benchmarks add their groups on top (--inexact keeps both).
install-dev: install
	@$(UV) sync --frozen --inexact --group dev

install-bench: install
	@$(UV) sync --frozen --inexact --group bench

demo: install
	@$(UV) run customer360 sample --out $(C360_DATA_DIR) --customers $(CUSTOMERS) --seed $(SEED)
	@$(UV) run customer360 run --date $(RUN_DATE)

# Spark: pyspark + dbt-spark (dependency group `spark`) and Java 17 (tests/system_deps.sh).
install-spark: install
	@bash tests/system_deps.sh
	@$(UV) sync --frozen --inexact --group spark

demo-spark: install-spark
	@$(UV) run --frozen --group spark customer360 sample --out $(C360_DATA_DIR) --customers $(CUSTOMERS) --seed $(SEED)
	@C360_ENGINE=spark C360_SPARK_MASTER=$${C360_SPARK_MASTER:-local[2]} $(UV) run --frozen --group spark customer360 run --date $(RUN_DATE)

dev: install
	@$(UV) run dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

test: install-dev
	@bash tests/system_deps.sh
	@bash tests/run_tests.sh -m "not spark"

test-spark: install-spark install-dev
	@mkdir -p test-artifacts
	@C360_REQUIRE_SPARK=1 DO_NOT_TRACK=1 DAGSTER_DISABLE_TELEMETRY=1 $(UV) run --frozen --group dev --group spark \
		pytest -m spark --junitxml=test-artifacts/junit-spark.xml

lint: install-dev
	@$(UV) run ruff check . && $(UV) run ruff format --check .

format: install-dev
	@$(UV) run ruff check --fix . && $(UV) run ruff format .

bench: bench-linkage bench-ingest

bench-linkage: install-bench
	@$(UV) run python bench/linkage.py

bench-spark: install-spark
	@$(UV) run --frozen --group spark --group bench python bench/spark_linkage.py $(BENCH_SPARK_ARGS)

bench-ingest: install-bench
	@$(UV) run python bench/ingest.py

bench-review: install-bench
	@$(UV) run python bench/review.py

review: install
	@$(UV) run customer360 review

bench-scale: install-bench  ## 150k customers: full night, 1% night, empty night, Splink (long)
	@$(UV) run python bench/scale.py

docs: install
	@cd dbt_project && $(UV) run dbt docs generate --profiles-dir . && $(UV) run dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs
