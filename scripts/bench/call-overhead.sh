#!/usr/bin/env bash
# A call from Lua into a Swift function that does no I/O, against the same function in C
# (CLuaShim) and in Lua, 10 million calls each, best of 5 rounds, one process.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product storescript-bench >/dev/null
.build/release/storescript-bench call-overhead "${1:-10000000}"
