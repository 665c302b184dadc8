#!/usr/bin/env bash
# The whole test suite: lint, then the busted specs under Lua 5.4 and under
# LuaJIT, then (unless QUICK=1) the suite again under ASan/UBSan and under
# valgrind, and a short run of each fuzzer.  Each phase's results are counted; the last line is
#   N passed, N failed
# and the exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Counts a TAP stream from busted: "ok N", "not ok N".  A run that dies
# before printing its plan counts as one failure.
count_tap() {
  local name=$1 file=$2 rc=$3 ok bad
  ok=$(grep -c '^ok ' "$file")
  bad=$(grep -c '^not ok ' "$file")
  if ! grep -q '^1\.\.[0-9]' "$file" || { [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
    echo "$name: the run did not complete (exit $rc); its output:"; tail -40 "$file"
    bad=$((bad + 1))
  elif [ "$bad" -gt 0 ]; then
    grep -A12 '^not ok ' "$file" | head -150
  fi
  echo "$name: $ok passed, $bad failed"
  passed=$((passed + ok)); failed=$((failed + bad))
}

phase() { # name, then the command producing TAP
  local name=$1; shift
  local file="$out/${name//[^a-zA-Z0-9]/_}.tap" rc
  echo "== $name"
  "$@" >"$file" 2>"$file.err"; rc=$?
  cat "$file.err" | grep -v '^$' | head -20
  count_tap "$name" "$file" "$rc"
}

echo "== luacheck"
if luacheck --no-color -q lua spec examples bench bin/atlas-admin 2>&1; then
  echo "luacheck: 1 passed, 0 failed"; passed=$((passed + 1))
else
  echo "luacheck: 0 passed, 1 failed"; failed=$((failed + 1))
fi

# The rockspec must build offline and install every module of lua/.
echo "== luarocks make"
tree=$(mktemp -d)
if luarocks --lua-version=5.4 --tree "$tree" make --deps-mode=none atlas-admin-*.rockspec >"$out/luarocks.log" 2>&1 \
   && [ -f "$tree/lib/lua/5.4/atlas_admin/core.so" ] \
   && diff <(cd lua && find . -name '*.lua' | sort) <(cd "$tree/share/lua/5.4" && find . -name '*.lua' | sort) \
   && [ -x "$tree/bin/atlas-admin" ] \
   && LUA_PATH="$tree/share/lua/5.4/?.lua;$tree/share/lua/5.4/?/init.lua;;" LUA_CPATH="$tree/lib/lua/5.4/?.so;;" \
      lua5.4 -e 'assert(require("atlas_admin").client)'; then
  echo "luarocks make: 1 passed, 0 failed"; passed=$((passed + 1))
else
  tail -20 "$out/luarocks.log"; echo "luarocks make: 0 passed, 1 failed"; failed=$((failed + 1))
fi
rm -rf "$tree"

# make dist's binary rocks (into a scratch dir): each installs with --deps-mode=none into an empty
# tree, and require "atlas_admin" and atlas-admin --help run from there, on Lua 5.4 and LuaJIT.
phase "dist" bash scripts/dist.sh --check

phase "busted lua5.4" busted -o TAP
phase "busted luajit" busted --run=jit -o TAP

if [ "${QUICK:-0}" != 1 ]; then
  phase "busted lua5.4 asan+ubsan" bash scripts/sanitize.sh asan-tap
  phase "busted lua5.4 valgrind" bash scripts/sanitize.sh valgrind-tap
  # A short run of each libFuzzer harness (make fuzz runs them longer).
  echo "== fuzz (${FUZZ_CHECK_SECONDS:-10} s each)"
  bash scripts/fuzz.sh "${FUZZ_CHECK_SECONDS:-10}" >"$out/fuzz.log" 2>&1
  grep -v ': [0-9]* passed, [0-9]* failed$' "$out/fuzz.log" | tail -40
  ok=$(grep -c ': 1 passed, 0 failed$' "$out/fuzz.log")
  bad=$(grep -c ': 0 passed, 1 failed$' "$out/fuzz.log")
  [ $((ok + bad)) -eq 4 ] || bad=$((4 - ok))
  echo "fuzz: $ok passed, $bad failed"
  passed=$((passed + ok)); failed=$((failed + bad))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
