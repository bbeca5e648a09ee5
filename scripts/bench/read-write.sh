#!/usr/bin/env bash
# Read all, write all under a quota: 5,000 products read (20 pages of 250) and written back
# (500 batches of 10) with a quota of 150 requests per 3 s window and 100 ms added to every
# answer. The quota's lower bound for the 520 requests, from the first: 520 / 150 x 3 s = 10.4 s.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
port=${PORT:-8980}
start_sandbox "$port" --products 5000 --rate-limit 150/3s --latency 100ms
root="http://127.0.0.1:$port"
sleep 3.2   # a fresh window
read -r seconds n < <(BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="$root/stores/sandbox" \
  .build/release/storescript run scripts/bench/read_write.lua)
four29=$(curl -s -H "X-Auth-Token: bench" "$root/__sandbox/log" | python3 -c 'import json,sys; print(sum(e["status"] == 429 for e in json.load(sys.stdin)))')
python3 -c "
import json; s = float('$seconds'); bound = 520 / 150 * 3.0
print(json.dumps({'benchmark': 'read-write', 'products': $n, 'requests': 520, 'lower_bound_s': bound,
                  'storescript_s': round(s, 2), 'vs_bound': round(s / bound, 3), 'storescript_429s': $four29}))"
