#!/usr/bin/env bash
# Installs what the tests and benchmarks need besides scripts/setup.sh. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib-apt.sh

apt_install \
  lua5.4 `# the reference interpreter the plain-Lua tests compare against (and luac5.4)` \
  lua-cjson `# a Debian Lua C module the require tests load (and the JSON baseline)` \
  lua-lpeg `# another C module for the require tests` \
  hyperfine `# start-up benchmark` \
  wrk `# HTTP load baseline for the sandbox benchmarks` \
  curl `# Lua tests read the sandbox's log with it` \
  jq `# the README's examples pipe storescript call into it` \
  openssl `# the TLS test makes its own CA and server certificate` \
  lua-check `# luacheck, run with the standard storescript docs --format luacheck writes` \
  time `# GNU time: a run's peak memory, in the state test and the state benchmark`

# Test tools from PyPI: pytest drives the CLI tests, pexpect the REPL through a pty, requests
# talks to the sandbox, PyYAML reads the OpenAPI files for the generator, schemathesis fuzzes
# the sandbox against them, cryptography makes certificates with another X.509 stack (OpenSSL),
# bigcommerce is the official Python client and bigc an independent one, both run unchanged
# against the sandbox.
python3 - <<'PY' || python3 -m pip install -q pytest pexpect pyyaml requests schemathesis cryptography bigcommerce bigc==1.1.0
import shutil, pexpect, pytest, yaml, requests, cryptography, bigcommerce, bigc  # noqa: F401
assert shutil.which("schemathesis")
PY
echo "setup: ready to test"
