#!/usr/bin/env bash
# Builds storescript and runs every test: Swift unit tests, then the CLI, REPL (real pty),
# plain-Lua equivalence and stdlib tests against the built binary. One build configuration
# (debug) serves both, so CI compiles the packages once.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/setup-tests.sh
swift build --build-tests
swift test --skip-build
STORESCRIPT_BIN="$PWD/.build/debug/storescript" python3 -m pytest -q Tests/cli
