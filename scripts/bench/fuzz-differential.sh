#!/usr/bin/env bash
# Differential fuzzing, the long run: random Lua programs (Tests/fuzz/luagen.py) under lua5.4
# and under storescript (release build), outputs compared. BENCHMARKS.md records the last run.
#   scripts/bench/fuzz-differential.sh [COUNT] [START]
source "$(dirname "$0")/lib.sh"
count=${1:-10000}
start=${2:-1}
begin=$(date +%s)
python3 Tests/fuzz/differential.py --binary .build/release/storescript --count "$count" --start "$start"
status=$?
echo "seconds: $(( $(date +%s) - begin ))"
exit $status
