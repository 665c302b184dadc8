-- The helpers' modules load on first use (client.lua, LAZY_METHODS): each
-- module installs exactly the methods its stubs stand for, a plain
-- require of the module loads none of them, and a stub's first call loads
-- its module and answers as the real method.
local client_module = require "atlas_admin.client"
local local_server = require "local_server"

local function names(t)
  local out = {}
  for k, v in pairs(t) do
    if type(v) == "function" then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

describe("lazily loaded client methods", function()
  it("lists, for each module, exactly the methods it installs", function()
    local listed = 0
    for module, methods in pairs(client_module.LAZY_METHODS) do
      local installed = {}
      require(module).install(installed, function() end)
      local expected = {}
      for i, m in ipairs(methods) do expected[i] = m end
      table.sort(expected)
      assert.same(expected, names(installed), module)
      listed = listed + #methods
    end
    assert.is_true(listed >= 13)
  end)

  it("are not loaded by require, and load on their first call", function()
    local out = local_server.run_lua("lua5.4", "lua54", [[
      local atlas = require "atlas_admin"
      local lazy = require("atlas_admin.client").LAZY_METHODS
      for m in pairs(lazy) do if package.loaded[m] then print("loaded early: " .. m) end end
      local c = assert(atlas.client { base_url = "http://127.0.0.1:9", auth = assert(atlas.bearer("t")) })
      local stub = c.batch
      local results, summary = c:batch({})
      print("batch:", type(results), type(summary), package.loaded["atlas_admin.http.batch"] ~= nil, c.batch ~= stub)
      local plan, err = c:set_project_roles("not-an-id", "a@example.com", { "GROUP_READ_ONLY" })
      print("set_project_roles:", plan, err and err.kind, err and err.field)
    ]])
    assert.not_matches("loaded early", out)
    assert.matches("batch:\ttable\ttable\ttrue\ttrue", out, 1, true)
    assert.matches("set_project_roles:\tnil\tvalidation\tgroupId", out, 1, true)
  end)
end)
