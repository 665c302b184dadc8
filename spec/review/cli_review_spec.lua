-- atlas-admin review as a user (or a CI job) runs it: the real executable
-- against the local server; --fail-on exits 6 on the fixture's org, 0 on a
-- clean one (a fixture of its own, written here).
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG = C.org_id
local VM = jit and "luajit" or "lua5.4"

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- An organization with nothing to report: two active owners, a project
-- with an active owner, a team with a member and a project.  The key the
-- suite authenticates with only reads it.
local CLEAN_ORG, APP, TEAM = "5c1ea5c1ea5c1ea5c1ea5c1e", "5c1ea5c1ea5c1ea5c1ea5a99", "5c1ea5c1ea5c1ea5c1ea5b01"
local function clean_fixture()
  local function user(n, org_roles, assignments)
    return { id = string.format("5c1ea5c1ea5c1ea5c1ea50%02d", n), username = "p" .. n .. "@example.com",
      orgMembershipStatus = "ACTIVE", roles = { orgRoles = org_roles, groupRoleAssignments = assignments or {} },
      teamIds = { TEAM } }
  end
  local data = {
    -- the key the suite reads with: restricted to this machine, and in use (else a finding itself)
    api_keys = { { id = "5c1ea5c1ea5c1ea5c1ea5c99", desc = "review reader", public_key = C.public_key,
      private_key = C.private_key, roles = { [CLEAN_ORG] = "ORG_READ_ONLY", [APP] = "GROUP_READ_ONLY" },
      accessList = { { ipAddress = "127.0.0.1", lastUsed = "-1d" } } } },
    orgs = { { id = CLEAN_ORG, name = "Clean", teams = { { id = TEAM, name = "app-team" } },
      users = { user(1, { "ORG_OWNER" }), user(2, { "ORG_OWNER" }),
        user(3, { "ORG_MEMBER" }, { { groupId = APP, groupRoles = { "GROUP_OWNER" } } }) } } },
    projects = { { id = APP, name = "app", orgId = CLEAN_ORG, invitations = {},
      teams = { { teamId = TEAM, roleNames = { "GROUP_READ_ONLY" } } } } },
  }
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(cjson.encode(data))
  f:close()
  return path
end

describe("atlas-admin review", function()
  local srv

  local function run(args)
    local err_file = os.tmpname()
    local p = assert(io.popen(srv:lua_env() .. " " .. VM .. " bin/atlas-admin " .. args .. " 2>" .. quote(err_file)
      .. "; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    local f = io.open(err_file, "rb")
    local err = f and f:read("*a") or ""
    if f then f:close() end
    os.remove(err_file)
    local code = tonumber(out:match("exit=(%d+)%s*$"))
    out = out:gsub("exit=%d+%s*$", "")
    assert.is_nil((out .. err):find(C.private_key, 1, true), "a secret in the output of " .. args)
    return out, err, code
  end

  local scratch
  after_each(function()
    if srv then srv:stop() end
    if scratch then os.remove(scratch) end
    srv, scratch = nil, nil
  end)

  it("prints the review, exits 6 with --fail-on at or below the worst finding, 0 otherwise", function()
    srv = local_server.start()
    local out, err, code = run("review --org " .. ORG)
    assert.equal(0, code, err)
    assert.matches("^access review of org " .. ORG, out)
    assert.is_nil(out:find("\27[", 1, true)) -- not a terminal: no colours
    assert.matches("HIGH    too_few_org_owners", out, 1, true)
    out, err, code = run("review --org " .. ORG .. " --fail-on high --format json")
    assert.equal(6, code, err)
    assert.is_table(cjson.decode(out))
    out, err, code = run("review --org " .. ORG .. " --fail-on low --format csv")
    assert.equal(6, code, err)
    assert.matches('^"kind","name"', out)
  end)

  it("exits 0 with --fail-on low on an organization with no finding", function()
    scratch = clean_fixture()
    srv = local_server.start { fixtures = scratch }
    local out, err, code = run("review --org " .. CLEAN_ORG .. " --fail-on low")
    assert.equal(0, code, err .. out)
    assert.matches("no findings", out, 1, true)
    assert.matches("findings: 0 high, 0 medium, 0 low", out, 1, true)
  end)

  it("--out writes the file and says so on stderr; --inactive-days moves the threshold", function()
    srv = local_server.start()
    local file = os.tmpname()
    local out, err, code = run("review --org " .. ORG .. " --format html --out " .. quote(file))
    assert.equal(0, code, err)
    assert.equal("", out)
    assert.matches("wrote " .. file, err, 1, true)
    local f = assert(io.open(file, "rb"))
    local html = f:read("*a")
    f:close()
    os.remove(file)
    assert.matches("^<!DOCTYPE html>", html)
    assert.truthy(html:find("bob@example.com", 1, true))
    out = run("review --org " .. ORG .. " --format md")
    assert.truthy(out:find("inactive\\_user", 1, true)) -- bob: 120 days
    out = run("review --org " .. ORG .. " --format md --inactive-days 200")
    assert.is_nil(out:find("inactive\\_user", 1, true))
  end)

  it("refuses bad arguments with exit 2 before any request", function()
    srv = local_server.start()
    local before = srv:stats().requests
    for _, args in ipairs { "review", "review --org " .. ORG .. " --format pdf", "review --org " .. ORG
      .. " --inactive-days soon", "review --org " .. ORG .. " --fail-on critical", "review --org nope" } do
      local _, err, code = run(args)
      assert.equal(2, code, args .. ": " .. err)
    end
    assert.equal(before, srv:stats().requests)
    local out, _, code = run("review --help")
    assert.equal(0, code)
    for _, flag in ipairs { "--org", "--format", "--out", "--inactive-days", "--fail-on" } do
      assert.truthy(out:find(flag, 1, true), flag)
    end
  end)
end)
