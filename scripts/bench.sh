#!/usr/bin/env bash
# All benchmark commands whose figures go into the README; results land in bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m), Python $(.venv/bin/python -V 2>&1 | cut -d' ' -f2)"
for script in scripts/bench.d/*.sh; do
  [ -e "$script" ] || continue
  echo "== $script"
  bash "$script"
done
