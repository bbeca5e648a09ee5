#!/usr/bin/env bash
# The sandbox must never be what limits a benchmark: wrk on loopback against a release
# build with rate limits off and 10,000 products. GET by id (target >= 5,000 req/s) and a
# page of 250 products (target >= 200 req/s). wrk shares the 2 cores with the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product storescript >/dev/null
port=${PORT:-8977}
.build/release/storescript sandbox serve --port "$port" --token bench --rate-limit off --products 10000 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/__sandbox/faults" && break; sleep 0.2; done
base="http://127.0.0.1:$port/stores/sandbox/v3/catalog/products"
by_id=$(wrk -t2 -c32 -d10s -H 'X-Auth-Token: bench' "$base/5000" | awk '/Requests\/sec/ {print $2}')
page=$(wrk -t2 -c16 -d10s -H 'X-Auth-Token: bench' "$base?limit=250&page=7" | awk '/Requests\/sec/ {print $2}')
echo "{\"benchmark\":\"sandbox\",\"get_by_id_rps\":$by_id,\"page_of_250_rps\":$page}"
