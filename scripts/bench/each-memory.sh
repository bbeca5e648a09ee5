#!/usr/bin/env bash
# Memory of `each`: peak RSS of a script iterating 10,000 and then 100,000 sandbox products
# (pages of 250, the next fetched ahead). The sandbox runs in its own process, so only the
# script's memory is measured. Target: 100,000 within 1.2x of 10,000.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
port=${PORT:-8976}
start_sandbox "$port" --rate-limit off --products 100000
run() {
  BIGCOMMERCE_STORE_HASH=sandbox BIGCOMMERCE_ACCESS_TOKEN=bench BIGCOMMERCE_API_URL="http://127.0.0.1:$port/stores/sandbox" \
    .build/release/storescript run scripts/bench/each_memory.lua "$1"
}
small=$(run 10000)
large=$(run 100000)
python3 -c "import json; a, b = $small, $large; print(json.dumps({'benchmark': 'each-memory', 'peak_rss_kb_10k': a, 'peak_rss_kb_100k': b, 'ratio': round(b / a, 3)}))"
