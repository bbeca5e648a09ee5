#!/usr/bin/env bash
# The `--profiles` relay: one store printing a single line of 1, 16, 64 and 256 MB, relayed
# whole, against the same run without --profiles (its output straight to /dev/null). The
# relay is linear when the extra time grows with the line's size, not with its square.
# Prints one JSON line per size: both medians, the relay's extra milliseconds per MB.
source "$(dirname "$0")/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '[profiles.one]\nstore_hash = "h"\naccess_token = "t"\n' > "$dir/config.toml"
chmod 600 "$dir/config.toml"
export STORESCRIPT_CONFIG="$dir/config.toml"
for mb in 1 16 64 256; do
  code="io.write(string.rep('x', $mb * 1024 * 1024), '\\n')"
  hyperfine -N --warmup 1 --runs "${RUNS:-5}" --export-json "$dir/$mb.json" --output=null \
    ".build/release/storescript run -e \"$code\"" ".build/release/storescript run --profiles one -e \"$code\"" >/dev/null
  python3 - "$dir/$mb.json" "$mb" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
mb = int(sys.argv[2])
alone, relayed = r[0]["median"] * 1000, r[1]["median"] * 1000
print(json.dumps({"benchmark": "relay", "line_mb": mb, "alone_ms": round(alone, 1), "relayed_ms": round(relayed, 1),
                  "extra_ms_per_mb": round((relayed - alone) / mb, 2)}))
PY
done
