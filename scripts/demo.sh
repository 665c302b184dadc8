#!/usr/bin/env bash
# make demo: start the local Atlas server, run the example against it with
# the fixture's API keys, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'bash scripts/local-server.sh stop' EXIT
eval "$(bash scripts/local-server.sh start)"
echo "local Atlas server at $MONGODB_ATLAS_BASE_URL"
echo
LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;" lua5.4 examples/update_invitation.lua
