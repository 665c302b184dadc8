#!/usr/bin/env bash
# make soak: the soak run against a fresh local server (not part of make check).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
trap 'bash scripts/local-server.sh stop' EXIT
eval "$(bash scripts/local-server.sh start)"
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;" lua5.4 bench/soak.lua "$MONGODB_ATLAS_BASE_URL" "$N"
