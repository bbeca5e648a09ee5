#!/usr/bin/env bash
# state's set+get round trip (SQLite, WAL, the 0.6 codec) against json.encode+decode of the
# same value in the same run (scripts/bench/state_bench.lua). RSS for the 64 MB value too.
source "$(dirname "$0")/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/env time -f '{"benchmark":"state","peak_rss_mb":%M}' .build/release/storescript run --state-dir "$dir" scripts/bench/state_bench.lua 2>&1 \
  | sed -E 's/"peak_rss_mb":([0-9]+)/"peak_rss_mb":\1 KB/'
