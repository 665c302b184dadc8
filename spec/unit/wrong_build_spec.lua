-- Loading the C core built for another VM says which build to use instead
-- of a bare "undefined symbol".
local local_server = require "local_server"

local root = local_server.root

local function try(vm, build)
  local p = assert(io.popen("cd " .. root .. " && env -u LD_PRELOAD LUA_PATH='./lua/?.lua;./lua/?/init.lua;;'"
    .. " LUA_CPATH='./build/" .. build .. "/?.so;;' " .. vm .. " -e 'require \"atlas_admin\"' 2>&1"))
  local out = p:read("*a")
  p:close()
  return out
end

describe("a core built for another Lua VM", function()
  it("is named, with the build to use, under LuaJIT", function()
    local out = try("luajit", "lua54")
    assert.matches("built for another Lua VM", out, 1, true)
    assert.matches("use build/luajit/?.so", out, 1, true)
  end)

  it("is named, with the build to use, under Lua 5.4", function()
    local out = try("lua5.4", "luajit")
    assert.matches("built for another Lua VM", out, 1, true)
    assert.matches("use build/lua54/?.so", out, 1, true)
  end)
end)
