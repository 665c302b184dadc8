-- Loading the C core built for another VM says which build to use instead
-- of a bare "undefined symbol".
local local_server = require "local_server"

local function try(vm, build)
  return local_server.run_lua(vm, build, 'require "atlas_admin"')
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
