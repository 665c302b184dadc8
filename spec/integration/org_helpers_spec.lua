-- The organization level's desired-state helpers (set_org_roles,
-- set_team_members, set_team_project_roles), offboarding and the org-wide
-- read model (org_access, who_can_access), each branch with its exact
-- request count at the local server.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local PROD, STAGING = C.projects.prod.id, C.projects.staging.id
local DBA, PLATFORM = C.teams.dba.id, C.teams.platform.id
local BOB, FRANK = C.org_users["bob@example.com"], C.org_users["frank@example.com"]
local N_PROJECTS = 5 -- the org's projects in the fixture
local ORG_USER_PAGES = 2 -- 157 active and pending org users, 100 a page (the helpers' own listings)
local MODEL_USER_PAGES = 1 -- the same, 500 a page (the read model's listing)
-- the read model's identity reads: a page of API keys and one of service accounts, one access list each
local IDENTITIES = 2 + C.n_api_keys + C.n_service_accounts

local function writes(srv)
  local out = {}
  for _, e in ipairs(srv:log()) do
    if e.method ~= "GET" then out[#out + 1] = e.method .. " " .. e.url:gsub("^/api/atlas/v2", "") end
  end
  return out
end

local function members(client, team_id)
  local out = {}
  for _, u in ipairs(assert(client:list_team_users(ORG, team_id))) do out[#out + 1] = u.username end
  table.sort(out)
  return out
end

describe("organization helpers", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    assert(client:get_org_user(ORG, BOB.id)) -- the digest handshake: counted calls cost what they say
  end)
  after_each(function() client:close() end)

  local function count(fn)
    return srv:count(fn)
  end

  describe("set_org_roles", function()
    it("does nothing when the roles match: 1 request", function()
      local n, user, changed, plan = count(function() return client:set_org_roles(ORG, "Bob@Example.com", { "ORG_MEMBER" }) end)
      assert.equal(1, n)
      assert.is_false(changed)
      assert.same({}, plan)
      assert.equal(BOB.id, user.id)
      assert.equal("no writes (nothing to change)", tostring(plan))
    end)

    it("adds before it removes, one request per role: 1 + k", function()
      local n, user, changed, plan = count(function()
        return client:set_org_roles(ORG, "bob@example.com", { "ORG_BILLING_ADMIN", "ORG_GROUP_CREATOR" })
      end)
      assert.equal(1 + 3, n)
      assert.is_true(changed)
      assert.same({ "ORG_BILLING_ADMIN", "ORG_GROUP_CREATOR" }, user.roles.orgRoles)
      assert.same({ "add_org_user_role", "add_org_user_role", "remove_org_user_role" },
        { plan[1].operation, plan[2].operation, plan[3].operation })
      local w = writes(srv)
      assert.same({ "POST /orgs/" .. ORG .. "/users/" .. BOB.id .. ":addRole",
        "POST /orgs/" .. ORG .. "/users/" .. BOB.id .. ":addRole",
        "POST /orgs/" .. ORG .. "/users/" .. BOB.id .. ":removeRole" }, w)
      assert.equal("3 writes", tostring(plan):match("^[^\n]+"))
    end)

    it("invites someone new with the roles: 2 requests", function()
      local n, user, changed, plan = count(function() return client:set_org_roles(ORG, "dana@example.com", { "ORG_MEMBER" }) end)
      assert.equal(2, n)
      assert.is_true(changed)
      assert.equal("PENDING", user.orgMembershipStatus)
      assert.same({ { operation = "add_org_user", orgId = ORG, username = "dana@example.com", orgRoles = { "ORG_MEMBER" } } }, plan)
      -- and again: nothing to do, 1 request
      local n2, _, changed2 = count(function() return client:set_org_roles(ORG, "dana@example.com", { "ORG_MEMBER" }) end)
      assert.equal(1, n2)
      assert.is_false(changed2)
    end)

    it("with dry_run reads but writes nothing", function()
      local n, user, changed, plan = count(function()
        return client:set_org_roles(ORG, "bob@example.com", { "ORG_OWNER" }, { dry_run = true })
      end)
      assert.equal(1, n)
      assert.is_true(changed)
      assert.equal(2, #plan)
      assert.same({ "ORG_MEMBER" }, user.roles.orgRoles)
      assert.same({}, writes(srv))
      local _, missing, new_plan = client:set_org_roles(ORG, "nobody@example.com", { "ORG_MEMBER" }, { dry_run = true })
      assert.is_nil(_)
      assert.is_true(missing)
      assert.equal("add_org_user", new_plan[1].operation)
    end)

    it("says what was done when a write fails midway, and converges when run again", function()
      srv:fault { status = 500, count = 1, match = ":removeRole", body = '{"error":500,"errorCode":"UNEXPECTED_ERROR"}',
        content_type = "application/json" }
      local user, err = client:set_org_roles(ORG, "bob@example.com", { "ORG_BILLING_ADMIN" })
      assert.is_nil(user)
      assert.equal(500, err.status)
      assert.equal(1, #err.done)
      assert.equal("add_org_user_role", err.done[1].operation)
      assert.equal(2, #err.plan)
      assert.matches("set_org_roles: 1 of 2 writes done; running it again converges", err.message, 1, true)
      local n, again, changed, plan = count(function() return client:set_org_roles(ORG, "bob@example.com", { "ORG_BILLING_ADMIN" }) end)
      assert.equal(2, n)
      assert.is_true(changed)
      assert.same({ "remove_org_user_role" }, { plan[1].operation })
      assert.same({ "ORG_BILLING_ADMIN" }, again.roles.orgRoles)
    end)

    it("validates before any request: an org role list, never empty, never a project role", function()
      local n = count(function()
        local _, e1 = client:set_org_roles(ORG, "bob@example.com", { "GROUP_OWNER" })
        assert.equal("orgRoles[1]", e1.field)
        assert.matches("is a project role, not an organization role", e1.message, 1, true)
        local _, e2 = client:set_org_roles(ORG, "bob@example.com", {})
        assert.matches("at least one organization role", e2.message, 1, true)
        local _, e3 = client:set_org_roles(ORG, "bob", { "ORG_MEMBER" })
        assert.equal("username", e3.field)
        local _, e4 = client:set_org_roles(ORG, "bob@example.com", { "ORG_MEMBER" }, { dryrun = true })
        assert.equal("dryrun", e4.field)
      end)
      assert.equal(0, n)
    end)
  end)

  describe("set_team_members", function()
    it("does nothing when the members match: 2 requests (the team, its members)", function()
      local n, team, changed, plan = count(function()
        return client:set_team_members(ORG, "dba", { "dora@example.com", "BOB@example.com" })
      end)
      assert.equal(2, n)
      assert.is_false(changed)
      assert.same({}, plan)
      assert.same({ "bob@example.com", "dora@example.com" }, team.usernames)
    end)

    it("adds (a pending member too) before it removes: 2 + 1 lookup + 1 per change + 1 owner guard", function()
      local n, team, changed, plan = count(function()
        return client:set_team_members(ORG, "dba", { "bob@example.com", "grace@example.com" })
      end)
      -- (dora, active, leaves: the owner guard reads the org's active users up to its ORG_OWNER)
      assert.equal(2 + 1 + 2 + 1, n)
      assert.is_true(changed)
      assert.same({ "add_team_user", "remove_team_user" }, { plan[1].operation, plan[2].operation })
      assert.same({ "grace@example.com", "dora@example.com" }, { plan[1].username, plan[2].username })
      assert.same({ "bob@example.com", "grace@example.com" }, team.usernames)
      assert.same({ "bob@example.com", "grace@example.com" }, members(client, DBA))
    end)

    it("looks up two or more new members in one listing of the org's users", function()
      local n, _, changed = count(function()
        return client:set_team_members(ORG, "dba", { "bob@example.com", "dora@example.com", "frank@example.com",
          "alice@example.com", "carol@example.com" })
      end)
      assert.is_true(changed)
      assert.equal(2 + ORG_USER_PAGES + 3, n)
    end)

    it("creates a missing team with its active members, then adds the pending ones", function()
      local n, team, changed, plan = count(function()
        return client:set_team_members(ORG, "on-call", { "bob@example.com", "grace@example.com", "frank@example.com" })
      end)
      -- the team (404), the org's users, the create, one add for the pending member
      assert.equal(1 + ORG_USER_PAGES + 1 + 1, n)
      assert.is_true(changed)
      assert.equal("create_team", plan[1].operation)
      assert.same({ "bob@example.com", "frank@example.com" }, plan[1].usernames)
      assert.same({ operation = "add_team_user", orgId = ORG, team = "on-call", userId = C.org_users["grace@example.com"].id,
        username = "grace@example.com" }, plan[2])
      assert.same({ "bob@example.com", "frank@example.com", "grace@example.com" }, team.usernames)
      assert.same({ "bob@example.com", "frank@example.com", "grace@example.com" }, members(client, team.id))
      -- converged: the second run writes nothing
      local n2, _, changed2 = count(function()
        return client:set_team_members(ORG, "on-call", { "grace@example.com", "bob@example.com", "frank@example.com" })
      end)
      assert.equal(2, n2)
      assert.is_false(changed2)
    end)

    it("names who is not in the organization and writes nothing", function()
      local n, team, err = count(function()
        return client:set_team_members(ORG, "dba", { "bob@example.com", "stranger@example.com", "dave@example.com" })
      end)
      assert.is_nil(team)
      assert.equal("not_found", err.kind)
      assert.equal("usernames", err.field)
      assert.matches("not in organization " .. ORG .. ": stranger@example.com, dave@example.com", err.message, 1, true)
      assert.equal(2 + ORG_USER_PAGES, n)
      assert.same({}, writes(srv))
    end)

    it("with dry_run reads but writes nothing; a new team is nil", function()
      local n, team, changed, plan = count(function()
        return client:set_team_members(ORG, "newteam", { "bob@example.com" }, { dry_run = true })
      end)
      assert.equal(2, n)
      assert.is_nil(team)
      assert.is_true(changed)
      assert.equal("create_team", plan[1].operation)
      assert.same({}, writes(srv))
    end)

    it("says what was done when a write fails midway", function()
      srv:fault { status = 503, count = 1, match = ":removeUser", body = '{"error":503,"errorCode":"SERVICE_UNAVAILABLE"}',
        content_type = "application/json" }
      local team, err = client:set_team_members(ORG, "dba", { "grace@example.com" })
      assert.is_nil(team)
      assert.equal(1, #err.done)
      assert.equal(3, #err.plan)
      -- grace was added; removing bob failed, so dora's removal was never tried
      assert.same({ "bob@example.com", "dora@example.com", "grace@example.com" }, members(client, DBA))
      local again = assert(client:set_team_members(ORG, "dba", { "grace@example.com" }))
      assert.same({ "grace@example.com" }, again.usernames)
    end)
  end)

  describe("set_team_project_roles", function()
    it("unchanged 2 requests, changed 3, added 3", function()
      local n, entry, changed = count(function()
        return client:set_team_project_roles(GID, ORG, "dba", { "GROUP_READ_ONLY" })
      end)
      assert.equal(2, n)
      assert.is_false(changed)
      assert.equal(DBA, entry.teamId)
      local n2, updated, changed2, plan2 = count(function()
        return client:set_team_project_roles(GID, ORG, "dba", { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" })
      end)
      assert.equal(3, n2)
      assert.is_true(changed2)
      assert.equal("update_project_team", plan2[1].operation)
      assert.same({ "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" }, updated.roleNames)
      local n3, added, changed3, plan3 = count(function()
        return client:set_team_project_roles(STAGING, ORG, "dba", { "GROUP_DATA_ACCESS_ADMIN" })
      end)
      assert.equal(3, n3)
      assert.is_true(changed3)
      assert.equal("add_project_teams", plan3[1].operation)
      assert.equal(DBA, added.teamId)
      assert.same({ "GROUP_DATA_ACCESS_ADMIN" }, added.roleNames)
      local _, again = client:set_team_project_roles(STAGING, ORG, "dba", { "GROUP_DATA_ACCESS_ADMIN" })
      assert.is_false(again)
    end)

    it("refuses an unknown team after one request, a dry run writes nothing, bad roles send nothing", function()
      local n, entry, err = count(function() return client:set_team_project_roles(GID, ORG, "ghosts", { "GROUP_OWNER" }) end)
      assert.equal(1, n)
      assert.is_nil(entry)
      assert.equal("not_found", err.kind)
      assert.matches("set_team_members", err.message, 1, true)
      local _, changed, plan = client:set_team_project_roles(PROD, ORG, "platform", { "GROUP_OWNER" }, { dry_run = true })
      assert.is_true(changed)
      assert.equal("add_project_teams", plan[1].operation)
      assert.same({}, writes(srv))
      local n2 = count(function()
        local _, e = client:set_team_project_roles(GID, ORG, "dba", { "ORG_OWNER" })
        assert.matches("organization role, not a project role", e.message, 1, true)
      end)
      assert.equal(0, n2)
    end)
  end)

  describe("offboard", function()
    it("removes the person from the org (and so every project and team), and reports what they held", function()
      local n, report = count(function() return client:offboard(ORG, "Bob@example.com") end)
      -- the person, the projects, the teams' names, each project's invitations, the owner guards (bob owns a
      -- project and is in a team: the first page of active users finds the org's owner), the removal
      assert.equal(1 + 1 + 1 + N_PROJECTS + 1 + 1, n)
      assert.is_true(report.changed)
      assert.same({ id = BOB.id, status = "ACTIVE", org_roles = { "ORG_MEMBER" } }, report.org_user)
      assert.same({ { id = GID, name = "atlas-admin-demo", roles = { "GROUP_OWNER" } } }, report.projects)
      assert.same({ { id = DBA, name = "dba" } }, report.teams)
      assert.same({}, report.invitations)
      assert.equal(1, #report.done)
      assert.equal("offboard Bob@example.com from org " .. ORG .. ": removed everywhere\n"
        .. "  org user " .. BOB.id .. " ACTIVE: ORG_MEMBER\n"
        .. "  project atlas-admin-demo (" .. GID .. "): GROUP_OWNER\n"
        .. "  team dba (" .. DBA .. ")", tostring(report))
      assert.equal(0, #assert(client:list_project_users(GID, { username = "bob@example.com" })))
      assert.same({ "dora@example.com" }, members(client, DBA))
      -- again: nowhere in the org any more, an error (a typo looks the same), nothing written
      local n2, again, err = count(function() return client:offboard(ORG, "bob@example.com") end)
      assert.equal(1 + 1 + N_PROJECTS + ORG_USER_PAGES, n2) -- + the usernames, for a suggestion
      assert.is_nil(again)
      assert.equal("not_found", err.kind)
      assert.matches("bob@example.com is nowhere in organization " .. ORG, err.message, 1, true)
    end)

    it("deletes pending legacy invitations in every project of the org, which the Cloud Users calls cannot see", function()
      local n, report = count(function() return client:offboard(ORG, "jane.smith@example.com") end)
      assert.equal(1 + 1 + N_PROJECTS + 2, n)
      assert.is_nil(report.org_user)
      assert.equal(2, #report.invitations)
      assert.same({ "delete_invitation", "delete_invitation" }, { report.plan[1].operation, report.plan[2].operation })
      assert.equal(0, #assert(client:list_invitations(GID, { username = "jane.smith@example.com" })))
      assert.equal(0, #assert(client:list_invitations(C.other_group_id, { username = "jane.smith@example.com" })))
    end)

    it("reads and deletes those invitations without a deprecation notice (nothing for the caller to change)", function()
      local seen = {}
      local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
        on_warning = function(m) seen[#seen + 1] = m end })
      assert(c:org_access(ORG))
      assert(c:who_can_access(ORG, GID))
      local report = assert(c:offboard(ORG, "jane.smith@example.com"))
      assert.equal(2, #report.invitations)
      c:close()
      assert.same({}, seen)
    end)

    it("with dry_run lists what would go and writes nothing", function()
      local report = assert(client:offboard(ORG, "bob@example.com", { dry_run = true }))
      assert.is_true(report.dry_run)
      assert.equal(1, #report.plan)
      assert.equal(0, #report.done)
      assert.matches("(dry run: nothing was changed)", tostring(report), 1, true)
      assert.same({}, writes(srv))
    end)

    it("after the invitations' sunset asks no project for invitations (and legacy_invitations = false neither)", function()
      srv:sunset(true)
      -- (each + 1: the owner guards' first page of active users)
      local n = count(function() assert(client:offboard(ORG, "bob@example.com", { dry_run = true })) end)
      assert.equal(1 + 1 + 1 + 1 + 1, n) -- the first invitation listing answers 410: no more are asked
      local n2 = count(function() assert(client:offboard(ORG, "bob@example.com", { dry_run = true })) end)
      assert.equal(1 + 1 + 1 + 1, n2) -- the client remembers the sunset
      srv:sunset(false)
      local fresh = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
        on_warning = false, legacy_invitations = false })
      assert(fresh:get_org_user(ORG, BOB.id))
      local n3 = count(function() assert(fresh:offboard(ORG, "bob@example.com", { dry_run = true })) end)
      assert.equal(1 + 1 + 1 + 1, n3)
      fresh:close()
    end)

    it("says what was done when a write fails midway", function()
      assert(client:add_org_user(ORG, { username = "hello@example.com", roles = { orgRoles = { "ORG_MEMBER" } } }))
      srv:fault { status = 500, count = 1, match = "/invites/", body = '{"error":500,"errorCode":"UNEXPECTED_ERROR"}',
        content_type = "application/json" }
      local report, err = client:offboard(ORG, "hello@example.com")
      assert.is_nil(report)
      assert.equal(500, err.status)
      assert.equal(1, #err.done)
      assert.equal("remove_org_user", err.done[1].operation)
      assert.matches("offboard: 1 of 2 writes done", err.message, 1, true)
      assert.equal(err.report.org_user.status, "PENDING")
      -- running it again finishes the rest: the invitation
      local again = assert(client:offboard(ORG, "hello@example.com"))
      assert.is_nil(again.org_user)
      assert.equal(1, #again.done)
      assert.equal("delete_invitation", again.done[1].operation)
    end)
  end)

  describe("org_access", function()
    it("reads the whole org in U + T + P + 2 x projects requests", function()
      -- the first read on a client also answers a digest challenge per new connection (at most 16)
      local first = count(function() return assert(client:org_access(ORG)) end)
      assert.is_true(first <= MODEL_USER_PAGES + 1 + 1 + IDENTITIES + 3 * N_PROJECTS + 16, first)
      local n, model = count(function() return client:org_access(ORG) end)
      assert.equal(MODEL_USER_PAGES + 1 + 1 + IDENTITIES + 3 * N_PROJECTS, n) -- + each project's service accounts
      assert.equal(n, model.requests)
      assert.equal(157, #model.people)
      local bob = model.person["bob@example.com"]
      assert.same({ ORG_MEMBER = true }, { [bob.org_roles[1]] = true })
      assert.same({ [GID] = { "GROUP_OWNER" } }, bob.projects)
      assert.same({ "dba" }, bob.teams)
      local dba = model.team.dba
      assert.same({ "bob@example.com", "dora@example.com" }, dba.members)
      assert.same({ [GID] = { "GROUP_READ_ONLY" }, [PROD] = { "GROUP_DATA_ACCESS_ADMIN" } }, dba.projects)
      assert.same({ "alice@example.com" }, model.team.platform.members)
      assert.equal("prod", model.project[PROD].name)
      assert.equal(PROD, model.project.prod.id)
      assert.equal(2, #model.invitations[GID]) -- the expired one is not access
      assert.equal(1, #model.invitations[C.other_group_id])
      local text = tostring(model)
      assert.matches("^org " .. ORG .. ": 157 people, 3 teams, 5 projects, 3 legacy invitations %(" .. math.floor(n) .. " requests%)", text)
      assert.matches("\n  bob@example.com +ACTIVE +ORG_MEMBER +atlas%-admin%-demo: GROUP_OWNER +teams: dba\n", text)
      assert.matches("\n  dba +2 members +atlas%-admin%-demo: GROUP_READ_ONLY; prod: GROUP_DATA_ACCESS_ADMIN\n", text)
    end)

    it("reads only the projects asked for, by name or id: U + T + P + 2 each", function()
      assert(client:org_access(ORG)) -- the connections' digest challenges
      local n, model = count(function() return client:org_access(ORG, { projects = { "prod", STAGING } }) end)
      assert.equal(MODEL_USER_PAGES + 1 + 1 + IDENTITIES + 3 * 2, n)
      assert.equal(2, #model.projects)
      local n2, none, err = count(function() return client:org_access(ORG, { projects = { "prd" } }) end)
      assert.is_nil(none)
      assert.equal("not_found", err.kind)
      assert.equal("projects[1]", err.field)
      assert.equal(MODEL_USER_PAGES + 1 + 1 + IDENTITIES, n2)
      local n3, _, bad = count(function() return client:org_access(ORG, { project = { "prod" } }) end)
      assert.equal(0, n3)
      assert.equal("project", bad.field)
    end)

    it("costs one request less per project after the sunset", function()
      local quiet = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
        on_warning = false, legacy_invitations = false })
      assert(quiet:get_org_user(ORG, BOB.id))
      assert(quiet:org_access(ORG)) -- the connections' digest challenges
      local n, model = count(function() return quiet:org_access(ORG) end)
      assert.equal(MODEL_USER_PAGES + 1 + 1 + IDENTITIES + 2 * N_PROJECTS, n)
      assert.same({}, model.invitations)
      quiet:close()
    end)

    it("answers who can reach a project and why, for no more requests than org_access", function()
      assert(client:org_access(ORG)) -- the connections' digest challenges
      local n, rows = count(function() return client:who_can_access(ORG, GID) end)
      -- (who reads no access list: the identities' two listings, and the project's service accounts)
      assert.equal(MODEL_USER_PAGES + 1 + 1 + 2 + 3, n)
      local got, identities = {}, {}
      for _, r in ipairs(rows) do
        local line = r.username .. " " .. r.via .. (r.team and (":" .. r.team) or "") .. (r.org_role and (":" .. r.org_role)
          or "") .. " " .. table.concat(r.roles, ",")
        if r.via == "api_key" or r.via == "service_account" then identities[#identities + 1] = line
        else got[#got + 1] = line end
      end
      -- the API keys and service accounts that reach it, after the people: an ORG_OWNER key reaches every project
      assert.same({
        "atlas-admin test suite (owner) api_key GROUP_OWNER",
        "atlas-admin test suite (owner) api_key:ORG_OWNER GROUP_OWNER",
        "atlas-admin test suite (read-only) api_key GROUP_READ_ONLY",
        "atlas-admin test suite (read-only) api_key:ORG_READ_ONLY GROUP_READ_ONLY",
        "atlas-admin-tests service_account GROUP_OWNER",
        "atlas-admin-tests service_account:ORG_OWNER GROUP_OWNER",
        "legacy-admin api_key:ORG_OWNER GROUP_OWNER",
        "metrics-exporter service_account GROUP_OBSERVABILITY_VIEWER",
        "terraform-runner service_account:ORG_READ_ONLY GROUP_READ_ONLY",
      }, identities)
      assert.same({
        "alice@example.com direct GROUP_DATA_ACCESS_READ_ONLY,GROUP_READ_ONLY",
        "bob@example.com direct GROUP_OWNER",
        "bob@example.com team:dba GROUP_READ_ONLY",
        "carol@example.com direct GROUP_READ_ONLY",
        "dora@example.com team:dba GROUP_READ_ONLY",
        "hello@example.com invitation GROUP_BACKUP_MANAGER",
        "jane.smith@example.com invitation GROUP_READ_ONLY",
        "org.owner@example.com org_owner GROUP_OWNER",
      }, got)
      assert.matches("^7 people and 6 API keys or service accounts can reach it, 17 ways in\n", tostring(rows))
      assert.matches("\n  legacy%-admin +ACTIVE +API key %(ORG_OWNER: every project%) +GROUP_OWNER", tostring(rows))
      assert.matches("\n  dora@example.com +ACTIVE +team dba +GROUP_READ_ONLY", tostring(rows))
      local _, err = client:who_can_access(ORG, "nope")
      assert.equal("groupId", err.field)
    end)
  end)

  it("runs every helper as a client:batch item", function()
    local results, summary = assert(client:batch({
      { "set_org_roles", ORG, "frank@example.com", { "ORG_MEMBER", "ORG_READ_ONLY" } },
      { "set_team_members", ORG, "platform", { "alice@example.com", "frank@example.com" } },
      { "set_team_project_roles", PROD, ORG, "platform", { "GROUP_READ_ONLY" } },
      { "who_can_access", ORG, STAGING },
      { "org_access", ORG, { projects = { "prod" } } },
      { "offboard", ORG, "jane.smith@example.com", { dry_run = true } },
      { "list_org_users", ORG, { username = "frank@example.com" } },
      { "set_org_roles", ORG, "frank@example.com", { "GROUP_OWNER" } },
    }, { concurrency = 4 }))
    assert.equal(7, summary.succeeded)
    assert.equal(1, summary.invalid)
    assert.same({ "ORG_MEMBER", "ORG_READ_ONLY" }, results[1].value.roles.orgRoles)
    assert.same({ "alice@example.com", "frank@example.com" }, results[2].value.usernames)
    assert.equal(PLATFORM, results[3].value.teamId)
    assert.is_true(#results[4].value > 0)
    assert.equal(1, #results[5].value.projects)
    assert.equal(2, #results[6].value.invitations)
    assert.equal("validation", results[8].err.kind)
    assert.equal(FRANK.id, results[7].value[1].id)
  end)
end)
