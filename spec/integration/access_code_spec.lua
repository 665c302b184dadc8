-- Access as code against the local server: export round trips, every
-- change kind, legacy invitations, unmanaged vs prune, each guard, stale
-- plans, partial failure, idempotence, request counts, the audit trail.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local PROD = C.projects.prod.id
local N_PROJECTS = 5
-- a plan of a file naming identities reads a page of API keys and one of service accounts, one access list each
local IDENTITIES = 2 + C.n_api_keys + C.n_service_accounts

local function writes(srv)
  local out = {}
  for _, e in ipairs(srv:log()) do
    if e.method ~= "GET" then out[#out + 1] = e.method .. " " .. e.url:gsub("^/api/atlas/v2", "") end
  end
  return out
end

local function kinds(plan)
  local out = {}
  for _, c in ipairs(plan.changes) do
    out[#out + 1] = c.action .. " " .. c.kind .. " " .. (c.project and (c.project .. " ") or "")
      .. (c.team and (c.team .. " ") or "") .. (c.username or "")
  end
  table.sort(out)
  return out
end

describe("access as code", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    assert(client:get_org_user(ORG, C.org_users["bob@example.com"].id)) -- the digest handshake
  end)
  after_each(function() client:close() end)

  -- The export, edited by fn, planned.
  local function plan_of(fn, opts)
    local spec = assert(client:export_access(ORG))
    if fn then fn(spec) end
    return client:plan_access(assert(atlas.load_access(atlas.dump_access(spec))), opts)
  end

  it("export round trip: the plan of an unchanged export is empty (YAML and JSON)", function()
    local spec = assert(client:export_access(ORG))
    assert.same({ "ORG_OWNER" }, spec.users["org.owner@example.com"])
    assert.same({ "bob@example.com", "dora@example.com" }, spec.teams.dba)
    assert.same({ ["jane.smith@example.com"] = { "GROUP_OWNER" } }, spec.projects.group.users) -- a legacy invitation
    assert.same({ dba = { "GROUP_DATA_ACCESS_ADMIN" } }, spec.projects.prod.teams)
    for _, format in ipairs { "yaml", "json" } do
      local plan = assert(client:plan_access(assert(atlas.load_access(atlas.dump_access(spec, format)))))
      assert.same({}, plan.changes)
      assert.same({ add = 0, change = 0, remove = 0, unmanaged = 0 }, plan.summary)
      assert.matches("in sync: nothing to change", tostring(plan), 1, true)
    end
    -- one project only
    local one = assert(client:export_access(ORG, { projects = { "prod" } }))
    assert.same({ "prod" }, (function() local k = {} for n in pairs(one.projects) do k[#k + 1] = n end return k end)())
    assert.same({}, assert(client:plan_access(one)).changes)
  end)

  it("reads in pages(users) + pages(teams) + pages(projects) + 2 x projects requests", function()
    local spec = assert(client:export_access(ORG))
    -- a file that names API keys or service accounts also reads them: their pages, one access list each,
    -- each project's service accounts
    local n0 = srv:count(function() return client:plan_access(spec) end)
    assert.equal(1 + 1 + 1 + 2 * N_PROJECTS + IDENTITIES + N_PROJECTS, n0)
    spec.api_keys, spec.service_accounts = nil, nil
    for _, p in pairs(spec.projects) do p.api_keys, p.service_accounts = nil, nil end
    local n, plan = srv:count(function() return client:plan_access(spec) end)
    assert.equal(1 + 1 + 1 + 2 * N_PROJECTS, n) -- 157 org users fit one page of 500
    assert.equal(n, plan.requests)
    spec.projects = { prod = spec.projects.prod }
    local n2 = srv:count(function() return client:plan_access(spec) end)
    assert.equal(3 + 2, n2)
  end)

  it("plans and applies every change kind, then plans nothing", function()
    local plan = assert(plan_of(function(s)
      s.users["dana@example.com"] = { "ORG_MEMBER" }                 -- org_user add
      s.users["frank@example.com"] = { "ORG_READ_ONLY" }             -- org_user change
      s.teams["on-call"] = { "frank@example.com", "dana@example.com" } -- team add (+ members)
      s.teams.dba = { "dora@example.com", "alice@example.com" }      -- team_member add and remove
      s.projects.prod.users["dana@example.com"] = { "GROUP_READ_ONLY" }  -- project_user add (with the invitation)
      s.projects["atlas-admin-demo"].users["alice@example.com"] = { "GROUP_OWNER" } -- project_user change
      s.projects["atlas-admin-demo"].users["hello@example.com"] = { "GROUP_READ_ONLY" } -- project_invitation change
      s.projects.prod.teams["on-call"] = { "GROUP_CLUSTER_MANAGER" }  -- project_team add (a new team)
      s.projects.staging.teams.platform = { "GROUP_READ_ONLY" }       -- project_team change
    end))
    assert.same({
      "add org_user dana@example.com", "add project_team prod on-call ", "add project_user prod dana@example.com",
      "add team on-call ", "add team_member dba alice@example.com", "add team_member on-call dana@example.com",
      "add team_member on-call frank@example.com", "change org_user frank@example.com",
      "change project_invitation atlas-admin-demo hello@example.com",
      "change project_team staging platform ", "change project_user atlas-admin-demo alice@example.com",
      "remove team_member dba bob@example.com",
    }, kinds(plan))
    assert.same({ add = 7, change = 4, remove = 1, unmanaged = 0 }, plan.summary)
    local text = tostring(plan)
    assert.matches("\nproject prod %(" .. PROD .. "%)\n", text)
    assert.matches("  ~ frank@example.com: ORG_MEMBER %-> ORG_READ_ONLY\n", text)
    assert.matches("  %- team dba: member bob@example.com\n", text)
    local n, report = srv:count(function() return client:apply_access(plan) end)
    assert.equal(12, report.summary.applied)
    -- the reads again, then fewer writes than changes: one request per person
    assert.equal(3 + 2 * 5 + IDENTITIES + 5, report.requests.reads) -- the export names identities: they are read
    assert.is_true(report.requests.writes <= #plan.changes)
    assert.equal(report.requests.reads + report.requests.writes, n)
    -- dana, someone new, cost one request: org roles, project roles and a team together
    local posts = 0
    for _, w in ipairs(writes(srv)) do
      if w == "POST /orgs/" .. ORG .. "/users" then posts = posts + 1 end
    end
    assert.equal(1, posts)
    local dana = assert(client:list_org_users(ORG, { username = "dana@example.com" }))[1]
    assert.same({ { groupId = PROD, groupRoles = { "GROUP_READ_ONLY" } } }, dana.roles.groupRoleAssignments)
    assert.equal(1, #dana.teamIds)
    assert.same({ "GROUP_READ_ONLY" }, assert(client:list_invitations(GID, { username = "hello@example.com" }))[1].roles)
    -- converged: planning again finds nothing, applying twice writes nothing
    local again = assert(plan_of(function(s) return s end))
    assert.same({}, again.changes)
  end)

  it("manages a legacy invitation holder through the invitation, even when users: does not list them", function()
    -- (and says nothing of the invitation calls' deprecation: it moves off them by itself at the sunset)
    local seen = {}
    client:close()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = function(m) seen[#seen + 1] = m end, retries = 0 })
    local spec = assert(client:export_access(ORG, { projects = { "group" } }))
    assert.is_nil(spec.users["jane.smith@example.com"]) -- not an org user
    spec.projects.group.users["jane.smith@example.com"] = { "GROUP_READ_ONLY" }
    local plan = assert(client:plan_access(spec))
    assert.same({ "change project_invitation group jane.smith@example.com" }, kinds(plan))
    assert(client:apply_access(plan))
    assert.same({ "PATCH /groups/" .. C.other_group_id .. "/invites/5f0e15e3d52a043fed8b1c93" }, writes(srv))
    -- and with prune, an unlisted invitation is deleted
    spec.projects.group.users["jane.smith@example.com"] = nil
    plan = assert(client:plan_access(spec))
    assert.equal(1, plan.summary.unmanaged)
    assert.equal(0, #plan.changes)
    plan = assert(client:plan_access(spec, { prune = true }))
    assert.same({ "remove project_invitation group jane.smith@example.com" }, kinds(plan))
    assert(client:apply_access(plan, { prune = true })) -- prune is given again at apply, never taken from the plan
    assert.equal(0, #assert(client:list_invitations(C.other_group_id, nil, { warn = false })))
    assert.same({}, seen)
  end)

  it("reports what the file does not list as unmanaged, and removes it only with prune", function()
    local edit = function(s)
      s.users["frank@example.com"] = nil
      s.teams.auditors = nil
      s.projects["atlas-admin-demo"].users["carol@example.com"] = nil
      s.projects.prod.teams.dba = nil
    end
    local plan = assert(plan_of(edit))
    assert.same({}, plan.changes)
    assert.equal(4, plan.summary.unmanaged)
    assert.matches("unmanaged %(in Atlas, not in the file; prune removes them%)", tostring(plan))
    plan = assert(plan_of(edit, { prune = true }))
    assert.same({ "remove org_user frank@example.com", "remove project_team prod dba ",
      "remove project_user atlas-admin-demo carol@example.com", "remove team auditors " }, kinds(plan))
    assert.equal(4, plan.summary.remove)
    local report = assert(client:apply_access(plan, { prune = true }))
    assert.equal(4, report.summary.applied)
    assert.same({}, assert(plan_of(edit, { prune = true })).changes)
  end)

  it("trips each guard at plan time, sends nothing, and lets an explicit option through", function()
    local before = #srv:log()
    -- the organization's only ORG_OWNER demoted
    local plan, err = plan_of(function(s) s.users["org.owner@example.com"] = { "ORG_MEMBER" } end)
    assert.is_nil(plan)
    assert.equal("guard", err.kind)
    assert.equal("org_owner", err.guard)
    assert.matches("allow_no_org_owner = true", err.message, 1, true)
    assert.matches("nothing was sent", tostring(err), 1, true)
    assert.is_table(err.plan)
    -- a project's only owner gone (with the org owner gone too: allowed, so the project guard speaks); every
    -- project of the org is guarded, not only those the file names (many-users is owned only by the org owner)
    local function demo_plan(fn, opts)
      local spec = assert(client:export_access(ORG, { projects = { "atlas-admin-demo" } }))
      spec.users["org.owner@example.com"] = { "ORG_MEMBER" }
      spec.projects["atlas-admin-demo"].users["bob@example.com"] = { "GROUP_READ_ONLY" }
      if fn then fn(spec) end
      return client:plan_access(spec, opts)
    end
    plan, err = demo_plan(nil, { allow_no_org_owner = true })
    assert.is_nil(plan)
    assert.equal("project_owner", err.guard)
    assert.matches("projects atlas-admin-demo (" .. GID .. "), ", err.message, 1, true)
    assert.matches("many-users (7a1c0de4c5b6a7f8e9d0c1b2)", err.message, 1, true)
    assert.matches("would be left with no Project Owner", err.message, 1, true)
    assert(demo_plan(nil, { allow_no_org_owner = true, allow_no_project_owner = true }))
    -- a team with GROUP_OWNER and an active member is an owner
    -- (the other projects, owned only by the org owner, still trip the guard: demo is no longer named)
    plan, err = demo_plan(function(s) s.projects["atlas-admin-demo"].teams.dba = { "GROUP_OWNER" } end,
      { allow_no_org_owner = true })
    assert.is_nil(plan)
    assert.equal("project_owner", err.guard)
    assert.is_nil(err.message:find("atlas-admin-demo", 1, true))
    -- too many removals
    local many = function(s)
      for i = 1, 20 do
        local name = string.format("member%03d@example.com", i)
        s.users[name], s.projects["many-users"].users[name] = nil, nil
      end
    end
    plan, err = plan_of(many, { prune = true })
    assert.is_nil(plan)
    assert.equal("max_removals", err.guard)
    assert.matches("20 removals, more than max_removals = 10", err.message, 1, true)
    assert(plan_of(many, { prune = true, max_removals = 20 }))
    -- nothing was written by any of it
    local wrote = 0
    for i = before + 1, #srv:log() do
      if srv:log()[i].method ~= "GET" then wrote = wrote + 1 end
    end
    assert.equal(0, wrote)
  end)

  it("refuses a stale plan and writes nothing", function()
    local plan = assert(plan_of(function(s) s.users["frank@example.com"] = { "ORG_READ_ONLY" } end))
    assert(client:add_org_user_role(ORG, C.org_users["dora@example.com"].id, "ORG_BILLING_ADMIN")) -- someone else's change
    local n_before = #writes(srv)
    local report, err = client:apply_access(plan)
    assert.is_nil(report)
    assert.equal("stale_plan", err.kind)
    assert.matches("^atlas: stale plan: the organization changed since this plan was made", tostring(err))
    assert.equal(n_before, #writes(srv))
    -- a plan round-tripped through JSON applies like the original
    plan = assert(plan_of(function(s) s.users["frank@example.com"] = { "ORG_READ_ONLY" } end))
    local back = cjson.decode(require("atlas_admin.util.jsonenc").encode(plan))
    assert.equal(1, assert(client:apply_access(back)).summary.applied)
  end)

  it("says what was applied when a write fails midway; planning again shows exactly the rest", function()
    -- frank and grace gain a role (the adds' wave), bob leaves a team (the removals' wave, after it)
    local edit = function(s)
      s.users["frank@example.com"] = { "ORG_MEMBER", "ORG_READ_ONLY" }
      s.users["grace@example.com"] = { "ORG_MEMBER", "ORG_BILLING_ADMIN" }
      s.teams.dba = { "dora@example.com" }
    end
    local plan = assert(plan_of(edit))
    assert.equal(3, #plan.changes)
    srv:fault { status = 500, count = 1, match = C.org_users["grace@example.com"].id,
      body = '{"error":500,"errorCode":"UNEXPECTED_ERROR"}', content_type = "application/json" }
    local report = assert(client:apply_access(plan))
    assert.same({ applied = 1, failed = 1, skipped = 1 }, report.summary) -- the removal wave never started
    local outcome = {}
    for _, c in ipairs(report.changes) do outcome[c.username] = c.outcome end
    assert.same({ ["frank@example.com"] = "applied", ["grace@example.com"] = "failed", ["bob@example.com"] = "skipped" },
      outcome)
    assert.matches("FAILED ~ grace@example.com", tostring(report), 1, true)
    local rest = assert(plan_of(edit))
    assert.same({ "change org_user grace@example.com", "remove team_member dba bob@example.com" }, kinds(rest))
    assert.equal(2, assert(client:apply_access(rest)).summary.applied)
  end)

  it("checks the state-dependent rules, every problem at once", function()
    local spec = assert(client:export_access(ORG, { projects = { "prod" } }))
    spec.projects.nowhere = { users = { ["alice@example.com"] = { "GROUP_READ_ONLY" } } }
    spec.projects.prod.teams.ghosts = { "GROUP_READ_ONLY" }
    spec.projects.prod.users["stranger@example.com"] = { "GROUP_READ_ONLY" }
    spec.teams.dba = { "bob@example.com", "nobody@example.com" }
    local plan, err = client:plan_access(spec)
    assert.is_nil(plan)
    assert.equal("validation", err.kind)
    local paths = {}
    for _, p in ipairs(err.problems) do paths[#paths + 1] = p.path end
    assert.same({ "projects.nowhere", "projects.prod.teams.ghosts", "projects.prod.users.stranger@example.com",
      "teams.dba[2]" }, paths)
    assert.matches("list it under teams: to create it", err.message, 1, true)
    assert.matches("is not listed under users:", err.message, 1, true)
    -- without users:, such people are invited with ORG_MEMBER
    spec.users, spec.projects.nowhere, spec.projects.prod.teams.ghosts = nil, nil, nil
    plan = assert(client:plan_access(spec))
    assert.same({ "add org_user nobody@example.com", "add org_user stranger@example.com",
      "add project_user prod stranger@example.com", "add team_member dba nobody@example.com",
      "remove team_member dba dora@example.com" }, kinds(plan))
    assert.matches("(invited: the file gives them access)", tostring(plan), 1, true)
    local report = assert(client:apply_access(plan))
    assert.equal(5, report.summary.applied)
    assert.equal(3, report.requests.writes) -- two new people (one request each) and dora's removal
  end)

  it("validates options before any request", function()
    local spec = assert(client:export_access(ORG, { projects = { "prod" } }))
    local n = srv:count(function()
      local _, e1 = client:plan_access(spec, { prnue = true })
      assert.matches("did you mean prune", e1.message, 1, true)
      local _, e2 = client:plan_access(spec, { max_removals = -1 })
      assert.equal("max_removals", e2.field)
      local _, e3 = client:plan_access({ org = "nope" })
      assert.equal("validation", e3.kind)
      local _, e4 = client:apply_access({ org = ORG })
      assert.equal("plan", e4.field)
      local _, e5 = client:apply_access({ org = ORG, fingerprint = "ab", projects = {}, options = { prune = false },
        spec = { org = ORG }, changes = { { kind = "org_user", action = "add", username = "not-an-email", before = {}, after = {} } } })
      assert.equal("plan.changes[1].username", e5.field)
    end)
    assert.equal(0, n)
  end)

  it("keeps an audit trail of every write, in a JSON Lines file, with no secret", function()
    local path = os.tmpname()
    local audited = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, audit = path })
    local records = {}
    local counted = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, audit = function(r) records[#records + 1] = r end })
    -- a single call, a dry run (nothing), a helper, an apply
    assert(audited:add_org_user_role(ORG, C.org_users["frank@example.com"].id, "ORG_READ_ONLY"))
    assert(audited:remove_org_user_role(ORG, C.org_users["frank@example.com"].id, "ORG_MEMBER", { dry_run = true }))
    assert(audited:set_team_members(ORG, "dba", { "bob@example.com" }))
    local spec = assert(audited:export_access(ORG, { projects = { "prod" } }))
    spec.users["frank@example.com"] = { "ORG_MEMBER" }
    assert(audited:apply_access(assert(audited:plan_access(spec))))
    local _, failed = audited:add_org_user_role(ORG, "aaaaaaaaaaaaaaaaaaaaaaaa", "ORG_OWNER")
    assert.equal(404, failed.status)
    assert(counted:rename_team(ORG, C.teams.auditors.id, "auditors"))
    audited:close()
    counted:close()
    local f = assert(io.open(path))
    local text = f:read("*a")
    f:close()
    os.remove(path)
    assert.is_nil(text:find(C.private_key, 1, true))
    local lines = {}
    for line in text:gmatch("[^\n]+") do lines[#lines + 1] = assert(cjson.decode(line)) end
    -- the role added, dora taken off dba, the apply's start (the trail probed before its first write),
    -- frank's change, the failure
    assert.equal(5, #lines)
    assert.same({ "apply_access", "start", 1 }, { lines[3].operation, lines[3].event, lines[3].changes })
    table.remove(lines, 3)
    assert.equal("add_org_user_role", lines[1].operation)
    assert.equal("POST", lines[1].method)
    assert.same({ orgId = ORG, userId = C.org_users["frank@example.com"].id }, lines[1].target)
    assert.same({ orgRole = "ORG_READ_ONLY" }, lines[1].after)
    assert.equal(200, lines[1].status)
    assert.equal("ok", lines[1].outcome)
    assert.matches("^%x+$", lines[1].request_id)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", lines[1].time)
    assert.equal(ORG, lines[1].org)
    assert.equal("remove_team_user", lines[2].operation)
    assert.equal("update_org_user", lines[3].operation)
    assert.same({ { action = "change", kind = "org_user", username = "frank@example.com",
      before = { "ORG_MEMBER", "ORG_READ_ONLY" } } }, lines[3].before)
    assert.equal("failed", lines[4].outcome)
    assert.equal(404, lines[4].status)
    assert.equal("api", lines[4].error.kind)
    assert.equal(1, #records)
    assert.equal("rename_team", records[1].operation)
    -- an audit file that cannot be opened is refused when the client is made
    local _, err = atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      audit = "/nonexistent/dir/audit.jsonl" }
    assert.equal("audit", err.field)
    _, err = atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url, audit = 42 }
    assert.equal("audit", err.field)
  end)
end)
