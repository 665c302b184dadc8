#!/usr/bin/env bash
# Runs the example OpenResty app in the foreground: Debian's nginx with its
# Lua module, a private temporary prefix, and the module from this
# checkout's build (run make first).  Credentials and MONGODB_ATLAS_BASE_URL
# come from the environment, as for client_from_env.
#   examples/openresty/serve.sh PORT        (ATLAS_NGINX_WORKERS=N for N workers)
# SIGTERM or SIGQUIT stops nginx cleanly and removes the prefix.
# nginx starts without LUA_PATH and LUA_CPATH: its LuaJIT would put them in
# place of the ';;' in nginx.conf, and a shell set up for Lua 5.4 (eval
# "$(luarocks --lua-version=5.4 path)") would make it load Lua 5.4's
# cjson.so ("undefined symbol: lua_newuserdatauv", every request a 500).
set -euo pipefail
port=${1:?usage: serve.sh PORT}
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$root/build/luajit/atlas_admin/core.so" ] || { echo "serve.sh: run make first" >&2; exit 2; }
prefix=$(mktemp -d /tmp/atlas-openresty.XXXXXX)
mkdir -p "$prefix/tmp"
user=""
[ "$(id -u)" -eq 0 ] && user="user root;"
sed -e "s|@ROOT@|$root|g" -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@USER@|$user|g" \
    -e "s|@WORKERS@|${ATLAS_NGINX_WORKERS:-1}|g" "$root/examples/openresty/nginx.conf" > "$prefix/nginx.conf"
env -u LUA_PATH -u LUA_CPATH nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" &
pid=$! # env execs nginx: this is nginx's pid
stop() {
  kill -"$1" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -n "${ATLAS_NGINX_KEEP_LOG:-}" ] && cp "$prefix/error.log" "$ATLAS_NGINX_KEEP_LOG"
  rm -rf "$prefix"
  exit 0
}
trap 'stop TERM' TERM INT
trap 'stop QUIT' QUIT
echo "serving on http://127.0.0.1:$port (prefix $prefix)" >&2
wait "$pid"
status=$?
[ -n "${ATLAS_NGINX_KEEP_LOG:-}" ] && cp "$prefix/error.log" "$ATLAS_NGINX_KEEP_LOG"
rm -rf "$prefix"
exit $status
