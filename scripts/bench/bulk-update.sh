#!/usr/bin/env bash
# Bulk update under a rate limit: 5,000 product price changes against the sandbox with a
# quota of 150 requests per 3 s window and 100 ms added to every answer. The batch endpoint
# takes 10 products a request, so the job is 500 requests. The quota's lower bound is
# 500 / 150 x 3 s = 10 s; a stricter one counts whole windows: the 4th opens at 9 s, so no
# client finishes before 9.1 s. Runs storescript, then
# BigCommerce's official Python client (pip install bigcommerce) on the same sandbox, and
# counts the 429s each drew.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
python3 -c 'import bigcommerce' 2>/dev/null || pip install -q bigcommerce
port=${PORT:-8978}
n=5000
start_sandbox "$port" --products "$n" \
  --rate-limit 150/3s --latency 100ms
root="http://127.0.0.1:$port"

now() { date +%s.%N; }
# 429s in the sandbox's log since it was cleared; then clears it and lets the window expire.
count_429() { curl -s -H "X-Auth-Token: bench" "$root/__sandbox/log" | python3 -c 'import json,sys; print(sum(e["status"] == 429 for e in json.load(sys.stdin)))'; }
fresh() { curl -s -H "X-Auth-Token: bench" -X DELETE -o /dev/null "$root/__sandbox/log"; sleep 3.2; }

fresh
t0=$(now)
BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="$root/stores/sandbox" \
  .build/release/storescript run scripts/bench/bulk_update.lua "$n"
t1=$(now)
ours_429=$(count_429)

fresh
t2=$(now)
python3 scripts/bench/bulk_update_official.py "$port" "$n" || echo "official client failed" >&2
t3=$(now)
theirs_429=$(count_429)

python3 - "$t0" "$t1" "$t2" "$t3" "$ours_429" "$theirs_429" <<'PY'
import json, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
ours, theirs = t1 - t0, t3 - t2
bound = 500 / 150 * 3.0     # the quota's lower bound
strict = 3 * 3.0 + 0.1      # whole windows: the 4th opens at 9 s, plus one answer's latency
print(json.dumps({"benchmark": "bulk-update", "requests": 500, "lower_bound_s": bound, "strict_bound_s": strict,
                  "storescript_s": round(ours, 2), "storescript_vs_bound": round(ours / bound, 3),
                  "storescript_vs_strict_bound": round(ours / strict, 3),
                  "storescript_429s": int(sys.argv[5]),
                  "official_python_s": round(theirs, 2), "official_vs_storescript": round(theirs / ours, 2),
                  "official_python_429s": int(sys.argv[6])}))
PY
