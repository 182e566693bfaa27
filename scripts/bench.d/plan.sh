#!/usr/bin/env bash
# plan: 100k vs 100k and 1M vs 1M (BENCH_PLAN_SIZES overrides), wall time and peak RSS; apply: 10,000
# invitations with the outbox mailer; the plans again with five profile fields mapped. No peer runs this work, so there is no peer column.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/lib/bench_plan.py plan ${BENCH_PLAN_SIZES:-100000 1000000}
python3 scripts/lib/bench_plan.py plan-profile ${BENCH_PLAN_SIZES:-100000 1000000}
python3 scripts/lib/bench_plan.py apply ${BENCH_APPLY_SIZES:-10000}
