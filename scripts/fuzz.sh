#!/usr/bin/env bash
# Runs each libFuzzer harness (built by make fuzz-build) for SECONDS
# (default 60), starting from its seed corpus in fuzz/corpus/<name>.  The
# inputs a run discovers stay under build/fuzz/corpus (not committed); a
# crash leaves its input in build/fuzz/artifacts and fails the run (turn it
# into a regression spec).  Prints "fuzz <name>: 1 passed, 0 failed" per
# harness, which scripts/check.sh counts.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-60}}
status=0
mkdir -p build/fuzz/artifacts
for name in token_json lua_core headers server_digest; do
  work=build/fuzz/corpus/$name
  mkdir -p "$work"
  cp -n fuzz/corpus/$name/* "$work"/ 2>/dev/null || true
  log=build/fuzz/$name.log
  if ATLAS_ADMIN_LUA=$PWD/lua ASAN_OPTIONS=detect_leaks=1 build/fuzz/$name -max_total_time="$seconds" \
       -max_len=4096 -timeout=10 -artifact_prefix=build/fuzz/artifacts/$name- "$work" >"$log" 2>&1; then
    echo "fuzz $name: $(grep -o 'Done [0-9]* runs' "$log" | tail -1) in ${seconds}s"
    echo "fuzz $name: 1 passed, 0 failed"
  else
    tail -30 "$log"
    echo "fuzz $name: 0 passed, 1 failed"
    status=1
  fi
done
exit $status
