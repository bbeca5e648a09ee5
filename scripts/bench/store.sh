#!/usr/bin/env bash
# The sandbox's store at scale (issue 20), measured against a baseline binary in the same run:
# BASELINE=path/to/storescript (the 0.6.0 build, whose store kept rows in memory by path) runs
# the same steps. For each: seconds to seed 100,000 products (until the port answers), the
# server's resident memory, GET /v3/catalog/products/{id} (wrk -t2 -c32 10 s), and a filtered,
# sorted page of 50 (price between 20 and 40, by price, wrk -t1 -c1 5 s: its mean latency).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
products=${PRODUCTS:-100000}

measure() {
  local name=$1 bin=$2 port=$3
  local start end pid rss byid page latency
  start=$(date +%s.%N)
  "$bin" sandbox serve --port "$port" --token bench --rate-limit off --products "$products" >/dev/null &
  pid=$!
  until curl -sf -H "X-Auth-Token: bench" -o /dev/null "http://127.0.0.1:$port/__sandbox/faults"; do sleep 0.1; done
  end=$(date +%s.%N)
  local base="http://127.0.0.1:$port/stores/sandbox/v3/catalog/products"
  curl -sf -H "X-Auth-Token: bench" -o /dev/null "$base?limit=1"
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  byid=$(wrk -t2 -c32 -d10s -H 'X-Auth-Token: bench' "$base/$((products / 2))" | awk '/Requests\/sec/ {print $2}')
  page=$(wrk -t1 -c1 -d5s -H 'X-Auth-Token: bench' "$base?price:min=20&price:max=40&sort=price&limit=50" | awk '/Requests\/sec/ {print $2}')
  latency=$(awk -v r="$page" 'BEGIN { printf "%.3f", 1000 / r }')
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  printf '{"benchmark":"store","store":"%s","products":%d,"seed_s":%.2f,"rss_mb":%.1f,"get_by_id_rps":%s,"filtered_page_ms":%s}\n' \
    "$name" "$products" "$(echo "$end - $start" | bc)" "$(echo "$rss / 1024" | bc -l)" "$byid" "$latency"
}

if [ -n "${BASELINE:-}" ]; then measure baseline "$BASELINE" 8981; fi
measure sqlite .build/release/storescript 8982
