# Sourced by the benchmarks: a release build, and a sandbox on loopback for the run.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
swift build -c release --static-swift-stdlib --product storescript >/dev/null

# start_sandbox PORT [serve options...]: serves until the script exits; waits until it answers.
start_sandbox() {
  local port=$1
  shift
  .build/release/storescript sandbox serve --port "$port" --token bench "$@" >/dev/null &
  sandbox_pid=$!
  trap 'kill $sandbox_pid 2>/dev/null' EXIT
  for _ in $(seq 100); do curl -sf -H "X-Auth-Token: bench" -o /dev/null "http://127.0.0.1:$port/__sandbox/faults" && return; sleep 0.2; done
  echo "the sandbox did not start on port $port" >&2
  exit 1
}
