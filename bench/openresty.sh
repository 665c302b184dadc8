#!/usr/bin/env bash
# make bench, the OpenResty part: requests per second through the example
# app (one nginx worker) with wrk -c 32, at 50 ms of added latency in the
# local server, on the cosocket path and on the blocking libcurl path; then
# at 0 ms, the app against a bare `return 200` location (nginx's bound).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${SECONDS_EACH:-5}
trap 'bash scripts/local-server.sh stop; kill -TERM $app 2>/dev/null || true' EXIT
eval "$(bash scripts/local-server.sh start)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
path=/projects/32b6e34b3d91647abb20e7b8/invitations/602eb7429955214668d5b025

run_app() { # transport
  ATLAS_TRANSPORT=$1 examples/openresty/serve.sh "$port" 2>/dev/null &
  app=$!
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  curl -s -o /dev/null -X PATCH --data '{"roles":["GROUP_OWNER"]}' "http://127.0.0.1:$port$path" # the handshake
}
stop_app() { kill -TERM "$app"; wait "$app" 2>/dev/null || true; }
rate() { # url [script]
  wrk -t2 -c32 -d"${SECONDS_EACH}s" ${2:+-s "$2"} "$1" | awk '/Requests\/sec/ { print $2 }'
}

curl -s -X POST --data '{"ms": 50}' "$MONGODB_ATLAS_BASE_URL/__mock/latency" >/dev/null
run_app cosocket; cos=$(rate "http://127.0.0.1:$port$path" bench/patch.lua); stop_app
run_app libcurl; blk=$(rate "http://127.0.0.1:$port$path" bench/patch.lua); stop_app
curl -s -X POST --data '{"ms": 0}' "$MONGODB_ATLAS_BASE_URL/__mock/latency" >/dev/null
run_app cosocket; fast=$(rate "http://127.0.0.1:$port$path" bench/patch.lua); noop=$(rate "http://127.0.0.1:$port/noop"); stop_app
printf '%-52s %10s req/s\n' "openresty, 50 ms latency, cosocket path (wrk -c32)" "$cos" \
  "openresty, 50 ms latency, blocking libcurl path" "$blk" \
  "openresty, 0 ms latency, cosocket path" "$fast" \
  "openresty, return 200 location (nginx bound)" "$noop"
