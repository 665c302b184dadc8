#!/usr/bin/env bash
# make demo: start the local Atlas server, run the examples against it with
# the fixture's API keys (exported as the official tools' variables), stop
# the server.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'bash scripts/local-server.sh stop' EXIT
eval "$(bash scripts/local-server.sh start)"
echo "local Atlas server at $MONGODB_ATLAS_BASE_URL"
export LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua54/?.so;;"
for example in update_invitation list_invitations add_role remove_role dry_run_curl; do
  echo
  echo "### examples/$example.lua"
  lua5.4 "examples/$example.lua"
done
echo
echo "### bin/atlas-admin invitations update --from-file examples/bulk/changes.csv"
bin/atlas-admin invitations update --project 32b6e34b3d91647abb20e7b8 --from-file examples/bulk/changes.csv -o table
echo
echo "### bin/atlas-admin access list"
bin/atlas-admin access list --project 32b6e34b3d91647abb20e7b8 -o table
echo
echo "### examples/batch_update.lua"
lua5.4 examples/batch_update.lua
for example in onboard offboard; do
  echo
  echo "### examples/$example.lua"
  lua5.4 "examples/$example.lua"
done
echo
echo "### bin/atlas-admin who"
bin/atlas-admin who --org 4888442a3354817a7320eb61 --project 32b6e34b3d91647abb20e7b8 -o table --quiet
