#!/usr/bin/env bash
# Installs every system package storescript needs to build, test and benchmark.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  pkg-config
  liblua5.4-dev   # the embedded Lua 5.4 (linked dynamically so C modules load)
  lua5.4          # the reference interpreter the plain-Lua tests compare against (and luac5.4)
  lua-cjson       # a Debian Lua C module the require tests load (and the JSON baseline)
  lua-lpeg        # another C module for the require tests
  libedit-dev     # REPL line editing and history
  libsqlite3-dev  # GRDB (local state, persistent sandbox)
  zlib1g-dev      # the sandbox reads the files of uploaded theme zips
  hyperfine       # start-up benchmark
  wrk             # HTTP load baseline for the sandbox benchmarks
  curl            # Lua tests read the sandbox's log with it
  openssl         # the TLS test makes its own CA and server certificate
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test tools from PyPI: pytest drives the CLI tests, pexpect the REPL through a pty, requests
# talks to the sandbox, PyYAML reads the OpenAPI files for the generator, schemathesis fuzzes
# the sandbox against them, cryptography makes certificates with another X.509 stack (OpenSSL),
# bigcommerce is the official Python client, run unchanged against the sandbox.
python3 - <<'PY' || python3 -m pip install -q pytest pexpect pyyaml requests schemathesis cryptography bigcommerce
import shutil, pexpect, pytest, yaml, requests, cryptography, bigcommerce  # noqa: F401
assert shutil.which("schemathesis")
PY
echo "setup: ready"
