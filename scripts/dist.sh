#!/usr/bin/env bash
# Binary rocks of atlas-admin (the module, its C core and the atlas-admin command), made by luarocks
# itself (`luarocks make` into a scratch tree, then `luarocks pack`), offline: --deps-mode=none, as
# lua-cjson, argparse and lyaml come from Debian's packages, not from rocks.
#
#   scripts/dist.sh [DIR]        build into DIR (default dist/); `make dist` runs this
#   scripts/dist.sh --test DIR   install DIR's rocks into empty trees and run them; TAP on stdout
#   scripts/dist.sh --check      build into a scratch DIR, then --test it (scripts/check.sh's dist phase)
#
# DIR then holds
#   atlas-admin-V.tar.gz   the sources the rocks are built from (the rockspec's source.url names it)
#   lua5.4/  atlas-admin-V-R.linux-x86_64.rock built for Lua 5.4, and a manifest: a rocks server's
#            directory as it is
#   luajit/  the same with the core built against LuaJIT's headers (Lua 5.1 ABI: luajit, OpenResty)
# Both binary rocks have the same file name (luarocks names a rock by package, version and
# platform, not by Lua), hence one directory, one rocks server, per VM.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

LUA_INCDIR=${LUA_INCDIR:-/usr/include/lua5.4}
LUAJIT_INCDIR=${LUAJIT_INCDIR:-/usr/include/luajit-2.1}
# The Makefile's module flags minus the warnings, for luarocks' CFLAGS (which replace its
# "-O2 -fPIC"; on Linux it never reads the environment's CFLAGS).
DIST_CFLAGS=${DIST_CFLAGS:--O2 -fPIC -fvisibility=hidden -pthread}

# The VMs a rock is built for: its directory, luarocks --lua-version, interpreter, headers.
VMS=(lua5.4 luajit)
declare -A LUA_VERSION=([lua5.4]=5.4 [luajit]=5.1)
declare -A INTERPRETER=([lua5.4]=lua5.4 [luajit]=luajit)
declare -A INCDIR=([lua5.4]=$LUA_INCDIR [luajit]=$LUAJIT_INCDIR)

die() { echo "dist: $*" >&2; exit 1; }

package=atlas-admin
rockspecs=("$root/$package"-*.rockspec)
[ ${#rockspecs[@]} -eq 1 ] && [ -f "${rockspecs[0]}" ] || die "expected one $package-*.rockspec in $root"
rockspec=${rockspecs[0]##*/}
version=${rockspec#"$package"-}; version=${version%.rockspec}   # 0.1.0-1
srcdir=$package-${version%-*}        # the archive's top directory: the rockspec's source.dir
for vm in "${VMS[@]}"; do
  command -v "${INTERPRETER[$vm]}" >/dev/null || die "${INTERPRETER[$vm]} not found (make deps)"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A luarocks configuration for one VM and one tree: the interpreter the atlas-admin launcher
# execs (luarocks writes it into the wrapper it installs), the headers and flags the core is
# built with, no rocks server (nothing is downloaded), and the tree, so that the launcher of a
# --deps-mode=none install puts that tree on package.path.  Prints the variable that selects it.
luarocks_config() { # vm, tree, file
  local vm=$1 tree=$2 file=$3
  {
    echo "lua_interpreter = \"${INTERPRETER[$vm]}\""
    echo "variables = { LUA_BINDIR = \"$(dirname "$(command -v "${INTERPRETER[$vm]}")")\","
    echo "  LUA_INCDIR = \"${INCDIR[$vm]}\", CFLAGS = \"$DIST_CFLAGS\" }"
    echo "rocks_trees = { { name = \"dist\", root = \"$tree\" } }"
    echo "rocks_servers = {}"
  } >"$file"
  echo "LUAROCKS_CONFIG_${LUA_VERSION[$vm]/./_}=$file"
}

# The core's sources in the rockspec must be exactly src/*.c, which the Makefile builds.  The Lua
# modules are not listed there: the builtin build copies lua/ whole.
check_rockspec() {
  local listed actual
  listed=$(lua5.4 - "$root/$rockspec" <<<'
    local env = {}
    assert(loadfile(arg[1], "t", env))()
    for _, s in ipairs(env.build.modules["atlas_admin.core"].sources) do print(s) end' | sort)
  actual=$(cd "$root" && ls src/*.c | sort)
  if [ "$listed" != "$actual" ]; then
    diff <(echo "$listed") <(echo "$actual") | sed -n 's/^> /  missing from the rockspec: /p; s/^< /  listed, not in src\/: /p' >&2 || true
    die "$rockspec: build.modules[\"atlas_admin.core\"].sources must list every src/*.c"
  fi
}

# The files of the source archive: what a clone has plus files not committed yet, never build
# products (.o, .so) or other ignored files.
source_files() {
  (cd "$root"
   if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
     git ls-files --cached --others --exclude-standard -- "$rockspec" README.md bin lua src
   else
     find "$rockspec" README.md bin lua src -type f ! -name '*.o' ! -name '*.so'
   fi | while IFS= read -r f; do if [ -f "$f" ]; then printf '%s\n' "$f"; fi; done | sort -u)
}

build() { # out dir
  local out=$1 vm tree cfg rock epoch
  check_rockspec
  mkdir -p "$work/dist"

  # The archive, reproducible: sorted names, no owner, the last commit's time.
  epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}
  source_files >"$work/files"
  tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    --transform="s,^,$srcdir/," -cf - -T "$work/files" | gzip -n >"$work/dist/$srcdir.tar.gz"

  for vm in "${VMS[@]}"; do
    # A fresh copy of the sources per VM: the builtin build leaves its objects in src/.
    rm -rf "${work:?}/$srcdir"
    tar -C "$work" -xzf "$work/dist/$srcdir.tar.gz"
    tree=$work/tree-$vm
    cfg=$(luarocks_config "$vm" "$tree" "$work/config-$vm.lua")
    mkdir -p "$work/dist/$vm"
    if ! (cd "$work/$srcdir" && env "$cfg" luarocks --lua-version="${LUA_VERSION[$vm]}" \
            --tree "$tree" make --deps-mode=none "$rockspec" \
          && cd "$work/dist/$vm" && env "$cfg" luarocks --lua-version="${LUA_VERSION[$vm]}" --tree "$tree" \
            pack "$package" "$version") >"$work/build-$vm.log" 2>&1; then
      tail -30 "$work/build-$vm.log" >&2
      die "the $vm rock did not build"
    fi
    env "$cfg" luarocks-admin --lua-version="${LUA_VERSION[$vm]}" make-manifest "$work/dist/$vm" >/dev/null
    rock=$(ls "$work/dist/$vm/$package-$version".*.rock)
    echo "dist: $out/$vm/${rock##*/} ($(du -k "$rock" | cut -f1) KB) and a manifest"
  done

  mkdir -p "$out"
  # replaces this script's earlier output, and what `luarocks build` of the rockspec unpacks there
  rm -rf "${out:?}/$srcdir.tar.gz" "$out/$srcdir.tar" "$out/$srcdir" "${VMS[@]/#/$out/}"
  cp -r "$work/dist/." "$out/"
  # the output stays out of git without an entry in the project's .gitignore
  [ -f "$out/.gitignore" ] || echo '*' >"$out/.gitignore"
  echo "dist: $out/$srcdir.tar.gz (the sources they were built from)"
}

# TAP lines, numbered across build and test.
n=0
tap() { # exit status, description, then details shown on failure
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; shift 2; printf '%s\n' "$@" | sed 's/^/# /'; fi
}

# For each VM: install the binary rock into an empty tree and run it from there.
test_dist() { # dir
  set +e
  local dir vm lv tree tree2 cfg rock out rc want lua_files
  dir=$(cd "$1" && pwd)
  # What a Lua process takes from its environment, cleared: only the tree may provide the module.
  local clean=(env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 -u LUA_CPATH_5_4 -u LUA_INIT -u LUA_INIT_5_4)
  lua_files=$(cd "$root/lua" && find . -name '*.lua' | sort)

  for vm in "${VMS[@]}"; do
    lv=${LUA_VERSION[$vm]}
    tree=$work/test-$vm
    cfg=$(luarocks_config "$vm" "$tree" "$work/test-$vm.lua")
    rock=$(ls "$dir/$vm/$package-$version".*.rock 2>/dev/null)

    out=$(cd "$work" && env "$cfg" luarocks --lua-version="$lv" --tree "$tree" install --deps-mode=none "$rock" 2>&1)
    tap $? "$vm: luarocks install --deps-mode=none $vm/${rock##*/} into an empty tree" "$out"

    out=$(diff <(echo "$lua_files") <(cd "$tree/share/lua/$lv" && find . -name '*.lua' | sort) 2>&1)
    tap $? "$vm: the tree holds every Lua file of the checkout's lua/ and no other" "$out"

    out=$(cd "$work" && "${clean[@]}" LUA_PATH="$tree/share/lua/$lv/?.lua;$tree/share/lua/$lv/?/init.lua;;" \
      LUA_CPATH="$tree/lib/lua/$lv/?.so;;" "${INTERPRETER[$vm]}" - "$tree" "${version%-*}" <<<'
        local tree, version = ...
        local atlas = require "atlas_admin"
        for _, m in ipairs { { "atlas_admin", package.path }, { "atlas_admin.core", package.cpath } } do
          local at = package.searchpath(m[1], m[2])
          assert(at and at:sub(1, #tree) == tree, m[1] .. " found at " .. tostring(at) .. ", not in the tree")
        end
        assert(atlas._VERSION == version, "version " .. tostring(atlas._VERSION))
        assert(#atlas.PROJECT_ROLES > 0 and require("atlas_admin.cli").main)' 2>&1)
    tap $? "$vm: require \"atlas_admin\" from the tree under ${INTERPRETER[$vm]}" "$out"

    # The launcher luarocks wrote finds the module by itself and execs the VM the core was
    # built for: LUA_INIT runs in that VM first and names it.
    want=luajit; [ "$vm" = luajit ] || want="Lua $lv"
    out=$(cd "$work" && "${clean[@]}" LUA_INIT='io.stderr:write("vm: ", jit and "luajit" or _VERSION, "\n")' \
      "$tree/bin/atlas-admin" --help 2>&1)
    rc=$?
    [ "$rc" = 0 ] && grep -q '^Usage: atlas-admin' <<<"$out" && grep -qx "vm: $want" <<<"$out"
    tap $? "$vm: the tree's bin/atlas-admin --help runs on $want" "exit $rc" "$out"

    # The directory serves as a rocks server: install by name gets the binary rock.
    tree2=$work/test2-$vm
    cfg=$(luarocks_config "$vm" "$tree2" "$work/test2-$vm.lua")
    out=$(cd "$work" && env "$cfg" luarocks --lua-version="$lv" --tree "$tree2" --only-server="$dir/$vm" \
      install --deps-mode=none "$package" "$version" 2>&1 \
      && cmp "$tree/lib/lua/$lv/atlas_admin/core.so" "$tree2/lib/lua/$lv/atlas_admin/core.so" 2>&1)
    tap $? "$vm: luarocks --only-server=DIR/$vm install $package (the directory as a rocks server)" "$out"
  done
}

case "${1:-}" in
  --test)
    [ $# -eq 2 ] || die "usage: $0 --test DIR"
    test_dist "$2"; echo "1..$n" ;;
  --check)
    set +e
    out=$( (set -e; build "$work/out") 2>&1 ); tap $? "make dist: the source archive and a binary rock per VM" "$out"
    if [ -d "$work/out" ]; then test_dist "$work/out"; fi
    echo "1..$n" ;;
  -*) die "usage: $0 [DIR] | --test DIR | --check" ;;
  *) build "${1:-$root/dist}" ;;
esac
