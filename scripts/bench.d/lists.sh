#!/usr/bin/env bash
# Lists: load every list file from scratch, and a new SDN snapshot with its diff.
set -euo pipefail
.venv/bin/dualcheck bench load --json bench-results/lists-load.json
