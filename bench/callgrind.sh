#!/usr/bin/env bash
# Instructions per call (valgrind's callgrind: counts, not seconds, so the
# figure repeats on a busy machine): the module's update_invitation_by_id
# against raw libcurl in C doing the same PATCH (bench/raw_libcurl.c), with
# API keys (digest) and with a bearer token.  Each figure is
# (instructions of a 400-call run - those of a 100-call run) / 300, so
# start-up and the first handshake cancel out; then the same over 1,500
# calls (see the end).  The local server answers.
#   bash bench/callgrind.sh          (make bench runs it; CALLGRIND_QUICK=1: the 300-call window only)
set -euo pipefail
cd "$(dirname "$0")/.."
cc -O2 -o build/raw_libcurl bench/raw_libcurl.c $(pkg-config --libs libcurl)
trap 'bash scripts/local-server.sh stop; rm -rf "$out"' EXIT
out=$(mktemp -d)
eval "$(bash scripts/local-server.sh start)"
url=$MONGODB_ATLAS_BASE_URL
key=$MONGODB_ATLAS_PUBLIC_API_KEY secret=$MONGODB_ATLAS_PRIVATE_API_KEY
token=$(curl -s -u "$ATLAS_LOCAL_CLIENT_ID:$ATLAS_LOCAL_CLIENT_SECRET" -d grant_type=client_credentials \
  "$url/api/oauth/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;"

instructions() { # output name, command...
  local name=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out/$name" "$@" >/dev/null 2>&1
  awk '/^summary:/{print $2}' "$out/$name"
}
# per_call NAME HI PROGRAM... (the program takes URL N then its auth
# arguments; N is inserted): (I(HI calls) - I(100 calls)) / (HI - 100)
per_call() {
  local name=$1 hi=$2 prog=$3; shift 3
  local auth=("$@") a b
  a=$(instructions "$name-100" $prog "$url" 100 "${auth[@]}")
  b=$(instructions "$name-$hi" $prog "$url" "$hi" "${auth[@]}")
  echo $(( (b - a) / (hi - 100) ))
}
report() { # HI
  local hi=$1 raw_digest raw_bearer mod_digest mod_bearer
  raw_digest=$(per_call raw-digest "$hi" build/raw_libcurl digest "$key" "$secret")
  raw_bearer=$(per_call raw-bearer "$hi" build/raw_libcurl bearer "$token")
  mod_digest=$(per_call mod-digest "$hi" "lua5.4 bench/calls.lua" digest "$key" "$secret")
  mod_bearer=$(per_call mod-bearer "$hi" "lua5.4 bench/calls.lua" bearer "$token")
  echo "instructions per call (callgrind, (I$hi - I100) / $((hi - 100)); bash bench/callgrind.sh):"
  printf "  %-36s %9d\n" "raw libcurl in C, digest" "$raw_digest" "raw libcurl in C, bearer" "$raw_bearer"
  awk -v m="$mod_digest" -v r="$raw_digest" 'BEGIN { printf "  %-36s %9d  (%.2fx raw, +%d)\n", "this module, digest", m, m / r, m - r }'
  awk -v m="$mod_bearer" -v r="$raw_bearer" 'BEGIN { printf "  %-36s %9d  (%.2fx raw, +%d)\n", "this module, bearer", m, m / r, m - r }'
}
report 400
# Lua 5.4's generational collector runs a minor collection every few dozen
# calls, each a lump of ~250,000 instructions: a 300-call window holds one
# more or one fewer of them by chance (about 1,000 per call either way).
# A 1,500-call window averages that out.
[ -n "${CALLGRIND_QUICK:-}" ] || report 1600
