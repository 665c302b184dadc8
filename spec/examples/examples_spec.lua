-- Every example runs against the local server as a user would run it
-- (after `eval "$(scripts/local-server.sh start)"`), and shows what it says.
local local_server = require "local_server"

local C = local_server.credentials

local function run_example(srv, name, args)
  local cmd = srv:lua_env() .. " lua5.4 examples/" .. name .. ".lua " .. (args or "") .. " 2>&1; echo \"exit=$?\""
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

describe("examples", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  it("update_invitation updates by username and by id", function()
    local out, rc = run_example(srv, "update_invitation")
    assert.equal(0, rc, out)
    assert.matches("GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_ONLY", out, 1, true)
    assert.matches("GROUP_OWNER %(expires", out)
    assert.matches("did you mean GROUP_READ_ONLY", out)
    -- each deprecation warning sits right above the step it belongs to
    assert.matches("! deprecated: update_invitation %(PATCH[^\n]*\n== update by username", out)
    assert.matches("! deprecated: update_invitation_by_id %(PATCH[^\n]*\n== update by id", out)
  end)

  it("list_invitations lists and filters", function()
    local out, rc = run_example(srv, "list_invitations")
    assert.equal(0, rc, out)
    assert.matches("3 invitations", out)
    assert.matches("expired", out)
    assert.matches("1 invitation\n", out)
  end)

  it("add_role adds a role, then finds nothing to do", function()
    local out, rc = run_example(srv, "add_role", "GROUP_CLUSTER_MANAGER")
    assert.equal(0, rc, out)
    assert.matches("GROUP_BACKUP_MANAGER, GROUP_CLUSTER_MANAGER", out)
    out = run_example(srv, "add_role", "GROUP_CLUSTER_MANAGER")
    assert.matches("already there: nothing written", out)
  end)

  it("remove_role removes one role and refuses to remove them all", function()
    local out, rc = run_example(srv, "remove_role")
    assert.equal(0, rc, out)
    assert.matches(": GROUP_BACKUP_MANAGER %(expires", out)
    assert.matches("delete_invitation", out)
  end)

  it("dry_run_curl prints the request and a curl line with no secret", function()
    local before = srv:stats().requests
    local out, rc = run_example(srv, "dry_run_curl")
    assert.equal(0, rc, out)
    assert.equal(before, srv:stats().requests)
    assert.matches('curl --include --digest --user "${PUBLIC_KEY}:${PRIVATE_KEY}"', out, 1, true)
    assert.not_matches(C.private_key, out, 1, true)
  end)

  it("batch_update invites a team concurrently and reports the bad row", function()
    local out, rc = run_example(srv, "batch_update", "20")
    assert.equal(0, rc, out)
    assert.matches("21/21", out, 1, true)
    assert.matches("21 invitations: 20 sent, 1 failed (1 invalid, caught before any request)", out, 1, true)
    assert.matches("call 21 failed", out, 1, true)
    assert.matches("did you mean GROUP_READ_ONLY", out, 1, true)
    assert.matches("invitation %x+ teammate001@example.com", out)
    local created = 0
    for _, inv in ipairs(srv:state(C.group_id).invitations) do
      if inv.username:match("^teammate") then created = created + 1 end
    end
    assert.equal(20, created)
  end)

  it("onboard invites a person into the org, a team and two projects in one request, then finds nothing to do", function()
    local out, rc = run_example(srv, "onboard")
    assert.equal(0, rc, out)
    assert.matches("== invited in one request\n   org user %x+ dana@example.com PENDING: ORG_MEMBER; 2 projects, 1 team", out)
    assert.matches("org roles changed: false\n   prod changed: false\n   staging changed: false", out, 1, true)
    assert.matches("dana@example.com +PENDING +direct +GROUP_READ_ONLY", out)
    assert.matches("dana@example.com +PENDING +team dba +GROUP_DATA_ACCESS_ADMIN", out)
    -- run again: already in the org, the helpers still converge
    out, rc = run_example(srv, "onboard")
    assert.equal(0, rc, out)
    assert.matches("not invited %(already in the organization%?%)", out)
  end)

  it("offboard removes a person everywhere, after a dry run, and finds them nowhere the second time", function()
    local out, rc = run_example(srv, "offboard")
    assert.equal(0, rc, out)
    assert.matches("(dry run: nothing was changed)", out, 1, true)
    assert.matches("offboard bob@example.com from org " .. C.org_id .. ": removed everywhere", out, 1, true)
    assert.matches("team dba", out, 1, true)
    assert.matches("bob@example.com is nowhere in organization " .. C.org_id, out, 1, true)
    out, rc = run_example(srv, "offboard", "jane.smith@example.com")
    assert.equal(0, rc, out)
    assert.matches("legacy invitation 5f0e15e3d52a043fed8b1c93 in project group", out, 1, true)
    assert.equal(0, #srv:state(C.other_group_id).invitations)
  end)
end)
