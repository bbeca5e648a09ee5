#!/usr/bin/env bash
# Start-up: `storescript run -e ''` against `lua5.4 -e ''`, same machine, same run, the binary
# as built and stripped as scripts/install.sh installs it. Prints hyperfine's table, then one
# JSON line: the sizes, the medians and the ratios against lua5.4.
# BEFORE=PATH adds another storescript binary (an earlier build) to the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product storescript >/dev/null
built=.build/release/storescript
stripped=$(mktemp)
out=$(mktemp --suffix=.json)
trap 'rm -f "$stripped" "$out"' EXIT
strip -o "$stripped" "$built"
commands=("$built run -e ''" "$stripped run -e ''" "lua5.4 -e ''")
if [ -n "${BEFORE:-}" ]; then commands=("$BEFORE run -e ''" "${commands[@]}"); fi
hyperfine -N --warmup 20 --runs "${RUNS:-300}" --export-json "$out" "${commands[@]}"
python3 - "$out" "$built" "$stripped" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))["results"]
lua = r[-1]["median"]
line = {"benchmark": "startup", "lua_median_ms": round(lua * 1000, 2),
        "built_mb": round(os.path.getsize(sys.argv[2]) / 1e6, 1), "stripped_mb": round(os.path.getsize(sys.argv[3]) / 1e6, 1)}
for x in r[:-1]:
    name = "before" if len(r) == 4 and x is r[0] else ("stripped" if sys.argv[3] in x["command"] else "built")
    line[f"{name}_median_ms"] = round(x["median"] * 1000, 2)
    line[f"{name}_ratio"] = round(x["median"] / lua, 2)
print(json.dumps(line))
PY
