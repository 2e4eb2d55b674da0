#!/usr/bin/env bash
# The test command behind `make test` and `.ci/run`. pytest's "no tests collected" (exit 5) is a failure here.
set -uo pipefail
export DO_NOT_TRACK=1 DAGSTER_DISABLE_TELEMETRY=1 PYTHONUNBUFFERED=1
mkdir -p test-artifacts
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
$UV run --group dev pytest "$@" --junitxml=test-artifacts/junit.xml
status=$?
if [ "$status" -eq 5 ]; then
  echo "run_tests: pytest collected no tests — treating as failure" >&2
  exit 1
fi
exit "$status"
