#!/usr/bin/env bash
# PostgreSQL: the 100k plan on a PostgreSQL store beside the same plan on SQLite (BENCH_PG_PLAN_SIZES
# overrides), and the agent pool: 1,000 organizations × 1,000 users reconciled by 1, 2 and 4 agents
# (BENCH_POOL="ORGS USERS AGENTS..." overrides). On a throw-away cluster (scripts/postgres) of its own,
# stopped by PID when the case ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DIRSYNC_POSTGRES_DIR="$BENCH_DIR/postgres"
trap 'scripts/postgres stop >/dev/null 2>&1 || true' EXIT
scripts/postgres start 2>/dev/null
python3 scripts/lib/bench_postgres.py plan ${BENCH_PG_PLAN_SIZES:-100000}
python3 scripts/lib/bench_postgres.py pool ${BENCH_POOL:-1000 1000 1 2 4}
