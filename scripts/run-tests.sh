#!/usr/bin/env bash
# The whole test suite. pytest's exit code 5 (no tests collected) is a failure here: a run
# that ran no test must not pass.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
workers="${DUALCHECK_TEST_WORKERS:-2}"
scripts/with-postgres.sh .venv/bin/python -m pytest -n "$workers" --dist loadgroup "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests; failing" >&2
  exit 1
fi
exit "$rc"
