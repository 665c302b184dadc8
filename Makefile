# atlas-admin: build, test, demo.
#   make            build the C core for Lua 5.4 and LuaJIT, and the local Atlas server
#   make deps       install the Debian packages this needs (idempotent)
#   make demo       run examples/update_invitation.lua against the local Atlas server
#   make check      lint + the busted suite under Lua 5.4 and LuaJIT, then under ASan/UBSan and
#                   valgrind (last line: N passed, N failed)
#   make asan | valgrind   one checker alone;  make bench   benchmarks
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (60);  make soak   100,000 calls with faults
#   make install    install the module and the atlas-admin command (PREFIX, LIBDIR, LUADIR, BINDIR;
#                   LUA_VERSION=5.1 for LuaJIT/OpenResty)
#   make dist       binary rocks of the module and the command, one for Lua 5.4 and one for LuaJIT,
#                   each in a directory a rocks server can serve (DIST, default dist/)
# Every variable is overridable: make CC=clang CFLAGS=-O0 ...

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes
LIBFLAG ?= -shared
PKG_CONFIG ?= pkg-config
LUA_INCDIR ?= /usr/include/lua5.4
LUAJIT_INCDIR ?= /usr/include/luajit-2.1
CURL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libcurl)
CURL_LIBS ?= $(shell $(PKG_CONFIG) --libs libcurl) $(shell $(PKG_CONFIG) --libs libcrypto)
BUILD ?= build
PREFIX ?= /usr/local
LUA_VERSION ?= 5.4
LIBDIR ?= $(PREFIX)/lib/lua/$(LUA_VERSION)
LUADIR ?= $(PREFIX)/share/lua/$(LUA_VERSION)

# The module never links liblua: the host (lua5.4, luajit, nginx) provides it.
MODULE_CFLAGS = -fPIC -fvisibility=hidden -pthread $(WARNINGS) $(CURL_CFLAGS)
SOURCES = $(wildcard src/*.c)
HEADERS = $(wildcard src/*.h)
LUA_SOURCES = $(shell find lua -name '*.lua')

# C test programs the specs run (spec/c): allocation failures, threads,
# wiping of secret buffers.
TESTBINS = $(BUILD)/spec-c/oom_oauth $(BUILD)/spec-c/threads $(BUILD)/spec-c/buffer_wipe

CORE54 = $(BUILD)/lua54/atlas_admin/core.so
COREJIT = $(BUILD)/luajit/atlas_admin/core.so
SERVER = $(BUILD)/atlas-local-server

.PHONY: all core server testbins fuzz-build fuzz soak deps demo check test lint clean install bench asan valgrind dist

all: core server

core: $(CORE54) $(COREJIT)

$(CORE54): $(SOURCES) $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(MODULE_CFLAGS) -I$(LUA_INCDIR) $(LIBFLAG) -o $@ $(SOURCES) $(CURL_LIBS)

$(COREJIT): $(SOURCES) $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(MODULE_CFLAGS) -I$(LUAJIT_INCDIR) $(LIBFLAG) -o $@ $(SOURCES) $(CURL_LIBS)

server:
	$(MAKE) -C server BUILD=$(abspath $(BUILD))

testbins: $(TESTBINS)

# Fuzzing (libFuzzer, clang): make fuzz runs each harness FUZZ_SECONDS.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -pthread
FUZZERS = $(BUILD)/fuzz/token_json $(BUILD)/fuzz/lua_core $(BUILD)/fuzz/headers $(BUILD)/fuzz/server_digest
SERVER_SOURCES_BUT_MAIN = $(filter-out server/src/main.c server/src/digest.c,$(wildcard server/src/*.c))

fuzz-build: $(FUZZERS)

$(BUILD)/fuzz/token_json: fuzz/token_json_fuzz.c src/token_json.c src/token_json.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/token_json_fuzz.c src/token_json.c

$(BUILD)/fuzz/lua_core: fuzz/lua_core_fuzz.c $(SOURCES) $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CURL_CFLAGS) -I$(LUA_INCDIR) -o $@ fuzz/lua_core_fuzz.c $(SOURCES) -llua5.4 $(CURL_LIBS)

$(BUILD)/fuzz/headers: fuzz/headers_fuzz.c $(SOURCES) $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CURL_CFLAGS) -I$(LUA_INCDIR) -o $@ fuzz/headers_fuzz.c src/buffer.c src/header_rules.c \
	  src/response_head.c src/trace_collect.c -llua5.4 $(CURL_LIBS)

$(BUILD)/fuzz/server_digest: fuzz/server_digest_fuzz.c $(wildcard server/src/*.c server/src/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -D_GNU_SOURCE -DFUZZING $$($(PKG_CONFIG) --cflags libmicrohttpd jansson libcrypto) -o $@ \
	  fuzz/server_digest_fuzz.c $(SERVER_SOURCES_BUT_MAIN) $$($(PKG_CONFIG) --libs libmicrohttpd jansson libcrypto)

fuzz: deps fuzz-build
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# 100,000 calls with faults sprinkled in; RSS and fds sampled (README, Benchmarks).
soak: deps all
	bash bench/soak.sh

$(BUILD)/spec-c/oom_oauth: spec/c/oom_oauth.c spec/c/http_stub.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -pthread -I$(LUA_INCDIR) -o $@ $< -llua5.4

$(BUILD)/spec-c/threads: spec/c/threads.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -pthread -I$(LUA_INCDIR) -o $@ $< -llua5.4

$(BUILD)/spec-c/buffer_wipe: spec/c/buffer_wipe.c src/buffer.c src/buffer.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARNINGS) -Wl,--wrap=free,--wrap=malloc,--wrap=realloc -o $@ spec/c/buffer_wipe.c src/buffer.c

deps:
	bash scripts/deps.sh

demo: deps all
	bash scripts/demo.sh

check: deps all testbins fuzz-build
	bash scripts/check.sh

test: all testbins
	bash scripts/check.sh

lint:
	luacheck --no-color -q lua spec examples bench bin/atlas-admin

bench: deps all
	bash bench/run.sh

asan: deps all testbins
	bash scripts/sanitize.sh asan

valgrind: deps all testbins
	bash scripts/sanitize.sh valgrind

# The core is built per VM: LUA_VERSION=5.1 installs the LuaJIT build (for
# OpenResty and luajit), 5.4 the Lua 5.4 one.  For OpenResty:
#   make install LUA_VERSION=5.1 PREFIX=/usr/local
INSTALL_CORE = $(if $(filter 5.1,$(LUA_VERSION)),$(COREJIT),$(CORE54))
# the CLI runs on the interpreter the module was installed for
INSTALL_LUA = $(if $(filter 5.1,$(LUA_VERSION)),luajit,lua5.4)
BINDIR ?= $(PREFIX)/bin

install: $(INSTALL_CORE)
	install -d $(DESTDIR)$(LIBDIR)/atlas_admin $(DESTDIR)$(BINDIR)
	install -m 755 $(INSTALL_CORE) $(DESTDIR)$(LIBDIR)/atlas_admin/core.so
	# every module of lua/, folder by folder (the layers: http/, api/, converge/, model/, access_code/, ...)
	cd lua && find atlas_admin -name '*.lua' | while read -r f; do \
	  install -D -m 644 "$$f" "$(DESTDIR)$(LUADIR)/$$f" || exit 1; done
	sed '1s|.*|#!/usr/bin/env $(INSTALL_LUA)|' bin/atlas-admin > $(DESTDIR)$(BINDIR)/atlas-admin
	chmod 755 $(DESTDIR)$(BINDIR)/atlas-admin

# Binary rocks made by luarocks itself (make + pack, offline, --deps-mode=none) from a source
# archive of the checkout: $(DIST)/lua5.4/ and $(DIST)/luajit/ (README, "Installing from a rock";
# scripts/check.sh installs and runs them).
DIST ?= dist

dist: deps
	LUA_INCDIR='$(LUA_INCDIR)' LUAJIT_INCDIR='$(LUAJIT_INCDIR)' bash scripts/dist.sh '$(DIST)'

clean:
	rm -rf $(BUILD) $(DIST)
