#!/usr/bin/env bash
# groups: group resolution at scale, 1M AD users and 5,000 nested groups (BENCH_GROUP_SIZES overrides),
# members in group entries vs memberOf: plan wall time and peak RSS, with the parse time of the same file.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/lib/bench_groups.py ${BENCH_GROUP_SIZES:-1000000}
