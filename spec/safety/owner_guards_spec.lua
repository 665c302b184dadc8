-- The last owner is guarded outside access files too (issue 23, point 7).
-- offboard and set_org_roles (and their commands) refuse, before any
-- write, to leave the organization with no active ORG_OWNER or a project
-- with no Project Owner: the guards, options and CLI flags of access as
-- code.  Each refusal is checked against the organization as the local
-- server holds it afterwards (srv:org_state): nothing changed.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local OWNER = "org.owner@example.com"
local VM = jit and "luajit" or "lua5.4"
-- the projects only the org's owner owns (atlas-admin-demo has bob, a GROUP_OWNER)
local UNOWNED = { "group", "many-users", "prod", "staging" }
local ORG_USER_PAGES = 2 -- the org's active users, 100 a page

-- What the server holds about who is in the org: every user's status,
-- roles and teams, and the teams (the timestamps left out).
local function who(srv)
  local st = srv:org_state(ORG)
  local users = {}
  for _, u in ipairs(st.users) do
    local assignments = {}
    for _, a in ipairs(u.roles.groupRoleAssignments or {}) do
      assignments[#assignments + 1] = a.groupId .. "=" .. table.concat(a.groupRoles, ",")
    end
    table.sort(assignments)
    users[#users + 1] = table.concat({ u.id, u.username, u.orgMembershipStatus, table.concat(u.roles.orgRoles, ","),
      table.concat(assignments, ";"), table.concat(u.teamIds or {}, ",") }, " ")
  end
  table.sort(users)
  local teams = {}
  for _, t in ipairs(st.teams) do teams[#teams + 1] = t.id .. " " .. t.name end
  table.sort(teams)
  return { users = users, teams = teams }
end

local function writes(srv)
  local n = 0
  for _, e in ipairs(srv:log()) do
    if e.method ~= "GET" then n = n + 1 end
  end
  return n
end

local function org_roles_of(client, username)
  for _, u in ipairs(assert(client:list_org_users(ORG, { username = username }))) do
    if u.username == username then return u.roles.orgRoles end
  end
end

describe("the owner guards outside access files", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    assert(client:get_team(ORG, C.teams.dba.id)) -- the digest handshake: counted calls cost what they say
  end)
  after_each(function() client:close() end)

  -- Asserts a guard refusal: nil, kind guard, the guard, its option and
  -- flag named, no write, and the org as it was.
  local function refused(guard, option, flag, fn)
    local before = who(srv)
    local value, err = fn()
    assert.is_nil(value)
    assert.is_table(err)
    assert.equal("guard", err.kind, tostring(err))
    assert.equal(guard, err.guard)
    assert.equal(option, err.option)
    assert.equal(flag, err.flag)
    assert.matches(option .. " = true", err.message, 1, true)
    assert.matches(flag, err.message, 1, true)
    assert.matches("nothing was changed", err.message, 1, true)
    assert.matches("^atlas: guard " .. guard .. ": ", tostring(err))
    assert.equal(0, writes(srv))
    assert.same(before, who(srv))
    return err
  end

  describe("the organization's last ORG_OWNER", function()
    it("offboard refuses to remove them", function()
      local err = refused("org_owner", "allow_no_org_owner", "--allow-no-org-owner", function()
        return client:offboard(ORG, OWNER)
      end)
      assert.matches("no active ORG_OWNER", err.message, 1, true)
      assert.equal("org_owner", err.report.refused) -- what they hold, for the record
      assert.matches("refused by the org_owner guard (nothing was changed)", tostring(err.report), 1, true)
    end)

    it("offboard refuses in a dry run too (the real run would be refused)", function()
      refused("org_owner", "allow_no_org_owner", "--allow-no-org-owner", function()
        return client:offboard(ORG, OWNER, { dry_run = true })
      end)
    end)

    it("set_org_roles refuses to demote them, after 1 + the active users' pages reads", function()
      local n, err
      refused("org_owner", "allow_no_org_owner", "--allow-no-org-owner", function()
        local value
        n, value, err = srv:count(function() return client:set_org_roles(ORG, OWNER, { "ORG_MEMBER" }) end)
        return value, err
      end)
      assert.equal(1 + ORG_USER_PAGES, n)
      assert.same({ "ORG_OWNER" }, org_roles_of(client, OWNER))
    end)

    it("with allow_no_org_owner, the projects only they owned trip the project guard", function()
      local err = refused("project_owner", "allow_no_project_owner", "--allow-no-project-owner", function()
        return client:set_org_roles(ORG, OWNER, { "ORG_MEMBER" }, { allow_no_org_owner = true })
      end)
      for _, name in ipairs(UNOWNED) do
        assert.matches(name .. " (" .. C.projects[name].id .. ")", err.message, 1, true)
      end
      assert.not_matches("atlas-admin-demo", err.message, 1, true) -- bob owns it
    end)

    it("with both overrides, set_org_roles demotes them", function()
      local _, changed = assert(client:set_org_roles(ORG, OWNER, { "ORG_MEMBER" },
        { allow_no_org_owner = true, allow_no_project_owner = true }))
      assert.is_true(changed)
      assert.same({ "ORG_MEMBER" }, org_roles_of(client, OWNER))
    end)

    it("with both overrides, offboard removes them", function()
      local report = assert(client:offboard(ORG, OWNER, { allow_no_org_owner = true, allow_no_project_owner = true }))
      assert.equal(1, #report.done)
      assert.is_nil(org_roles_of(client, OWNER))
    end)

    it("another active ORG_OWNER lets either go, at one more read (the first page finds them)", function()
      assert(client:set_org_roles(ORG, "frank@example.com", { "ORG_OWNER" }))
      local n, _, changed = srv:count(function() return client:set_org_roles(ORG, OWNER, { "ORG_MEMBER" }) end)
      assert.is_true(changed)
      assert.equal(1 + 1 + 2, n) -- the person, the first page of active users, add then remove
      -- now frank is the last one
      local value, err = client:offboard(ORG, "frank@example.com")
      assert.is_nil(value)
      assert.equal("org_owner", err.guard)
    end)

    it("a pending ORG_OWNER is no owner: demoting one costs no guard read", function()
      assert(client:add_org_user(ORG, { username = "pat@example.com", roles = { orgRoles = { "ORG_OWNER" } } }))
      local n = srv:count(function() assert(client:set_org_roles(ORG, "pat@example.com", { "ORG_MEMBER" })) end)
      assert.equal(1 + 2, n)
    end)
  end)

  describe("a project's last owner", function()
    -- The org without an active ORG_OWNER: only the projects' own owners are left.
    local function no_org_owner()
      assert(client:set_org_roles(ORG, OWNER, { "ORG_MEMBER" }, { allow_no_org_owner = true,
        allow_no_project_owner = true }))
    end

    it("offboard refuses to remove a project's only Project Owner, naming the project", function()
      no_org_owner()
      local before = #srv:log()
      local value, err = client:offboard(ORG, "bob@example.com")
      assert.is_nil(value)
      assert.equal("project_owner", err.guard)
      assert.matches("project atlas-admin-demo (" .. GID .. ") would be left with no Project Owner", err.message, 1, true)
      assert.matches("--allow-no-project-owner", err.message, 1, true)
      local after = srv:log()
      for i = before + 1, #after do assert.equal("GET", after[i].method) end
      assert.is_table(org_roles_of(client, "bob@example.com"))
    end)

    it("a team with GROUP_OWNER keeps the project owned while it has an active member", function()
      no_org_owner()
      assert(client:set_team_project_roles(GID, ORG, "dba", { "GROUP_OWNER" }))
      -- bob owns it himself and through dba; dora (in dba) stays: allowed
      assert(client:offboard(ORG, "bob@example.com"))
      -- dora is now dba's last active member, and dba the project's last owner
      local before = who(srv)
      local value, err = client:offboard(ORG, "dora@example.com")
      assert.is_nil(value)
      assert.equal("project_owner", err.guard)
      assert.matches("atlas-admin-demo (" .. GID .. ")", err.message, 1, true)
      assert.same(before, who(srv))
      assert(client:offboard(ORG, "dora@example.com", { allow_no_project_owner = true }))
    end)

    it("a team's last owning members and its GROUP_OWNER role are guarded too (set_team_members, "
      .. "set_team_project_roles)", function()
      no_org_owner()
      assert(client:set_team_project_roles(GID, ORG, "dba", { "GROUP_OWNER" }))
      assert(client:set_project_roles(GID, "bob@example.com", { "GROUP_READ_ONLY" }))
      -- dba (bob, dora) is now atlas-admin-demo's only owner
      local before = who(srv)
      local n0 = writes(srv)
      local team, err = client:set_team_members(ORG, "dba", { "frank@example.com" })
      assert.is_nil(team)
      assert.equal("project_owner", err.guard)
      assert.matches("team dba is its only owner", err.message, 1, true)
      local entry
      entry, err = client:set_team_project_roles(GID, ORG, "dba", { "GROUP_READ_ONLY" })
      assert.is_nil(entry)
      assert.equal("project_owner", err.guard)
      assert.equal(n0, writes(srv))
      assert.same(before, who(srv))
      -- at a shell: exit 1, the flag named
      local _, cli_err, code = srv:cli("teams set-project-roles --org " .. ORG .. " --team dba --project " .. GID
        .. " --role GROUP_READ_ONLY")
      assert.equal(1, code, cli_err)
      assert.matches("add --allow-no-project-owner if you mean it", cli_err, 1, true)
      assert.same(before, who(srv))
      -- one member leaving while another stays is fine; the override lets the last one go
      assert(client:set_team_members(ORG, "dba", { "dora@example.com" }))
      assert(client:set_team_project_roles(GID, ORG, "dba", { "GROUP_READ_ONLY" }, { allow_no_project_owner = true }))
    end)
  end)

  describe("at the command line", function()
    local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
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
      return out:gsub("exit=%d+%s*$", ""), err, code
    end

    for _, cmd in ipairs {
      "offboard --org " .. ORG .. " --username " .. OWNER,
      "org users set-roles --org " .. ORG .. " --username " .. OWNER .. " --role ORG_MEMBER",
    } do
      it(cmd:match("^(.-) %-%-") .. ": refused, naming the guard and the flag (not the Lua option)", function()
        local before = who(srv)
        local out, err, code = run(cmd .. " -o table")
        assert.equal(1, code, out .. err)
        assert.matches("guard org_owner", err, 1, true)
        assert.matches("add --allow-no-org-owner if you mean it", err, 1, true)
        assert.not_matches("allow_no_org_owner", err, 1, true)
        assert.same(before, who(srv))
        -- as JSON: the error's kind and guard
        out, _, code = run(cmd .. " -o json")
        assert.equal(1, code)
        local e = cjson.decode(out).error
        assert.equal("guard", e.kind)
        assert.matches("--allow-no-org-owner", e.message, 1, true)
        -- with the flags, it goes through
        out, err, code = run(cmd .. " --allow-no-org-owner --allow-no-project-owner -o table")
        assert.equal(0, code, out .. err)
        assert.not_same(before, who(srv))
      end)
    end

    it("the project guard's flag is named too", function()
      local _, err, code = run("org users set-roles --org " .. ORG .. " --username " .. OWNER
        .. " --role ORG_MEMBER --allow-no-org-owner")
      assert.equal(1, code)
      assert.matches("guard project_owner", err, 1, true)
      assert.matches("add --allow-no-project-owner if you mean it", err, 1, true)
    end)
  end)
end)
