-- A newcomer in a REPL: a real `lua5.4 -i` session fed through a pipe
-- against the local server; we check what the user sees.
local local_server = require "local_server"

local C = local_server.credentials

describe("the REPL", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  it("shows invitations, lists, errors and help readably", function()
    local script = table.concat({
      'atlas = require "atlas_admin"',
      'c = atlas.client_from_env{ on_warning = false }',
      'c:get_invitation("' .. C.group_id .. '", "' .. C.invitation_id .. '")',
      'c:list_invitations("' .. C.group_id .. '")',
      'c:add_invitation_roles("' .. C.group_id .. '", "' .. C.username .. '", { "GROUP_READ_ONLY" })',
      'c:remove_invitation_roles("' .. C.group_id .. '", "' .. C.username .. '", atlas.roles.READ_ONLY)',
      'c:update_invitation("' .. C.group_id .. '", { username = "x@example.com", roles = { "GROUP_READONLY" } })',
      'atlas.help()',
      'atlas.help(c.update_invitation)',
      'os.exit(0)',
    }, "\n")
    local f = assert(io.open(os.tmpname(), "w"))
    local input = os.tmpname()
    f:close()
    f = assert(io.open(input, "w"))
    f:write(script, "\n")
    f:close()
    local cmd = srv:lua_env() .. " lua5.4 -i < " .. input .. " 2>&1"
    local p = assert(io.popen(cmd))
    local out = p:read("*a")
    p:close()
    os.remove(input)
    -- an invitation is one readable line
    assert.matches("invitation " .. C.invitation_id .. " " .. C.username .. " in " .. C.group_id
      .. ": GROUP_BACKUP_MANAGER %(expires %d%d%d%d%-%d%d%-%d%d%)", out)
    -- a list is a compact table
    assert.matches("%d invitations\n  " .. C.invitation_id .. "  " .. C.username, out)
    -- the helper shows the invitation, whether it changed, and the response
    assert.matches("GROUP_BACKUP_MANAGER, GROUP_READ_ONLY %(expires [%d%-]+%)\ttrue\tresponse 200, ", out)
    -- an error is one line with the fix
    assert.matches("nil\tatlas: roles%[1%]: unknown project role \"GROUP_READONLY\"; did you mean GROUP_READ_ONLY%?", out)
    -- help lists the functions, and explains one
    assert.matches("add_invitation_roles%s+adds roles, keeping the others", out)
    assert.matches("client:update_invitation%(groupId, { username = %.%.%., roles = {%.%.%.} } %[, call_options%]%)", out)
    assert.matches("example: c:update_invitation%(", out)
    assert.not_matches("table: 0x", out)
    assert.not_matches(C.private_key, out, 1, true)
  end)
end)
