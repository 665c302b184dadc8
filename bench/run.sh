#!/usr/bin/env bash
# make bench: the client against the local Atlas server, under Lua 5.4 and
# LuaJIT, and the curl CLI doing the same update for comparison (a new
# process and a fresh digest handshake per call: 2 requests each).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
trap 'bash scripts/local-server.sh stop' EXIT
eval "$(bash scripts/local-server.sh start)"
url=$MONGODB_ATLAS_BASE_URL
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;" lua5.4 bench/update.lua "$url" "$N"
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/luajit/?.so;;" luajit bench/update.lua "$url" "$N"

M=$((N / 10))
before=$(curl -s "$url/__mock/stats" | sed 's/.*"requests":\([0-9]*\).*/\1/')
start=$(date +%s.%N)
for _ in $(seq "$M"); do
  curl -s -o /dev/null --digest -u "$MONGODB_ATLAS_PUBLIC_API_KEY:$MONGODB_ATLAS_PRIVATE_API_KEY" -X PATCH \
    -H 'Accept: application/vnd.atlas.2023-01-01+json' -H 'Content-Type: application/vnd.atlas.2023-01-01+json' \
    --data '{"roles":["GROUP_OWNER"]}' "$url/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/invites/602eb7429955214668d5b025"
done
end=$(date +%s.%N)
after=$(curl -s "$url/__mock/stats" | sed 's/.*"requests":\([0-9]*\).*/\1/')
awk -v n="$M" -v s="$start" -v e="$end" -v r="$((after - before))" \
  'BEGIN { printf "%-28s %6d calls  %8.0f calls/s  %6.1f us/call  %.3f requests/call\n", "curl CLI --digest", n, n/(e-s), (e-s)/n*1e6, r/n }'
# Batches: 1,000 updates at 20 ms latency, loop vs concurrency 16; peak RSS of 10,000 calls
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;" lua5.4 bench/batch.lua "$url" 1000 10000
# The rest start servers of their own (scripts/local-server.sh keeps one at a time)
bash scripts/local-server.sh stop
trap - EXIT
# Access as code: an org of 1,000 people, 30 projects, 20 teams (its own server and fixture: bench/org_fixture.lua)
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;" lua5.4 bench/access.lua
# The read model, who and the access review with 50 API keys and 20 service accounts beside them: requests
# against the formula, client CPU, the review's five formats (its own server and fixture; both VMs)
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;" lua5.4 bench/identities.lua
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/luajit/?.so;;" luajit bench/identities.lua
# Instructions per call against raw libcurl in C (callgrind: counts, not seconds)
bash bench/callgrind.sh
bash bench/openresty.sh
