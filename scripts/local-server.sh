#!/usr/bin/env bash
# Starts the local Atlas server on a free loopback port in the background
# and prints `export` lines for its URL and the fixture API keys.
#   eval "$(scripts/local-server.sh start)"   ...   scripts/local-server.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
state=build/local-server
case "${1:-start}" in
  start)
    mkdir -p "$state"
    rm -f "$state/url"
    build/atlas-local-server --port 0 --quiet --fixtures server/fixtures/default.json \
      --url-file "$state/url" >/dev/null 2>"$state/log" &
    echo $! > "$state/pid"
    for _ in $(seq 100); do [ -s "$state/url" ] && break; sleep 0.05; done
    [ -s "$state/url" ] || { echo "local server did not start; see $state/log" >&2; exit 1; }
    echo "export MONGODB_ATLAS_BASE_URL=$(cat "$state/url")"
    echo "export MONGODB_ATLAS_PUBLIC_API_KEY=abcdefgh"
    echo "export MONGODB_ATLAS_PRIVATE_API_KEY=0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b"
    # The fixture's service account, under names of our own: exporting
    # MONGODB_ATLAS_CLIENT_ID would make client_from_env prefer it.
    echo "export ATLAS_LOCAL_CLIENT_ID=mdb_sa_id_6529e1d8c9f8f12c0e2a8f11"
    echo "export ATLAS_LOCAL_CLIENT_SECRET=mdb_sa_sk_q3v8x1z5c7b9n2m4k6j8h0g2f4d6s8a0"
    ;;
  stop)
    [ -f "$state/pid" ] && kill "$(cat "$state/pid")" 2>/dev/null || true
    rm -f "$state/pid" "$state/url"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
