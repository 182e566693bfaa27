#!/usr/bin/env bash
# Benchmarks: generates the data, runs each case beside its peer where there is one, and prints one
# Markdown table (the README quotes it). Not part of the test suite: run it on a quiet machine.
#
#   scripts/bench.sh              every case
#   scripts/bench.sh ldif plan    only the cases whose file names contain these words
#
# Each case is a script in scripts/bench.d/ that prints table rows:
#   | work | dirsync | peer (same run) | target |
# Data is generated under .bench/ (git-ignored) and reused between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup
swift build -c release -q
export DIRSYNC_BIN="$(swift build -c release --show-bin-path)/dirsync"
export BENCH_DIR="$PWD/.bench"
export MEASURE="$PWD/scripts/lib/measure.py"
mkdir -p "$BENCH_DIR"

echo "| work | dirsync | peer (same run) | target |"
echo "|---|---|---|---|"
for case in scripts/bench.d/*.sh; do
    name=$(basename "$case" .sh)
    if [ $# -gt 0 ]; then
        wanted=no
        for word in "$@"; do [[ "$name" == *"$word"* ]] && wanted=yes; done
        [ "$wanted" = yes ] || continue
    fi
    bash "$case"
done
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(swift --version 2>&1 | head -1); $(date -u +%Y-%m-%d)."
