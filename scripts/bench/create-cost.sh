#!/usr/bin/env bash
# The cost of a product create as the store grows: 300 creates (each checks the name and SKU
# are unique) in a sandbox of 1,000 products against the same in one of 100,000, same run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
time_creates() {
  local port=$1 products=$2
  start_sandbox "$port" --products "$products" --rate-limit off
  BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="http://127.0.0.1:$port/stores/sandbox" \
    .build/release/storescript run scripts/bench/create_cost.lua
  kill "$sandbox_pid" 2>/dev/null; wait "$sandbox_pid" 2>/dev/null || true
}
small=$(time_creates "${PORT:-8981}" 1000)
large=$(time_creates "$(( ${PORT:-8981} + 1 ))" 100000)
python3 -c "print('{\"benchmark\":\"create-cost\",\"ms_per_create_1000\":$small,\"ms_per_create_100000\":$large,\"ratio\":%.2f}' % ($large / $small))"
