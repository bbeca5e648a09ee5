#!/usr/bin/env bash
# --plan and apply (issue 21) against a sandbox standing in for the real store: about 5,000
# variants, 100 ms added to every answer, the Standard plan's quota (150 requests per 30 s).
# The plan reads the variants (pages of 250) and keeps the 50-a-batch price updates; it is
# timed, and so is the gap between the script's end and the plan on stdout. Then, in a fresh
# window, apply sends the batches (in order, one at a time: a plan's writes are a sequence),
# checking each batch's rows are as planned with reads made ahead while earlier writes are
# out. Its time against the bound for its writes: W writes one after another under the
# quota, (ceil(W/150) - 1) x 30 s of whole windows plus the last window's writes x 100 ms;
# and against the same writes sent by a bare HTTP client (the store's own time for them).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
port=${PORT:-8979}
start_sandbox "$port" --products "${PRODUCTS:-3800}" --rate-limit 150/30s --latency 100ms
root="http://127.0.0.1:$port"
work=$(mktemp -d)
export BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="$root/stores/sandbox" HOME="$work"
count() { curl -s -H "X-Auth-Token: bench" "$root/__sandbox/log" | python3 -c "import json,sys; print(sum(1 for e in json.load(sys.stdin) if $1))"; }
curl -s -H "X-Auth-Token: bench" -X DELETE -o /dev/null "$root/__sandbox/log"

t0=$(date +%s.%N)
.build/release/storescript run --plan --plan-out "$work/prices.plan" scripts/bench/plan_prices.lua > "$work/plan.txt" 2> "$work/plan.err"
t1=$(date +%s.%N)
script_end=$(awk '/script_end/ {print $2}' "$work/plan.err")
variants=$(awk '/^variants/ {print $2}' "$work/plan.err")
reads=$(count 'e["method"] == "GET"')
planned_writes=$(python3 -c "import json; print(len(json.load(open('$work/prices.plan'))['writes']))")

sleep 31  # a fresh window for apply
curl -s -H "X-Auth-Token: bench" -X DELETE -o /dev/null "$root/__sandbox/log"
t2=$(date +%s.%N)
.build/release/storescript apply "$work/prices.plan" 2> "$work/apply.err"
t3=$(date +%s.%N)
requests=$(count 'True')
limited=$(count 'e["status"] == 429')

# The baseline: the same writes sent one after another by a bare HTTP client (no checks, no
# journal) in a fresh window: what the store itself takes for them.
sleep 31
raw=$(python3 - "$work/prices.plan" "$root/stores/sandbox" <<'PY'
import json, sys, time, urllib.request
plan, base = json.load(open(sys.argv[1])), sys.argv[2]
t = time.time()
for w in plan["writes"]:
    req = urllib.request.Request(base + w["path"], data=json.dumps(w["body"]).encode(), method=w["method"],
                                 headers={"X-Auth-Token": "bench", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
print(time.time() - t)
PY
)
python3 - "$t0" "$t1" "$script_end" "$t2" "$t3" "$variants" "$reads" "$planned_writes" "$requests" "$limited" "$raw" <<'PY'
import json, math, sys
t0, t1, end, t2, t3 = map(float, sys.argv[1:6])
variants, reads, writes, requests, limited = map(int, sys.argv[6:11])
raw = float(sys.argv[11])
windows = math.ceil(writes / 150) - 1
bound = windows * 30 + (writes - windows * 150) * 0.1
print(json.dumps({"benchmark": "plan", "variants": variants, "plan_s": round(t1 - t0, 2), "reads": reads,
                  "plan_printed_after_script_s": round(t1 - end, 3), "planned_writes": writes,
                  "apply_s": round(t3 - t2, 2), "apply_requests": requests, "apply_429s": limited,
                  "apply_quota_bound_s": round(bound, 1), "apply_ratio": round((t3 - t2) / bound, 3),
                  "raw_writes_s": round(raw, 2), "apply_vs_raw": round((t3 - t2) / raw, 3)}))
PY
