#!/usr/bin/env bash
# SCIM client: decode throughput from recorded pages (users per second of dirsync's CPU, beside Python's
# json.loads of the same pages), and a full listing of a real scim2-server against the server's own time for
# the same requests. BENCH_SCIM_USERS (default 10000) users are loaded; the decode run serves 5 copies of
# their recorded pages (ids and addresses made unique), so 50,000 users.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/lib/bench_scim.py
