#!/usr/bin/env bash
# Runs the busted suite (Lua 5.4) with the C core under a memory checker.
#   sanitize.sh asan        ASan + UBSan build of the core, human output
#   sanitize.sh valgrind    the normal build under valgrind memcheck
#   ...-tap                 the same with TAP output (used by check.sh)
#   sanitize.sh asan spec/batch   only those specs
# Both preload a no-op dlclose so that libcurl's globals are not unmapped at
# lua_close before the leak report (that would show false "definite" leaks
# and <unknown module> frames).  The local Atlas server and the curl CLI the
# specs start are not instrumented: local_server.lua drops LD_PRELOAD for them.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-asan}
shift $(( $# > 0 ? 1 : 0 )) # the rest: spec paths for busted (default: the whole suite)
format=utfTerminal
case "$mode" in *-tap) format=TAP; mode=${mode%-tap} ;; esac

CC=${CC:-cc}
mkdir -p build/sanitize
printf 'int dlclose(void *h) { (void)h; return 0; }\n' > build/sanitize/nodlclose.c
$CC -shared -fPIC -o build/sanitize/nodlclose.so build/sanitize/nodlclose.c

busted_args=(--ignore-lua -o "$format" "$@")
case "$mode" in
  asan)
    mkdir -p build/asan/atlas_admin
    $CC -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fPIC -fvisibility=hidden -Wall -Wextra -Werror $(pkg-config --cflags libcurl) -I/usr/include/lua5.4 \
      -shared -o build/asan/atlas_admin/core.so src/*.c $(pkg-config --libs libcurl)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
    LD_PRELOAD="$($CC -print-file-name=libasan.so):$PWD/build/sanitize/nodlclose.so" \
      lua5.4 /usr/bin/busted "${busted_args[@]}" --cpath='./build/asan/?.so'
    ;;
  valgrind)
    make -s core >/dev/null
    LD_PRELOAD="$PWD/build/sanitize/nodlclose.so" \
      valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
      --error-exitcode=3 --suppressions=scripts/valgrind.supp \
      lua5.4 /usr/bin/busted "${busted_args[@]}"
    ;;
  *) echo "usage: $0 asan|valgrind[-tap]" >&2; exit 2 ;;
esac
