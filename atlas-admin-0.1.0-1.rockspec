rockspec_format = "3.0"
package = "atlas-admin"
version = "0.1.0-1"
-- atlas-admin has no public home yet: no published repository, archive or rocks server.  The
-- rockspec format requires source.url (`luarocks lint`), so it names the source archive `make dist`
-- writes, relative to the checkout: after `make dist`, `luarocks build --deps-mode=none` on this
-- rockspec in the checkout builds from that archive.  `luarocks make` never reads source.url (it
-- builds the directory it runs in).  A team that publishes the archive puts its address here (and
-- a description.homepage); README, "Installing from a rock", says how to serve the built rocks.
source = {
  url = "file://dist/atlas-admin-0.1.0.tar.gz",
  dir = "atlas-admin-0.1.0",
}
description = {
  summary = "Manage who may access MongoDB Atlas from Lua, a shell or OpenResty (Atlas Administration API)",
  detailed = [[
A Lua module with a C core (libcurl) for the parts of the MongoDB Atlas
Administration API that decide who may access an organization: a project's
invitations and Cloud users, the organization's users, teams and the teams'
roles in projects.  Desired-state helpers on top (set_project_roles,
set_org_roles, set_team_members, offboard), one read model of the whole
organization (org_access, who_can_access), and access as code: a reviewed
YAML or JSON file, a plan, an apply, with guards and an audit trail.
Arguments are validated in C before any request; secrets are redacted and
wiped.  HTTP Digest API keys, service accounts (OAuth) or bearer tokens;
Lua 5.4 or LuaJIT, inside OpenResty without blocking the worker, and the
atlas-admin command line.]],
  license = "MIT",
  labels = { "mongodb", "atlas", "api", "libcurl", "openresty", "iam", "access-control" },
}
-- lua-cjson, argparse and lyaml come from Debian's lua-cjson, lua-argparse and lua-yaml packages
-- here; build and install with `--deps-mode=none` when they are not installed as rocks.
dependencies = {
  "lua >= 5.1",
  "lua-cjson >= 2.1",
  "argparse >= 0.7", -- the atlas-admin command only (Debian: lua-argparse)
  "lyaml >= 6", -- access files in YAML only (Debian: lua-yaml)
}
external_dependencies = {
  -- Debian's curl headers live under the multiarch include dir: pass
  -- CURL_INCDIR=/usr/include/x86_64-linux-gnu when luarocks cannot find them.
  CURL = { library = "curl" },
  -- libcrypto (OpenSSL, libcurl's TLS library on Debian): MD5 for the
  -- digest answers the core computes for the nginx cosocket path.
  CRYPTO = { library = "crypto" },
}
build = {
  type = "builtin",
  -- Only the C module is listed.  The Lua modules are not: the builtin build copies the whole lua/
  -- directory into the tree (lua/atlas_admin/x/y.lua is module atlas_admin.x.y), so a module added,
  -- moved or removed under lua/ needs no edit here.  The core's sources must be every src/*.c (the
  -- Makefile builds $(wildcard src/*.c)); scripts/dist.sh checks that before it builds.
  modules = {
    ["atlas_admin.core"] = {
      sources = { "src/body.c", "src/buffer.c", "src/checks.c", "src/clock.c", "src/codepoints.c", "src/core.c", "src/credential.c", "src/digest_auth.c", "src/hash.c", "src/header_rules.c", "src/id_path.c", "src/identity_checks.c", "src/multi.c", "src/oauth.c", "src/problem.c", "src/response_head.c", "src/roles.c", "src/secret_body.c", "src/token_json.c", "src/trace_collect.c", "src/transport.c", "src/url.c" },
      libraries = { "curl", "crypto", "pthread" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
      defines = {},
    },
  },
  install = {
    bin = { ["atlas-admin"] = "bin/atlas-admin" },
  },
}
