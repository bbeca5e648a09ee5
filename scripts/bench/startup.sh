#!/usr/bin/env bash
# Start-up: `storescript run empty.lua` against `lua5.4 empty.lua`, same machine, same run.
# Prints hyperfine's table and the ratio of medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product storescript >/dev/null
empty=$(mktemp --suffix=.lua)
out=$(mktemp --suffix=.json)
trap 'rm -f "$empty" "$out"' EXIT
hyperfine -N --warmup 10 --runs "${RUNS:-200}" --export-json "$out" \
  ".build/release/storescript run $empty" "lua5.4 $empty"
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ours, lua = r[0]["median"] * 1000, r[1]["median"] * 1000
print(f'{{"benchmark":"startup","storescript_median_ms":{ours:.2f},"lua_median_ms":{lua:.2f},"ratio":{ours / lua:.2f}}}')
PY
