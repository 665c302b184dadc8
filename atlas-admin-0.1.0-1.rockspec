rockspec_format = "3.0"
package = "atlas-admin"
version = "0.1.0-1"
source = {
  url = "git+https://example.invalid/atlas-admin.git",
  tag = "v0.1.0",
}
description = {
  summary = "MongoDB Atlas Administration API client for Lua: project invitations and Cloud users",
  detailed = [[
A Lua module with a C core (libcurl) for the Atlas Administration API's
project-invitation calls: HTTP Digest with API keys and bearer tokens,
validation before any I/O, one round trip per call.]],
  license = "MIT",
  labels = { "mongodb", "atlas", "api", "libcurl" },
}
-- lua-cjson and argparse come from Debian's lua-cjson and lua-argparse packages here; build with
-- `luarocks make --deps-mode=none` when it is not installed as a rock.
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
  modules = {
    ["atlas_admin.core"] = {
      sources = { "src/buffer.c", "src/clock.c", "src/core.c", "src/credential.c", "src/digest_auth.c", "src/hash.c", "src/multi.c", "src/oauth.c", "src/schema.c", "src/token_json.c", "src/trace_collect.c", "src/transport.c", "src/url.c" },
      libraries = { "curl", "crypto", "pthread" },
      incdirs = { "$(CURL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)" },
      defines = {},
    },
    ["atlas_admin"] = "lua/atlas_admin/init.lua",
    ["atlas_admin.access"] = "lua/atlas_admin/access.lua",
    ["atlas_admin.access_apply"] = "lua/atlas_admin/access_apply.lua",
    ["atlas_admin.access_code"] = "lua/atlas_admin/access_code.lua",
    ["atlas_admin.access_file"] = "lua/atlas_admin/access_file.lua",
    ["atlas_admin.access_plan"] = "lua/atlas_admin/access_plan.lua",
    ["atlas_admin.access_state"] = "lua/atlas_admin/access_state.lua",
    ["atlas_admin.audit"] = "lua/atlas_admin/audit.lua",
    ["atlas_admin.batch"] = "lua/atlas_admin/batch.lua",
    ["atlas_admin.cli"] = "lua/atlas_admin/cli/init.lua",
    ["atlas_admin.cli.access_code"] = "lua/atlas_admin/cli/access_code.lua",
    ["atlas_admin.cli.bulk"] = "lua/atlas_admin/cli/bulk.lua",
    ["atlas_admin.cli.org"] = "lua/atlas_admin/cli/org.lua",
    ["atlas_admin.cli.output"] = "lua/atlas_admin/cli/output.lua",
    ["atlas_admin.cli.parser"] = "lua/atlas_admin/cli/parser.lua",
    ["atlas_admin.client"] = "lua/atlas_admin/client.lua",
    ["atlas_admin.curl"] = "lua/atlas_admin/curl.lua",
    ["atlas_admin.env"] = "lua/atlas_admin/env.lua",
    ["atlas_admin.errors"] = "lua/atlas_admin/errors.lua",
    ["atlas_admin.help"] = "lua/atlas_admin/help.lua",
    ["atlas_admin.invitations"] = "lua/atlas_admin/invitations.lua",
    ["atlas_admin.jsonenc"] = "lua/atlas_admin/jsonenc.lua",
    ["atlas_admin.ngx"] = "lua/atlas_admin/ngx/init.lua",
    ["atlas_admin.ngx.tokens"] = "lua/atlas_admin/ngx/tokens.lua",
    ["atlas_admin.ngx.transport"] = "lua/atlas_admin/ngx/transport.lua",
    ["atlas_admin.offboard"] = "lua/atlas_admin/offboard.lua",
    ["atlas_admin.operations"] = "lua/atlas_admin/operations.lua",
    ["atlas_admin.options"] = "lua/atlas_admin/options.lua",
    ["atlas_admin.org_access"] = "lua/atlas_admin/org_access.lua",
    ["atlas_admin.org_helpers"] = "lua/atlas_admin/org_helpers.lua",
    ["atlas_admin.organization"] = "lua/atlas_admin/organization.lua",
    ["atlas_admin.pages"] = "lua/atlas_admin/pages.lua",
    ["atlas_admin.plan"] = "lua/atlas_admin/plan.lua",
    ["atlas_admin.request"] = "lua/atlas_admin/request.lua",
    ["atlas_admin.response"] = "lua/atlas_admin/response.lua",
    ["atlas_admin.retry"] = "lua/atlas_admin/retry.lua",
    ["atlas_admin.roles"] = "lua/atlas_admin/roles.lua",
    ["atlas_admin.show"] = "lua/atlas_admin/show.lua",
    ["atlas_admin.suggest"] = "lua/atlas_admin/suggest.lua",
    ["atlas_admin.sunset"] = "lua/atlas_admin/sunset.lua",
    ["atlas_admin.teams"] = "lua/atlas_admin/teams.lua",
    ["atlas_admin.token"] = "lua/atlas_admin/token.lua",
    ["atlas_admin.trace"] = "lua/atlas_admin/trace.lua",
    ["atlas_admin.users"] = "lua/atlas_admin/users.lua",
    ["atlas_admin.warnings"] = "lua/atlas_admin/warnings.lua",
  },
  install = {
    bin = { ["atlas-admin"] = "bin/atlas-admin" },
  },
}
