-- atlas-admin's organization-level commands as a user runs them: the real
-- executable in a subprocess against the local server, every run checked
-- for leaked secrets.
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local PROD, STAGING = C.projects.prod.id, C.projects.staging.id
local VM = jit and "luajit" or "lua5.4"
local SECRETS = { C.private_key, C.client_secret }

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

describe("atlas-admin organization commands", function()
  local srv

  local function run(args, env)
    local err_file = os.tmpname()
    local p = assert(io.popen(srv:lua_env() .. (env or "") .. " " .. VM .. " bin/atlas-admin " .. args .. " 2>"
      .. quote(err_file) .. "; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    local f = io.open(err_file, "rb")
    local err = f and f:read("*a") or ""
    if f then f:close() end
    os.remove(err_file)
    local code = tonumber(out:match("exit=(%d+)%s*$"))
    out = out:gsub("exit=%d+%s*$", "")
    for _, secret in ipairs(SECRETS) do
      assert.is_nil(out:find(secret, 1, true), "a secret on stdout of: " .. args)
      assert.is_nil(err:find(secret, 1, true), "a secret on stderr of: " .. args)
    end
    return out, err, code
  end

  local function json_of(out)
    local v = cjson.decode(out)
    assert.is_table(v, "not JSON: " .. out)
    return v
  end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  it("has --help on every command, and the top-level help lists them", function()
    local out, _, code = run("--help")
    assert.equal(0, code)
    for _, word in ipairs { "org", "teams", "projects", "who", "offboard" } do
      assert.matches("\n   " .. word .. " ", out, 1, true)
    end
    for _, cmd in ipairs { "org", "org users", "org users list", "org users get", "org users set-roles",
      "org users remove", "teams", "teams list", "teams members", "teams set-members", "teams set-project-roles",
      "teams delete", "projects list", "who", "offboard" } do
      out, _, code = run(cmd .. " --help")
      assert.equal(0, code, cmd)
      assert.matches("Usage: atlas-admin " .. cmd, out, 1, true)
    end
    out = run("teams set-members --help")
    assert.matches("--member EMAIL", out, 1, true)
    assert.matches("--org ID", out, 1, true)
    assert.matches("--dry-run", out, 1, true)
    assert.matches("--quiet", out, 1, true)
  end)

  it("org users list|get: a table on request, JSON otherwise, filters by status", function()
    local out, err, code = run("org users list --org " .. ORG .. " --status PENDING -o table")
    assert.equal(0, code, err)
    assert.matches("^2 org users\n", out)
    assert.matches("grace@example.com", out, 1, true)
    out, err, code = run("org users get --orgId " .. ORG .. " --username DORA@example.com")
    assert.equal(0, code, err)
    assert.equal("dora@example.com", json_of(out).username)
    out, err, code = run("org users get --org " .. ORG .. " --id " .. C.org_users["bob@example.com"].id .. " -o table")
    assert.equal(0, code, err)
    assert.matches("^org user %x+ bob@example.com ACTIVE: ORG_MEMBER; 1 project, 1 team\n$", out)
    local _, err2, code2 = run("org users get --org " .. ORG .. " --username nobody@example.com")
    assert.equal(1, code2)
    assert.matches("no user nobody@example.com in organization", err2, 1, true)
  end)

  it("org users set-roles and remove, with dry runs that write nothing", function()
    local n, out, err, code = srv:count(function()
      return run("org users set-roles --org " .. ORG .. " --username frank@example.com --role ORG_READ_ONLY --dry-run -o table")
    end)
    assert.equal(0, code, err)
    assert.matches("would add_org_user_role frank@example.com ORG_READ_ONLY", out, 1, true)
    assert.matches("would remove_org_user_role frank@example.com ORG_MEMBER", out, 1, true)
    assert.equal(2, n) -- the digest challenge and the one read
    out, err, code = run("org users set-roles --org " .. ORG .. " --username frank@example.com --role ORG_READ_ONLY")
    assert.equal(0, code, err)
    local v = json_of(out)
    assert.is_true(v.changed)
    assert.same({ "ORG_READ_ONLY" }, v.user.roles.orgRoles)
    assert.equal(2, #v.plan)
    out = run("org users set-roles --org " .. ORG .. " --username frank@example.com --role ORG_READ_ONLY -o table")
    assert.matches("(no change: it was already so)", out, 1, true)
    out, err, code = run("org users remove --org " .. ORG .. " --username frank@example.com --dry-run")
    assert.equal(0, code, err)
    assert.matches("-X DELETE '" .. srv.url .. "/api/atlas/v2/orgs/" .. ORG .. "/users/", out, 1, true)
    out, err, code = run("org users remove --org " .. ORG .. " --username frank@example.com -o table")
    assert.equal(0, code, err)
    assert.matches("removed frank@example.com from organization " .. ORG, out, 1, true)
  end)

  it("teams list|members|set-members|set-project-roles|delete", function()
    local out, err, code = run("teams list --org " .. ORG .. " -o table")
    assert.equal(0, code, err)
    assert.matches("^3 teams\n", out)
    out, err, code = run("teams members --org " .. ORG .. " --team dba -o json")
    assert.equal(0, code, err)
    assert.equal(2, #json_of(out))
    out, err, code = run("teams set-members --org " .. ORG .. " --team 'on call' --member bob@example.com"
      .. " --member grace@example.com -o table")
    assert.equal(0, code, err)
    assert.matches("create_team team on call members bob@example.com", out, 1, true)
    assert.matches("add_team_user grace@example.com team on call", out, 1, true)
    out, err, code = run("teams set-project-roles --org " .. ORG .. " --team 'on call' --project " .. PROD
      .. " --role GROUP_READ_ONLY --role GROUP_OBSERVABILITY_VIEWER")
    assert.equal(0, code, err)
    assert.same({ "GROUP_READ_ONLY", "GROUP_OBSERVABILITY_VIEWER" }, json_of(out).teamRole.roleNames)
    out, err, code = run("teams delete --org " .. ORG .. " --team 'on call' -o table")
    assert.equal(0, code, err)
    assert.matches("deleted team on call", out, 1, true)
    local _, err2, code2 = run("teams set-members --org " .. ORG .. " --team dba --member stranger@example.com")
    assert.equal(1, code2)
    assert.matches("not in organization " .. ORG .. ": stranger@example.com", err2, 1, true)
    local _, err3, code3 = run("teams members --org " .. ORG .. " --team ghosts")
    assert.equal(1, code3)
    assert.matches("404", err3, 1, true)
  end)

  it("projects list, who, offboard", function()
    local out, err, code = run("projects list --org " .. ORG .. " --name sta -o table")
    assert.equal(0, code, err)
    assert.matches("^1 project\n  " .. STAGING .. "  staging", out)
    out, err, code = run("who --org " .. ORG .. " --project " .. GID .. " -o table")
    assert.equal(0, code, err)
    assert.matches("^7 people and 6 API keys or service accounts can reach it, 17 ways in\n", out)
    -- the key with Organization Owner, no access list: it reaches every project
    assert.matches("\n  legacy%-admin +ACTIVE +API key %(ORG_OWNER: every project%) +GROUP_OWNER\n", out)
    -- the invitation lookups are the read model's own (it stops making them
    -- at the sunset by itself): nothing for the user to change, no notice
    assert.not_matches("deprecated", err)
    out = run("who --org " .. ORG .. " --project " .. GID)
    local rows = json_of(out)
    assert.equal(17, #rows)
    assert.equal("org_owner", rows[8].via)
    assert.same({ "api_key", "legacy-admin", "ORG_OWNER" }, { rows[15].via, rows[15].username, rows[15].org_role })
    out, err, code = run("offboard --org " .. ORG .. " --username bob@example.com --dry-run -o table")
    assert.equal(0, code, err)
    assert.matches("(dry run: nothing was changed)", out, 1, true)
    assert.matches("would remove_org_user bob@example.com", out, 1, true)
    out, err, code = run("offboard --org " .. ORG .. " --username bob@example.com")
    assert.equal(0, code, err)
    local report = json_of(out)
    assert.is_true(report.changed)
    assert.equal("remove_org_user", report.done[1].operation)
    assert.same({ { id = C.teams.dba.id, name = "dba" } }, report.teams)
    assert.is_nil(srv:state(GID).users[2] and srv:state(GID).users[2].username == "bob@example.com" or nil)
  end)

  it("--quiet and ATLAS_ADMIN_QUIET silence warnings, never errors", function()
    local _, err, code = run("who --org " .. ORG .. " --project " .. GID .. " --quiet")
    assert.equal(0, code)
    assert.equal("", err)
    _, err, code = run("invitations list --project " .. GID, " ATLAS_ADMIN_QUIET=1")
    assert.equal(0, code)
    assert.equal("", err)
    _, err = run("invitations list --project " .. GID, " ATLAS_ADMIN_QUIET=0")
    assert.matches("is deprecated", err, 1, true)
    _, err, code = run("who --org " .. ORG .. " --project nope --quiet")
    assert.equal(2, code)
    assert.matches("groupId", err, 1, true)
  end)

  it("exits 2 with the usage problem when an option is missing, before any request", function()
    local n, _, err, code = srv:count(function() return run("teams set-project-roles --org " .. ORG .. " --team dba") end)
    assert.equal(0, n)
    assert.equal(2, code)
    assert.matches("give --project ID", err, 1, true)
    _, err, code = run("org users set-roles --org " .. ORG .. " --username a@example.com --role GROUP_OWNER")
    assert.equal(2, code)
    assert.matches("is a project role, not an organization role", err, 1, true)
    local out
    out, _, code = run("offboard --username a@example.com -o json")
    assert.equal(2, code)
    assert.equal("validation", json_of(out).error.kind)
  end)

  it("--trace shows the exchanges with the credentials redacted", function()
    local _, err, code = run("teams list --org " .. ORG .. " --trace")
    assert.equal(0, code)
    assert.matches("atlas-admin trace: list_teams GET", err, 1, true)
    assert.matches("Authorization: <redacted>", err, 1, true)
  end)
end)
