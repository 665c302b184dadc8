#!/usr/bin/env bash
# make bench, the OpenResty part (one nginx worker each):
# 1. the example app at 50 ms of added latency in the local server, on the
#    cosocket path and on the blocking libcurl path (wrk -c32): a blocked
#    worker serves one request at a time;
# 2. the app (bearer token, cosocket path) against nginx's own bound for
#    the same job: a plain proxy_pass of the same PATCH to the same upstream
#    over kept-alive connections (bench/nginx_proxy.conf), side by side in
#    one run with wrk -t1 -c16 -d4s; the upstream pinned to one core, the
#    front nginx and wrk to the other.  Prints each round and the median of
#    the rounds' ratios app / proxy_pass.
#   bash bench/openresty.sh       (SECONDS_EACH=N, ROUNDS=N to change the runs)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${SECONDS_EACH:-4}
ROUNDS=${ROUNDS:-5}
prefix=$(mktemp -d /tmp/atlas-proxy.XXXXXX)
app="" proxy=""
cleanup() {
  [ -n "$app" ] && kill -TERM "$app" 2>/dev/null || true
  [ -n "$proxy" ] && kill -TERM "$proxy" 2>/dev/null || true
  wait 2>/dev/null || true
  bash scripts/local-server.sh stop
  rm -rf "$prefix"
}
trap cleanup EXIT
eval "$(bash scripts/local-server.sh start)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
path=/projects/32b6e34b3d91647abb20e7b8/invitations/602eb7429955214668d5b025
# one core for the upstream, the other for the front nginx and wrk (when there are two)
cores=$(nproc)
up_core=0 front_core=$(( cores > 1 ? 1 : 0 ))
taskset -cp "$up_core" "$(cat build/local-server/pid)" >/dev/null

wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
run_app() { # transport
  ATLAS_TRANSPORT=$1 taskset -c "$front_core" examples/openresty/serve.sh "$port" 2>/dev/null &
  app=$!
  wait_for "http://127.0.0.1:$port/healthz"
  curl -s -o /dev/null -X PATCH --data '{"roles":["GROUP_OWNER"]}' "http://127.0.0.1:$port$path" # the handshake
}
stop_app() { kill -TERM "$app"; wait "$app" 2>/dev/null || true; app=""; }
rate() { # url wrk-options...
  local url=$1; shift
  taskset -c "$front_core" wrk "$@" -d"${SECONDS_EACH}s" -s bench/patch.lua "$url" | awk '/Requests\/sec/ { print $2 }'
}

# 1. latency: cosocket vs blocking libcurl (API keys: digest)
curl -s -X POST --data '{"ms": 50}' "$MONGODB_ATLAS_BASE_URL/__mock/latency" >/dev/null
run_app cosocket; cos=$(rate "http://127.0.0.1:$port$path" -t2 -c32); stop_app
run_app libcurl; blk=$(rate "http://127.0.0.1:$port$path" -t2 -c32); stop_app
curl -s -X POST --data '{"ms": 0}' "$MONGODB_ATLAS_BASE_URL/__mock/latency" >/dev/null
printf '%-60s %10s req/s\n' "openresty, 50 ms latency, cosocket path (wrk -t2 -c32)" "$cos" \
  "openresty, 50 ms latency, blocking libcurl path" "$blk"

# 2. the app against proxy_pass, bearer token for both
token=$(curl -s -u "$ATLAS_LOCAL_CLIENT_ID:$ATLAS_LOCAL_CLIENT_SECRET" -d grant_type=client_credentials \
  "$MONGODB_ATLAS_BASE_URL/api/oauth/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
export MONGODB_ATLAS_ACCESS_TOKEN=$token
pport=$(free_port)
mkdir -p "$prefix/tmp"
user=""
[ "$(id -u)" -eq 0 ] && user="user root;"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$pport|g" -e "s|@USER@|$user|g" -e "s|@TOKEN@|$token|g" \
    -e "s|@UPSTREAM_HOST@|$(echo "${MONGODB_ATLAS_BASE_URL#http://}" | cut -d: -f1)|g" \
    -e "s|@UPSTREAM_PORT@|$(echo "${MONGODB_ATLAS_BASE_URL#http://}" | cut -d: -f2)|g" \
    -e "s|@UPSTREAM@|${MONGODB_ATLAS_BASE_URL#http://}|g" bench/nginx_proxy.conf > "$prefix/nginx.conf"
taskset -c "$front_core" nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" &
proxy=$!
wait_for "http://127.0.0.1:$pport/"
# both answer the update itself (a wrong token would make the bound an error page)
for u in "http://127.0.0.1:$pport$path" "http://127.0.0.1:$pport/floor/x"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/json' --data '{"roles":["GROUP_OWNER"]}' "$u")
  [ "$code" = 200 ] || { echo "openresty.sh: $u answered $code" >&2; exit 1; }
done
run_app cosocket
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH --data '{"roles":["GROUP_OWNER"]}' "http://127.0.0.1:$port$path")
[ "$code" = 200 ] || { echo "openresty.sh: the app answered $code" >&2; exit 1; }
# Alternating rounds, each the app, proxy_pass and the hand-written handler
# back to back: the machine is shared, and a slow spell slows all three of
# a round alike, so the figure is the median of the rounds' own ratios
# (the best of each is printed too).
rounds="$prefix/rounds"
: > "$rounds"
for i in $(seq "$ROUNDS"); do
  a=$(rate "http://127.0.0.1:$port$path" -t1 -c16)
  p=$(rate "http://127.0.0.1:$pport$path" -t1 -c16)
  f=$(rate "http://127.0.0.1:$pport/floor/x" -t1 -c16)
  echo "$a $p $f" >> "$rounds"
  awk -v i="$i" -v a="$a" -v p="$p" -v f="$f" 'BEGIN {
    printf "  round %d: app %9.0f  proxy_pass %9.0f  hand-written %9.0f req/s   app / proxy_pass %.2fx\n", i, a, p, f, a / p }'
done
stop_app
requests=$(curl -s "$MONGODB_ATLAS_BASE_URL/__mock/stats" | sed 's/.*"requests":\([0-9]*\).*/\1/')
awk -v r="$requests" -v secs="$SECONDS_EACH" '
  { a[NR] = $1; p[NR] = $2; f[NR] = $3; ra[NR] = $1 / $2; rf[NR] = $3 / $2
    if ($1 > ba) ba = $1; if ($2 > bp) bp = $2; if ($3 > bf) bf = $3 }
  function median(x, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
    return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
  END {
    n = NR
    printf "%-60s %10.0f req/s\n", "openresty app, 0 ms, bearer, cosocket (wrk -t1 -c16 -d" secs "s, best)", ba
    printf "%-60s %10.0f req/s\n", "nginx proxy_pass, same PATCH, same upstream (keepalive)", bp
    printf "%-60s %10.0f req/s\n", "hand-written cosocket PATCH in a Lua handler (any Lua'"'"'s bound)", bf
    printf "%-60s %10.2fx   (best of each: %.2fx; %d upstream requests in all)\n", "app / proxy_pass (median of " n " rounds)", median(ra, n), ba / bp, r
    printf "%-60s %10.2fx\n", "hand-written Lua / proxy_pass (median of rounds)", median(rf, n) }' "$rounds"
