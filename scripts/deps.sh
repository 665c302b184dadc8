#!/usr/bin/env bash
# Installs the Debian packages atlas-admin needs to build, test, demo and benchmark.
# Idempotent: packages already present are left alone and apt is not touched at all
# when nothing is missing. Needs root (or sudo) only when something must be installed.
set -euo pipefail

# Why each group is here:
#   Lua 5.4 + LuaJIT (luajit2: the one OpenResty's nginx module needs) and their headers
#   lua-cjson (runtime JSON), libcurl (transport), lua-argparse (the atlas-admin command's options),
#   lua-yaml (lyaml: access files in YAML),
#   busted + luacheck (tests, lint), luarocks (rockspec build)
#   libmicrohttpd + jansson + libssl (the local Atlas server: HTTP, JSON fixtures, MD5 for digest)
#   nginx-light + the Lua module (the OpenResty path), valgrind (sanitizer runs)
#   clang + its runtimes (libFuzzer harnesses), python3 (a silent listener in a spec)
#   wrk + hyperfine (benchmarks), pkg-config, make, gcc
#   chromium (Debian's name for the browser; not chromium-browser) + fonts-dejavu-core: the suite opens
#   the access review's HTML page headless (spec/review/browser_spec.lua) and docs/review.png is its screenshot
PACKAGES=(
  build-essential pkg-config
  lua5.4 liblua5.4-dev luajit2 libluajit2-5.1-dev
  lua-cjson lua-cjson-dev libcurl4-openssl-dev lua-argparse lua-yaml
  lua-busted lua-check luarocks
  libmicrohttpd-dev libjansson-dev libssl-dev
  nginx-light libnginx-mod-http-lua
  valgrind wrk hyperfine curl python3
  clang libclang-rt-14-dev
  chromium fonts-dejavu-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
