-- The README's quick start must work as written: its Lua block runs
-- against the local server with the environment scripts/local-server.sh
-- exports.
local local_server = require "local_server"

local C = local_server.credentials
local root = local_server.root

local function quickstart_block()
  local f = assert(io.open(root .. "/README.md"))
  local text = f:read("*a")
  f:close()
  local section = assert(text:match("\n## Quick start\n(.-)\n## "), "README has no Quick start section")
  return (assert(section:match("```lua\n(.-)```"), "the Quick start has no lua block"))
end

describe("the README quick start", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  it("runs as written against the local server", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(quickstart_block())
    f:close()
    local cmd = srv:lua_env() .. " lua5.4 " .. script .. " 2>&1; echo \"exit=$?\""
    local p = assert(io.popen(cmd))
    local out = p:read("*a")
    p:close()
    os.remove(script)
    assert.equal("0", out:match("exit=(%d+)%s*$"), out)
    assert.matches("invitation 602eb7429955214668d5b025 hello@example.com in " .. C.group_id
      .. ": GROUP_BACKUP_MANAGER, GROUP_READ_ONLY", out, 1, true)
    assert.matches("curl --include --digest", out, 1, true)
    assert.matches("add_invitation_roles", out, 1, true)
    assert.not_matches(C.private_key, out, 1, true)
  end)
end)

describe("the README's OpenResty section", function()
  it("shows the example app's nginx.conf exactly as it is", function()
    local f = assert(io.open(root .. "/README.md"))
    local text = f:read("*a")
    f:close()
    local shown = assert(text:match("```nginx\n(.-)```"), "no nginx block in the README")
    f = assert(io.open(root .. "/examples/openresty/nginx.conf"))
    local conf = f:read("*a")
    f:close()
    assert.equal(conf, shown)
  end)
end)

-- The Batches and command-line sections' examples, as written.
local function section_block(title, lang)
  local f = assert(io.open(root .. "/README.md"))
  local text = f:read("*a")
  f:close()
  local section = assert(text:match("\n## " .. title .. "[^\n]*\n(.-)\n## "), "README has no " .. title .. " section")
  return (assert(section:match("```" .. lang .. "\n(.-)```"), title .. " has no " .. lang .. " block"))
end

describe("the README's batch and CLI examples", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  local function run(cmd)
    local p = assert(io.popen(srv:lua_env() .. cmd .. " 2>&1; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    return out, out:match("exit=(%d+)%s*$")
  end

  it("client:batch runs as written", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write('atlas = require "atlas_admin"\nclient = assert(atlas.client_from_env { on_warning = false })\n'
      .. 'gid = "' .. C.group_id .. '"\n', section_block("Batches", "lua"))
    f:close()
    local out, code = run(" lua5.4 " .. script)
    os.remove(script)
    assert.equal("0", code, out)
    assert.matches("4/4 ", out, 1, true)
    assert.matches("\n1\tinvitation 602eb7429955214668d5b025 hello@example.com in " .. C.group_id
      .. ": GROUP_READ_ONLY", out, 1, true)
    assert.matches("\n2\tinvitation 602eb7429955214668d5b026 jane.smith@example.com in " .. C.group_id
      .. ": GROUP_READ_ONLY, GROUP_CLUSTER_MANAGER", out, 1, true)
    assert.matches("\n3\tuser 6a1b2c3d4e5f60718293a4b1 alice@example.com ACTIVE: GROUP_DATA_ACCESS_READ_WRITE",
      out, 1, true) -- set_project_roles' access row
    assert.matches("\n4\t1 user", out, 1, true) -- carol, PENDING
    assert.matches("\n4\t0\n", out, 1, true)  -- succeeded, failed
  end)

  it("atlas-admin runs as written (each command line of the example)", function()
    local report = root .. "/failures.json"
    for line in section_block("The command line", "sh"):gmatch("[^\n]+") do
      if not line:match("^eval") and not line:match("^G=") then
        local cmd = line:gsub("%$G", C.group_id)
        local out, code = run(cmd)
        assert.equal("0", code, line .. "\n" .. out)
        assert.not_matches(C.private_key, out, 1, true)
      end
    end
    os.remove(report)
  end)
end)
