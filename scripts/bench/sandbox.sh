#!/usr/bin/env bash
# The sandbox must never be what limits a benchmark: wrk on loopback against a release
# build with rate limits off and 10,000 products. GET by id (target >= 5,000 req/s) and a
# page of 250 products (target >= 200 req/s). wrk shares the 2 cores with the server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
port=${PORT:-8977}
start_sandbox "$port" --rate-limit off --products 10000
base="http://127.0.0.1:$port/stores/sandbox/v3/catalog/products"
by_id=$(wrk -t2 -c32 -d10s -H 'X-Auth-Token: bench' "$base/5000" | awk '/Requests\/sec/ {print $2}')
page=$(wrk -t2 -c16 -d10s -H 'X-Auth-Token: bench' "$base?limit=250&page=7" | awk '/Requests\/sec/ {print $2}')
echo "{\"benchmark\":\"sandbox\",\"get_by_id_rps\":$by_id,\"page_of_250_rps\":$page}"
