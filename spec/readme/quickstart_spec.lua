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
