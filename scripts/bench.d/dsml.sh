#!/usr/bin/env bash
# DSML v2 reader throughput and memory on generated files (200,000 and 20,000 users).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/lib/bench_readers.py dsml
