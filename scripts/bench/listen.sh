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

# Handlers that call the API: each event one GET, against a sandbox with a quota of 20
# requests per 2 s. 100 events need 5 windows: the bound is 4 x 2 s; the drain's time against
# it says whether the quota or the listener sets the pace.
kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
sport=$((port + 1))
.build/release/storescript sandbox serve --port "$sport" --token bench --rate-limit 20/2s >/dev/null &
spid=$!
trap 'kill $pid $spid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf -H "X-Auth-Token: bench" -o /dev/null "http://127.0.0.1:$sport/__sandbox/faults" && break; sleep 0.1; done
cat > "$work/api_handlers.lua" <<'LUA'
on("store/product/updated", function(event) bc.catalog.products.get(event.data.id) end)
LUA
BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="http://127.0.0.1:$sport/stores/sandbox" \
  .build/release/storescript listen --port "$port" --state-dir "$work/state2" "$work/api_handlers.lua" 2>/dev/null &
pid=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
python3 - "$work/state2/events.db" "$port" <<'PY'
import json, math, sqlite3, sys, time, urllib.request
db, port = sys.argv[1], sys.argv[2]
secret = sqlite3.connect(db).execute("SELECT value FROM meta WHERE key='secret'").fetchone()[0]
t0 = time.time()
for i in range(100):
    body = json.dumps({"scope": "store/product/updated", "data": {"type": "product", "id": i % 50 + 1}, "hash": f"p{i}", "created_at": i}).encode()
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/", data=body, method="POST",
                           headers={"Content-Type": "application/json", "X-Storescript-Secret": secret})).read()
while sqlite3.connect(db).execute("SELECT COUNT(*) FROM events WHERE state != 'done'").fetchone()[0]:
    time.sleep(0.05)
drain = time.time() - t0
bound = (math.ceil(100 / 20) - 1) * 2
print(json.dumps({"benchmark": "listen_quota", "events": 100, "quota": "20/2s", "drained_s": round(drain, 2),
                  "quota_bound_s": bound, "ratio": round(drain / bound, 3)}))
PY
