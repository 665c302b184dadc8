-- The example app started from a shell set up for Lua 5.4: nginx's LuaJIT
-- expands the ';;' of lua_package_path/lua_package_cpath with LUA_PATH and
-- LUA_CPATH from nginx's environment, and would load Lua 5.4's cjson.so
-- ("undefined symbol: lua_newuserdatauv", every request a 500).  serve.sh
-- starts nginx without those variables, so the app works whatever the
-- calling shell exports.
local local_server = require "local_server"
local nginx = require "nginx"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local PATH = "/projects/" .. GID .. "/invitations/" .. IID

local function clean(log)
  for line in log:gmatch("[^\n]+") do
    assert.is_nil(line:match("%[emerg%]") or line:match("%[alert%]") or line:match("%[crit%]") or line:match("%[error%]"),
      line)
  end
end

describe("OpenResty example app in a shell set up for Lua 5.4", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  local function check(lua_env)
    local env = { MONGODB_ATLAS_BASE_URL = srv.url, MONGODB_ATLAS_PUBLIC_API_KEY = C.public_key,
      MONGODB_ATLAS_PRIVATE_API_KEY = C.private_key }
    for k, v in pairs(lua_env) do env[k] = v end
    local app = nginx.start { env = env }
    finally(function() app:stop() end)
    local status, inv = app:request("PATCH", PATH, '{"roles":["GROUP_OWNER","GROUP_READ_ONLY"]}')
    assert.equal(200, status, type(inv) == "string" and inv or nil)
    assert.equal(IID, inv.id)
    assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, inv.roles)
    local log = app:stop()
    assert.not_matches("lua_newuserdatauv", log, 1, true)
    clean(log)
  end

  it("with LUA_CPATH and LUA_PATH naming Lua 5.4's directories first (';;' = the defaults after them)", function()
    check { LUA_CPATH = "/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;;",
      LUA_PATH = "/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;;" }
  end)

  it("after eval \"$(luarocks --lua-version=5.4 path)\"", function()
    local out = nginx.sh('eval "$(luarocks --lua-version=5.4 path)" && printf "%s\\n%s\\n" "$LUA_PATH" "$LUA_CPATH"')
    local lua_path, lua_cpath = out:match("^([^\n]+)\n([^\n]+)\n$")
    assert.truthy(lua_cpath and lua_cpath:find("/lua/5.4/", 1, true), out)
    check { LUA_PATH = lua_path, LUA_CPATH = lua_cpath }
  end)
end)
