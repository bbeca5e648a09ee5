#!/usr/bin/env bash
# `bc.catalog.products.all{limit = 250}` over 3,000 products with 100 ms added to every answer,
# against the same pages fetched by hand with async.map (concurrency 8), in the same run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
port=${PORT:-8979}
start_sandbox "$port" --products 3000 --rate-limit off --latency 100ms
BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="http://127.0.0.1:$port/stores/sandbox" \
  .build/release/storescript run scripts/bench/all_pages.lua
