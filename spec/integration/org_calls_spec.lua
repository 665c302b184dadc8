-- The 22 calls of the organization level (org users, teams, team users,
-- project teams, the org's projects) end to end against the local server
-- over real libcurl, with exact request counts, and the organization
-- model behind them (a project's Cloud users are a view of org users).
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local PROD, STAGING = C.projects.prod.id, C.projects.staging.id
local DBA, PLATFORM, AUDITORS = C.teams.dba.id, C.teams.platform.id, C.teams.auditors.id
local BOB, DORA, GRACE, FRANK = C.org_users["bob@example.com"], C.org_users["dora@example.com"],
  C.org_users["grace@example.com"], C.org_users["frank@example.com"]
local DAVE = C.org_users["dave@example.com"]

local unpack = table.unpack or unpack -- luacheck: ignore 143

local function usernames(list)
  local out = {}
  for _, u in ipairs(list) do out[#out + 1] = u.username end
  table.sort(out)
  return out
end

describe("organization calls", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false })
    assert(client:get_org_user(ORG, BOB.id)) -- the digest handshake
  end)
  after_each(function() client:close() end)

  describe("org users", function()
    it("lists every active and pending user, following the pages: one request per 100", function()
      local n, users, res = srv:count(function() return client:list_org_users(ORG) end)
      assert.equal(200, res.status)
      assert.matches("^application/vnd%.atlas%.2025%-02%-19%+json", res.headers["content-type"])
      -- the fixture's members (not the expired or rejected) and the generated ones (all active)
      local expected = C.generated_org_users
      for _, u in pairs(C.org_users) do
        if u.orgMembershipStatus == "ACTIVE" or u.orgMembershipStatus == "PENDING" then expected = expected + 1 end
      end
      assert.equal(expected, #users)
      assert.equal(math.ceil(expected / 100), n)
      -- each carries org roles, project roles and teams
      local bob
      for _, u in ipairs(users) do if u.username == "bob@example.com" then bob = u end end
      assert.same({ "ORG_MEMBER" }, bob.roles.orgRoles)
      assert.same({ { groupId = GID, groupRoles = { "GROUP_OWNER" } } }, bob.roles.groupRoleAssignments)
      assert.same({ DBA }, bob.teamIds)
      assert.matches("^%d+ org users\n", tostring(users))
      assert.matches("^org user " .. BOB.id .. " bob@example.com ACTIVE: ORG_MEMBER; 1 project, 1 team$", tostring(bob))
    end)

    it("filters by username (case-insensitively) and status, in one request", function()
      local n, one = srv:count(function() return client:list_org_users(ORG, { username = "BOB@example.com" }) end)
      assert.equal(1, n)
      assert.same({ "bob@example.com" }, usernames(one))
      local expired = assert(client:list_org_users(ORG, { statuses = { "INVITATION_EXPIRED", "INVITATION_REJECTED" } }))
      assert.same({ "dave@example.com", "erin@example.com" }, usernames(expired))
      local it = client:org_users(ORG, { statuses = { "PENDING" } })
      local pending = {}
      for u in it do pending[#pending + 1] = u end
      assert.is_nil(it.err)
      assert.same({ "carol@example.com", "grace@example.com" }, usernames(pending))
    end)

    it("gets one (ACTIVE or PENDING) user by id", function()
      local n, u, res = srv:count(function() return client:get_org_user(ORG, DORA.id) end)
      assert.equal(1, n)
      assert.equal(200, res.status)
      assert.equal("dora@example.com", u.username)
      local _, err = client:get_org_user(ORG, DAVE.id) -- an expired invitation is not in the org
      assert.equal(404, err.status)
      assert.equal("USER_NOT_FOUND", err.errorCode)
    end)

    it("invites a person with org roles, project roles and teams in one request (201)", function()
      local n, u, res = srv:count(function()
        return client:add_org_user(ORG, { username = "dana@example.com", roles = { orgRoles = { "ORG_MEMBER" },
          groupRoleAssignments = { { groupId = PROD, groupRoles = { "GROUP_READ_ONLY" } },
            { groupId = STAGING, groupRoles = { "GROUP_READ_ONLY" } } } }, teamIds = { DBA } })
      end)
      assert.equal(1, n)
      assert.equal(201, res.status)
      assert.equal("PENDING", u.orgMembershipStatus)
      assert.same({ DBA }, u.teamIds)
      -- the org model: she is now a (pending) Cloud user of both projects and a member of the team
      assert.same({ "dana@example.com" }, usernames(assert(client:list_project_users(PROD, { username = "dana@example.com" }))))
      assert.same({ "GROUP_READ_ONLY" }, assert(client:list_project_users(STAGING, { username = "dana@example.com" }))[1].roles)
      assert.truthy(usernames(assert(client:list_team_users(ORG, DBA)))[2] == "dana@example.com")
      -- again: 409, once only (a create is never resent)
      local n2, _, err = srv:count(function()
        return client:add_org_user(ORG, { username = "Dana@example.com", roles = { orgRoles = { "ORG_MEMBER" } } })
      end)
      assert.equal(1, n2)
      assert.equal(409, err.status)
      -- an expired invitation is replaced
      local again = assert(client:add_org_user(ORG, { username = "dave@example.com", roles = { orgRoles = { "ORG_READ_ONLY" } } }))
      assert.equal("PENDING", again.orgMembershipStatus)
      assert.are_not.equal(DAVE.id, again.id)
    end)

    it("updates only the fields given, and an empty list resets that field (PATCH)", function()
      local n, u = srv:count(function() return client:update_org_user(ORG, BOB.id, { teamIds = { PLATFORM, DBA } }) end)
      assert.equal(1, n)
      assert.same({ PLATFORM, DBA }, u.teamIds)
      assert.same({ "ORG_MEMBER" }, u.roles.orgRoles)
      assert.equal(1, #u.roles.groupRoleAssignments) -- untouched
      -- the request carried [] for the empty list (not {})
      u = assert(client:update_org_user(ORG, BOB.id, { teamIds = {}, roles = { orgRoles = { "ORG_MEMBER" },
        groupRoleAssignments = {} } }))
      local log = srv:log()
      assert.same({ roles = { orgRoles = { "ORG_MEMBER" }, groupRoleAssignments = {} }, teamIds = {} }, log[#log].body)
      assert.equal(0, #u.teamIds)
      assert.equal(0, #u.roles.groupRoleAssignments)
      -- out of the project's Cloud users and the team with it
      assert.equal(0, #assert(client:list_project_users(GID, { username = "bob@example.com" })))
      assert.same({ "dora@example.com" }, usernames(assert(client:list_team_users(ORG, DBA))))
    end)

    it("adds and removes one org role, and never the last one", function()
      local n, u = srv:count(function() return client:add_org_user_role(ORG, FRANK.id, "ORG_BILLING_ADMIN") end)
      assert.equal(1, n)
      assert.same({ "ORG_MEMBER", "ORG_BILLING_ADMIN" }, u.roles.orgRoles)
      u = assert(client:remove_org_user_role(ORG, FRANK.id, "ORG_MEMBER"))
      assert.same({ "ORG_BILLING_ADMIN" }, u.roles.orgRoles)
      local n2, _, err = srv:count(function() return client:remove_org_user_role(ORG, FRANK.id, "ORG_BILLING_ADMIN") end)
      assert.equal(1, n2)
      assert.equal(400, err.status)
      assert.equal("CANNOT_REMOVE_LAST_ROLE", err.errorCode)
    end)

    it("removes a person from the organization, and so from every project and team (204)", function()
      local n, ok, res = srv:count(function() return client:remove_org_user(ORG, BOB.id) end)
      assert.equal(1, n)
      assert.is_true(ok)
      assert.equal(204, res.status)
      assert.equal(0, #assert(client:list_project_users(GID, { username = "bob@example.com" })))
      assert.same({ "dora@example.com" }, usernames(assert(client:list_team_users(ORG, DBA))))
      local _, err = client:get_org_user(ORG, BOB.id)
      assert.equal(404, err.status)
    end)
  end)

  describe("the project's Cloud users are a view of the org users", function()
    it("adding someone outside the org makes a pending org user with ORG_MEMBER", function()
      assert(client:add_project_user(PROD, { username = "zed@example.com", roles = { "GROUP_READ_ONLY" } }))
      local z = assert(client:list_org_users(ORG, { username = "zed@example.com" }))[1]
      assert.equal("PENDING", z.orgMembershipStatus)
      assert.same({ "ORG_MEMBER" }, z.roles.orgRoles)
      assert.same({ { groupId = PROD, groupRoles = { "GROUP_READ_ONLY" } } }, z.roles.groupRoleAssignments)
    end)

    it("removing a project user keeps them in the org", function()
      assert(client:remove_project_user(GID, BOB.id))
      local b = assert(client:get_org_user(ORG, BOB.id))
      assert.equal(0, #b.roles.groupRoleAssignments)
      assert.same({ DBA }, b.teamIds)
    end)
  end)

  describe("teams", function()
    it("lists, gets by id and by name (percent-encoded), one request each", function()
      local n, teams = srv:count(function() return client:list_teams(ORG) end)
      assert.equal(1, n)
      local names = {}
      for _, t in ipairs(teams) do names[#names + 1] = t.name end
      assert.same({ "dba", "platform", "auditors" }, names)
      assert.matches("^3 teams\n", tostring(teams))
      local n2, t = srv:count(function() return client:get_team(ORG, PLATFORM) end)
      assert.equal(1, n2)
      assert.equal("platform", t.name)
      assert.equal("team " .. PLATFORM .. " platform", tostring(t))
      local n3, byname = srv:count(function() return client:get_team_by_name(ORG, "auditors") end)
      assert.equal(1, n3)
      assert.equal(AUDITORS, byname.id)
      local _, err = client:get_team_by_name(ORG, "nobody's team")
      assert.equal(404, err.status)
    end)

    it("creates, renames and deletes a team; a name with spaces, a slash and accents survives the path", function()
      local name = "Données / On-call team"
      local n, t, res = srv:count(function()
        return client:create_team(ORG, { name = name, usernames = { "bob@example.com", "dora@example.com" } })
      end)
      assert.equal(1, n)
      assert.equal(200, res.status)
      assert.equal(name, t.name)
      assert.same({ "bob@example.com", "dora@example.com" }, t.usernames)
      local found = assert(client:get_team_by_name(ORG, name))
      assert.equal(t.id, found.id)
      -- percent-encoded, a slash included (the server sees the decoded name)
      assert.matches("/teams/byName/Donn%%C3%%A9es%%20%%2F%%20On%-call%%20team$",
        assert(client:get_team_by_name(ORG, name, { dry_run = true })).url)
      assert.matches("/teams/byName/" .. name, srv:log()[#srv:log()].url, 1, true)
      -- a duplicate name: 409, sent once
      local n2, _, err = srv:count(function() return client:create_team(ORG, { name = name, usernames = {} }) end)
      assert.equal(1, n2)
      assert.equal(409, err.status)
      local renamed = assert(client:rename_team(ORG, t.id, "on-call"))
      assert.equal("on-call", renamed.name)
      assert(client:add_project_teams(PROD, { { teamId = t.id, roleNames = { "GROUP_READ_ONLY" } } }))
      local n3, ok = srv:count(function() return client:delete_team(ORG, t.id) end)
      assert.equal(1, n3)
      assert.is_true(ok)
      -- deleting a team takes it off every project and member
      for _, entry in ipairs(assert(client:list_project_teams(PROD))) do assert.are_not.equal(t.id, entry.teamId) end
      assert.same({ DBA }, assert(client:get_org_user(ORG, BOB.id)).teamIds)
    end)

    it("creates a team with active members only: a pending one is named in Atlas's error", function()
      local _, err = client:create_team(ORG, { name = "new", usernames = { "bob@example.com", "grace@example.com" } })
      assert.equal(400, err.status)
      assert.equal("USER_NOT_IN_ORG", err.errorCode)
      assert.matches("grace@example.com", err.message, 1, true)
    end)

    it("lists a team's users and adds or removes one (pending users too), one request each", function()
      local n, users = srv:count(function() return client:list_team_users(ORG, DBA) end)
      assert.equal(1, n)
      assert.same({ "bob@example.com", "dora@example.com" }, usernames(users))
      local n2, u = srv:count(function() return client:add_team_user(ORG, DBA, GRACE.id) end)
      assert.equal(1, n2)
      assert.equal("grace@example.com", u.username)
      assert.same({ "bob@example.com", "dora@example.com", "grace@example.com" }, usernames(assert(client:list_team_users(ORG, DBA))))
      assert.same({ "grace@example.com" }, usernames(assert(client:list_team_users(ORG, DBA, { statuses = { "PENDING" } }))))
      assert(client:remove_team_user(ORG, DBA, BOB.id))
      assert.same({ "dora@example.com", "grace@example.com" }, usernames(assert(client:list_team_users(ORG, DBA))))
      -- someone whose only org invitation expired is not in the org
      local _, err = client:add_team_user(ORG, DBA, DAVE.id)
      assert.equal("USER_NOT_IN_ORG", err.errorCode)
      -- the team users' calls use 2025-02-19, the team calls 2023-01-01
      local log = srv:log()
      assert.equal("POST", log[#log].method)
      assert.matches(":addUser$", log[#log].url)
    end)
  end)

  describe("project teams", function()
    it("lists, gets, adds (a JSON array), updates and removes, one request each", function()
      local n, entries = srv:count(function() return client:list_project_teams(GID) end)
      assert.equal(1, n)
      assert.same({ { teamId = DBA, roleNames = { "GROUP_READ_ONLY" } } },
        { { teamId = entries[1].teamId, roleNames = entries[1].roleNames } })
      local n2, entry = srv:count(function() return client:get_project_team(GID, DBA) end)
      assert.equal(1, n2)
      assert.equal("team " .. DBA .. ": GROUP_READ_ONLY", tostring(entry))
      local n3, added, res = srv:count(function()
        return client:add_project_teams(GID, { { teamId = PLATFORM, roleNames = { "GROUP_CLUSTER_MANAGER" } },
          { teamId = AUDITORS, roleNames = { "GROUP_READ_ONLY", "GROUP_OBSERVABILITY_VIEWER" } } })
      end)
      assert.equal(1, n3)
      assert.equal(200, res.status)
      assert.equal(2, #added)
      local log = srv:log()
      assert.same({ { roleNames = { "GROUP_CLUSTER_MANAGER" }, teamId = PLATFORM },
        { roleNames = { "GROUP_READ_ONLY", "GROUP_OBSERVABILITY_VIEWER" }, teamId = AUDITORS } }, log[#log].body)
      local n4, updated = srv:count(function()
        return client:update_project_team(GID, PLATFORM, { roleNames = { "GROUP_OWNER" } })
      end)
      assert.equal(1, n4)
      assert.same({ "GROUP_OWNER" }, updated.roleNames)
      assert.equal(PLATFORM, updated.teamId)
      local n5, ok = srv:count(function() return client:remove_project_team(GID, AUDITORS) end)
      assert.equal(1, n5)
      assert.is_true(ok)
      assert.equal(2, #assert(client:list_project_teams(GID)))
      -- a team already in the project: an error, sent once (an add is not resent)
      local n6, _, err = srv:count(function()
        return client:add_project_teams(GID, { { teamId = DBA, roleNames = { "GROUP_OWNER" } } })
      end)
      assert.equal(1, n6)
      assert.equal(409, err.status)
      local _, missing = client:get_project_team(STAGING, DBA)
      assert.equal(404, missing.status)
    end)
  end)

  describe("projects", function()
    it("lists the organization's projects, filtered by a name prefix", function()
      local n, projects = srv:count(function() return client:list_org_projects(ORG) end)
      assert.equal(1, n)
      assert.equal(5, #projects)
      assert.matches("^5 projects\n", tostring(projects))
      local some = assert(client:list_org_projects(ORG, { name = "PRO" }))
      assert.equal(1, #some)
      assert.equal("project " .. PROD .. " prod (org " .. ORG .. ")", tostring(some[1]))
      assert.equal(1, #assert(client:list_org_projects(C.other_org_id)))
    end)
  end)

  describe("before any request", function()
    it("validates every call's arguments and bodies, naming the field", function()
      local cases = {
        { "list_org_users", { "nope" }, "orgId" },
        { "list_org_users", { ORG, { statuses = { "ACTIV" } } }, "statuses[1]", "did you mean ACTIVE" },
        { "get_org_user", { ORG, "x" }, "userId" },
        { "add_org_user", { ORG, { username = "a@example.com", roles = { orgRoles = { "ORG_OWNR" } } } },
          "roles.orgRoles[1]", "did you mean ORG_OWNER" },
        { "add_org_user", { ORG, { username = "a@example.com", roles = { orgRoles = { "GROUP_OWNER" } } } },
          "roles.orgRoles[1]", "is a project role, not an organization role" },
        { "add_org_user", { ORG, { username = "a@example.com", roles = { orgRoles = { "ORG_MEMBER" },
          groupRoleAssignments = { { groupId = PROD, groupRoles = { "ORG_OWNER" } } } } } },
          "roles.groupRoleAssignments[1].groupRoles[1]", "is an organization role, not a project role" },
        { "add_org_user", { ORG, { username = "a@example.com", roles = { orgRoles = {} } } }, "roles.orgRoles",
          "at least one organization role" },
        { "add_org_user", { ORG, { username = "a@example.com" } }, "roles", "required" },
        { "add_org_user", { ORG, { username = "a@example.com", roles = { orgRoles = { "ORG_MEMBER" } },
          teamIds = { DBA, DBA } } }, "teamIds[2]", "twice" },
        { "update_org_user", { ORG, BOB.id, {} }, "body", "nothing to change" },
        { "update_org_user", { ORG, BOB.id, { teamid = {} } }, "teamid", "unknown field" },
        { "add_org_user_role", { ORG, BOB.id, "ORG_READONLY" }, "orgRole", "did you mean ORG_READ_ONLY" },
        { "remove_org_user_role", { ORG, BOB.id, nil }, "orgRole", "required" },
        { "get_team_by_name", { ORG, "" }, "teamName", "empty" },
        { "get_team_by_name", { ORG, "tab\tname" }, "teamName", "control characters" },
        { "get_team_by_name", { ORG, string.rep("x", 300) }, "teamName", "300 bytes" },
        { "create_team", { ORG, { name = "ok" } }, "usernames", "required" },
        { "create_team", { ORG, { name = "ok", usernames = { "not-an-email" } } }, "usernames[1]", "exactly one '@'" },
        { "rename_team", { ORG, DBA, "\255bad" }, "name", "UTF-8" },
        { "add_team_user", { ORG, DBA, "bob@example.com" }, "id", "24" },
        { "list_team_users", { ORG, DBA, { user_id = "x" } }, "user_id", "24" },
        { "add_project_teams", { GID, {} }, "teams", "at least one" },
        { "add_project_teams", { GID, { { teamId = DBA, roleNames = { "GROUP_READONLY" } } } }, "teams[1].roleNames[1]",
          "did you mean GROUP_READ_ONLY" },
        { "add_project_teams", { GID, { { teamId = DBA, roleNames = { "GROUP_OWNER" } },
          { teamId = DBA, roleNames = { "GROUP_OWNER" } } } }, "teams[2]", "listed twice" },
        { "update_project_team", { GID, DBA, { roleNames = {} } }, "roleNames", "at least one role" },
        { "remove_project_team", { GID, "DBA" }, "teamId", "24" },
        { "list_org_projects", { ORG, { name = "" } }, "name", "non-empty" },
        { "list_org_projects", { ORG, { nme = "x" } }, "nme", "did you mean name" },
      }
      local before = srv:stats().requests
      for _, case in ipairs(cases) do
        local args = case[2]
        local result, err = client[case[1]](client, unpack(args, 1, 3))
        assert.is_nil(result, case[1])
        assert.equal("validation", err.kind, case[1] .. ": " .. tostring(err))
        assert.equal(case[3], err.field, case[1] .. ": " .. tostring(err))
        if case[4] then assert.matches(case[4], err.message, 1, true) end
      end
      assert.equal(before, srv:stats().requests)
    end)

    it("returns each write as a dry run without sending it", function()
      local before = srv:stats().requests
      local req = assert(client:add_org_user(ORG, { username = "a@example.com", roles = { orgRoles = { "ORG_MEMBER" } },
        teamIds = {} }, { dry_run = true }))
      assert.equal("POST", req.method)
      assert.equal(srv.url .. "/api/atlas/v2/orgs/" .. ORG .. "/users", req.url)
      assert.equal("application/vnd.atlas.2025-02-19+json", req.headers.Accept)
      assert.equal('{"roles":{"orgRoles":["ORG_MEMBER"]},"teamIds":[],"username":"a@example.com"}', req.body)
      req = assert(client:add_project_teams(GID, { { teamId = DBA, roleNames = { "GROUP_OWNER" } } }, { dry_run = true }))
      assert.equal('[{"roleNames":["GROUP_OWNER"],"teamId":"' .. DBA .. '"}]', req.body)
      assert.equal("application/vnd.atlas.2023-01-01+json", req.headers["Content-Type"])
      req = assert(client:add_team_user(ORG, DBA, GRACE.id, { dry_run = true }))
      assert.equal("application/vnd.atlas.2025-02-19+json", req.headers.Accept)
      assert.matches(":addUser$", req.url)
      assert.matches("^curl ", atlas.to_curl(req))
      assert.equal(before, srv:stats().requests)
    end)
  end)

  it("refuses writes to a read-only key (ORG_READ_ONLY) and lets it read", function()
    local viewer = assert(atlas.client { auth = assert(atlas.digest(C.viewonly_public_key, C.viewonly_private_key)),
      base_url = srv.url, on_warning = false })
    assert(viewer:list_org_users(ORG))
    assert(viewer:list_teams(ORG))
    local _, err = viewer:create_team(ORG, { name = "x", usernames = {} })
    assert.equal(401, err.status)
    assert.equal("USER_UNAUTHORIZED", err.errorCode)
    viewer:close()
  end)
end)
