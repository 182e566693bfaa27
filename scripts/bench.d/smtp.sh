#!/usr/bin/env bash
# SMTP delivery to the local test server (aiosmtpd, scripts/smtp-server): messages per second for
# `dirsync outbox deliver` of 1,000 queued invitations, with one connection for the batch and with a new
# connection per message, plain and with STARTTLS. The peer is Python's smtplib sending the same messages
# to the same server with the same connection policy. Each figure includes marking every message sent in
# the store (one SQLite transaction each, synchronous = FULL).
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${DIRSYNC_BIN:?run through scripts/bench.sh}" "${BENCH_DIR:?}" "${MEASURE:?}"
count=${SMTP_BENCH_MESSAGES:-1000}
work="$BENCH_DIR/smtp"
rm -rf "$work"
mkdir -p "$work"

if ! scripts/smtp-server status; then
    scripts/smtp-server start 2>/dev/null
    trap 'scripts/smtp-server stop 2>/dev/null' EXIT
fi
state="${DIRSYNC_SMTP_SERVER_DIR:-$PWD/.smtp-server}"
venv_python="${DIRSYNC_SMTP_VENV:-$PWD/.venv-smtp}/bin/python"
ca_file="$state/cert.pem"

# A listener of the test server's: prints its port.
listener() {
    python3 - "$state/server.json" "$1" <<'PY'
import json, socket, sys
control = json.load(open(sys.argv[1]))["control_port"]
with socket.create_connection(("127.0.0.1", control)) as s:
    s.sendall((sys.argv[2] + "\n").encode())
    print(json.loads(s.makefile().readline())["port"])
PY
}

config() { # config FILE SMTP_URL EXTRA_LINES...
    local file=$1 url=$2
    shift 2
    {
        printf 'organization: { name: "Bench Corp" }\nstore: dirsync.sqlite\nmail:\n'
        printf '  smtp: %s\n  from: "Bench Corp <no-reply@acme.com>"\n' "$url"
        printf '  accept_url: "https://sign.acme.com/accept?token={token}"\n'
        for line in "$@"; do printf '  %s\n' "$line"; done
    } >"$file"
}

# Queue $count invitations while the server is down (a listener that refuses connections), so they wait.
down=$(listener '{"open_after": 3600}')
(cd "$work" && "$DIRSYNC_BIN" init --org "Bench Corp" --seats $((count + 10)) --owner ada@acme.com >/dev/null)
config "$work/queue.yaml" "smtp://127.0.0.1:$down" "starttls: off" "retry: { reconnect_for: 0s }"
for ((start = 0; start < count; start += 50)); do
    batch=$(seq "$start" $((start + 49 < count - 1 ? start + 49 : count - 1)) | sed 's/.*/user&@acme.com/' | paste -sd, -)
    (cd "$work" && "$DIRSYNC_BIN" invitations send "$batch" --role member --config queue.yaml >/dev/null 2>&1)
done
cp "$work/dirsync.sqlite" "$work/queued.sqlite"

# The same messages for the peer, as the server received them.
sample=$(listener '{}')
cp "$work/queued.sqlite" "$work/dirsync.sqlite"
config "$work/sample.yaml" "smtp://127.0.0.1:$sample" "starttls: off"
(cd "$work" && "$DIRSYNC_BIN" outbox deliver --config sample.yaml >/dev/null 2>&1)
mkdir -p "$work/peer"
cp "$state/messages/$sample"/*.eml "$work/peer/"

row() { # row LABEL PER_CONNECTION STARTTLS(off|required) TARGET
    local label=$1 per=$2 tls=$3 target=$4 port extra=() peer_flags=()
    if [ "$tls" = required ]; then
        port=$(listener '{"starttls": "require"}')
        extra=("starttls: required" "ca_file: $ca_file")
        peer_flags=(--starttls "$ca_file")
    else
        port=$(listener '{}')
        extra=("starttls: off")
    fi
    config "$work/run.yaml" "smtp://127.0.0.1:$port" "${extra[@]}" "messages_per_connection: $per"
    cp "$work/queued.sqlite" "$work/dirsync.sqlite"
    rm -f "$work/dirsync.sqlite-wal" "$work/dirsync.sqlite-shm"
    local measured wall rate peer
    measured=$(cd "$work" && python3 "$MEASURE" -- "$DIRSYNC_BIN" outbox deliver --config run.yaml 2>/dev/null | tail -1)
    wall=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall_s"])' "$measured")
    received=$(ls "$state/messages/$port" | grep -c '\.eml$')
    [ "$received" -eq "$count" ] || { echo "smtp bench: the server received $received of $count" >&2; exit 1; }
    rate=$(python3 -c "print(round($count / $wall))")
    peer_port=$(listener "$([ "$tls" = required ] && echo '{"starttls": "require"}' || echo '{}')")
    peer=$("$venv_python" scripts/lib/smtp_peer.py "$peer_port" "$work/peer" "$per" "${peer_flags[@]}")
    echo "| $label | $rate msg/s | $peer msg/s (Python smtplib) | $target |"
}

row "SMTP to local aiosmtpd, $count messages, one connection (reuse)" 10000 off "≥ 200 msg/s"
row "SMTP to local aiosmtpd, $count messages, a connection per message" 1 off "—"
row "SMTP + STARTTLS to local aiosmtpd, $count messages, one connection (reuse)" 10000 required "≥ 200 msg/s"
row "SMTP + STARTTLS to local aiosmtpd, $count messages, a connection per message" 1 required "—"
