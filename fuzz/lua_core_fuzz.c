/* libFuzzer: the C core's validation and the Lua layer's parsers, fed
 * arbitrary bytes through the real Lua API (one Lua 5.4 state, the core
 * opened in-process):
 *   core.check_id / check_username / check_roles / check_team_name /
 *   check_body (nested org user bodies, team role lists) with strings and
 *   tables built from the input, the request-header checks and trace
 *   redaction the nginx transport uses, core.url_escape, core.credential,
 *   the Retry-After parser (retry.lua), and a request prepared from
 *   hostile ids, usernames, roles and filters.
 * Every call must return normally (nil, field, message is fine); a Lua
 * error other than the argument checks the API documents is a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_atlas_admin_core(lua_State *L);

static lua_State *L;

static const char *SCRIPT =
    "local core = require 'atlas_admin.core'\n"
    "local retry = require 'atlas_admin.http.retry'\n"
    "local atlas = require 'atlas_admin'\n"
    "local client = assert(atlas.client{ auth = assert(atlas.digest('abcdefgh', 'k-1')), base_url = 'http://127.0.0.1:9' })\n"
    "return function(s)\n"
    "  local parts = {}\n"
    "  for p in (s .. '|'):gmatch('([^|]*)|') do parts[#parts + 1] = p end\n"
    "  core.check_id(s); core.check_username(s)\n"
    "  core.check_roles(parts); core.check_roles({ s }); core.check_roles({ [s] = true })\n"
    "  core.check_body('GroupInvitationRequest', { roles = parts, username = parts[1] })\n"
    "  core.check_body('AddOrRemoveGroupRole', { groupRole = s })\n"
    "  core.check_body('GroupUserRequest', { [s] = parts })\n"
    "  core.check_team_name(s); core.check_roles(parts, 'orgRoles', nil, 'org')\n"
    "  core.check_body('OrgUserRequest', { username = parts[1], teamIds = parts, roles = { orgRoles = parts,\n"
    "    groupRoleAssignments = { { groupId = parts[2], groupRoles = parts }, { [s] = s } } } })\n"
    "  core.check_body('OrgUserUpdateRequest', { roles = { orgRoles = { s } }, teamIds = { s, s } })\n"
    "  core.check_body('TeamRoleList', { { teamId = parts[1], roleNames = parts }, { teamId = s, roleNames = { s } } })\n"
    "  core.check_body('Team', { name = s, usernames = parts })\n"
    "  core.check_body('TeamRole', { teamId = parts[1], roleNames = parts })\n"
    "  for _, p in ipairs(parts) do core.check_team_name(p); core.check_username(p) end\n"
    "  core.request_header_text(s); core.request_header_text({ [parts[1] or 'X-A'] = parts[2] or s })\n"
    "  assert(type(core.redact_head(s)) == 'string')\n"
    "  client:get_team_by_name(parts[1] or s, s, { dry_run = true })\n"
    "  if #s < 65536 then assert(#core.url_escape(s) >= #s) end\n"
    "  core.credential('digest', parts[1], parts[2]); core.credential('bearer', nil, s)\n"
    "  local w = retry.parse_retry_after(s, 1445412480)\n"
    "  assert(w == nil or (type(w) == 'number' and w >= 0))\n"
    "  client:update_invitation(parts[1], { username = parts[2], roles = parts }, { dry_run = true })\n"
    "  client:list_project_users(parts[1] or s, { username = s, statuses = parts }, { dry_run = true })\n"
    "  client:add_invitation_roles(parts[1], s, parts, { dry_run = true })\n"
    "end\n";

static int setup(void) {
  L = luaL_newstate();
  luaL_openlibs(L);
  /* the core linked in, the Lua layer from the checkout */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_atlas_admin_core);
  lua_setfield(L, -2, "atlas_admin.core");
  lua_pop(L, 1);
  if (luaL_dostring(L, "package.path = (os.getenv('ATLAS_ADMIN_LUA') or 'lua') .. '/?.lua;' .. "
                       "(os.getenv('ATLAS_ADMIN_LUA') or 'lua') .. '/?/init.lua;' .. package.path") != 0 ||
      luaL_loadstring(L, SCRIPT) != 0 || lua_pcall(L, 0, 1, 0) != 0) {
    fprintf(stderr, "lua_core_fuzz: setup failed: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_setfield(L, LUA_REGISTRYINDEX, "fuzz_target");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!L) setup();
  if (size > 4096) return 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "fuzz_target");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != 0) {
    fprintf(stderr, "lua_core_fuzz: raised: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
