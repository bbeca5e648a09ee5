#!/usr/bin/env bash
# Installs the system packages storescript needs to build and run (what only the tests and
# benchmarks need is scripts/setup-tests.sh, which scripts/test.sh runs). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib-apt.sh

apt_install \
  pkg-config \
  liblua5.4-dev `# the embedded Lua 5.4 (linked dynamically so C modules load)` \
  libedit-dev `# REPL line editing and history` \
  libsqlite3-dev `# GRDB: the state module, the persistent sandbox` \
  zlib1g-dev `# the sandbox reads the files of uploaded theme zips`
echo "setup: ready to build"
