#!/usr/bin/env bash
# Callbacks a listener takes per second (issue 22; target >= 2,000/s): wrk posts sample
# events (each a new one) for 10 s to `storescript listen` (release build), every one kept
# durably (SQLite, WAL, synchronous FULL) before its 200. Baseline in the same run: the same
# listener answering GET /health, which keeps nothing (the HTTP stack's own ceiling). Then
# how fast its handlers (empty) drain what was taken. wrk shares the 2 cores with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product storescript >/dev/null
port=${PORT:-8986}
work=$(mktemp -d)
export HOME="$work" STORESCRIPT_CONFIG="$work/none.toml"
.build/release/storescript listen --port "$port" --state-dir "$work/state" --concurrency 64 scripts/bench/listen_handlers.lua 2> "$work/listen.err" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
export SECRET=$(python3 -c "import sqlite3; print(sqlite3.connect('$work/state/events.db').execute(\"SELECT value FROM meta WHERE key='secret'\").fetchone()[0])")
health=$(wrk -t2 -c64 -d10s "http://127.0.0.1:$port/health" | awk '/Requests\/sec/ {print $2}')
posted=$(wrk -t2 -c64 -d10s -s scripts/bench/listen_post.lua "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}')
count() { python3 -c "import sqlite3; print(sqlite3.connect('$work/state/events.db').execute(\"SELECT COUNT(*) FROM events WHERE state $1\").fetchone()[0])"; }
taken=$(count "IS NOT NULL")
t0=$(date +%s.%N)
while [ "$(count "!= 'done'")" != 0 ]; do sleep 0.2; done
t1=$(date +%s.%N)
python3 - "$health" "$posted" "$taken" "$t0" "$t1" <<'PY'
import json, sys
health, posted, taken, t0, t1 = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print(json.dumps({"benchmark": "listen", "health_rps": round(health), "callbacks_rps": round(posted),
                  "durable_vs_health": round(posted / health, 3), "events_taken": taken,
                  "drained_after_wrk_s": round(t1 - t0, 2)}))
PY
