-- Benchmark (make bench): access as code on an organization of 1,000
-- people, 30 projects and 20 teams (a generated fixture) on its own local
-- server: plan_access of an unchanged export (requests counted at the
-- server, client CPU from os.clock), then apply_access of 200 changes with
-- 20 ms added to every API answer, concurrently and one request at a time
-- (concurrency = 1), from the same starting state.
--   lua5.4 bench/access.lua [PEOPLE] [PROJECTS] [TEAMS] [CHANGES]   (bench/run.sh runs it)
package.path = "./spec/support/?.lua;" .. package.path
local atlas = require "atlas_admin"
local cjson = require "cjson"
local local_server = require "local_server"

local PEOPLE, PROJECTS, TEAMS, CHANGES = tonumber(arg[1] or "1000"), tonumber(arg[2] or "30"), tonumber(arg[3] or "20"),
  tonumber(arg[4] or "200")
local LATENCY_MS = 20
local ORG = "be0000000000000000000001"
local KEY, SECRET = "abcdefgh", "0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b"

local function id(prefix, n) return string.format("%s%022x", prefix, n) end

-- The fixture: everyone ORG_MEMBER (two ORG_OWNERs), roles in two projects,
-- one team each; each team holds roles in three projects; two legacy
-- invitations per project.
local function fixture()
  math.randomseed(1)
  local project_roles = { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_CLUSTER_MANAGER" }
  local users, teams, projects = {}, {}, {}
  for t = 1, TEAMS do teams[t] = { id = id("bd", t), name = string.format("team-%02d", t) } end
  for p = 1, PROJECTS do
    local entries, invitations = {}, {}
    for k = 0, 2 do
      local t = (p + k * 7) % TEAMS + 1
      entries[#entries + 1] = { teamId = teams[t].id, roleNames = { project_roles[k + 1] } }
    end
    for k = 1, 2 do
      invitations[k] = { id = id("bc", p * 10 + k), username = string.format("invitee%02d-%d@example.com", p, k),
        roles = { "GROUP_READ_ONLY" }, inviterUsername = "admin@example.com" }
    end
    projects[p] = { id = id("bf", p), name = string.format("project-%02d", p), orgId = ORG, teams = entries,
      invitations = invitations }
  end
  for u = 1, PEOPLE do
    local a, b = math.random(PROJECTS), math.random(PROJECTS)
    if b == a then b = a % PROJECTS + 1 end
    users[u] = { id = id("be", u + 10), username = string.format("person%04d@example.com", u),
      orgMembershipStatus = u % 50 == 0 and "PENDING" or "ACTIVE",
      roles = { orgRoles = { u <= 2 and "ORG_OWNER" or "ORG_MEMBER" }, groupRoleAssignments = {
        { groupId = projects[a].id, groupRoles = { project_roles[math.random(3)] } },
        { groupId = projects[b].id, groupRoles = { "GROUP_READ_ONLY" } } } },
      teamIds = { teams[math.random(TEAMS)].id } }
  end
  local key_roles = { [ORG] = "ORG_OWNER" }
  return { api_keys = { { public_key = KEY, private_key = SECRET, roles = key_roles } }, service_accounts = {},
    orgs = { { id = ORG, name = "Bench", users = users, teams = teams } }, projects = projects }
end

local path = "build/bench-access-fixture.json"
local f = assert(io.open(path, "w"))
f:write(cjson.encode(fixture()))
f:close()
local srv = local_server.start { fixtures = path }

local function client(concurrency_note)
  local c = assert(atlas.client { auth = assert(atlas.digest(KEY, SECRET)), base_url = srv.url, on_warning = false })
  assert(c:list_teams(ORG)) -- the handshake, outside what is measured
  return c, concurrency_note
end

print(string.format("access as code: an org of %d people, %d projects, %d teams (%d legacy invitations)", PEOPLE,
  PROJECTS, TEAMS, 2 * PROJECTS))

-- 1. plan of an unchanged export: requests and client CPU
local c = client()
local spec = assert(c:export_access(ORG))
local pages = math.ceil(PEOPLE / 500) + math.ceil(TEAMS / 500) + math.ceil(PROJECTS / 500)
local cpu0 = os.clock()
local n, plan = srv:count(function() return assert(c:plan_access(spec)) end)
local cpu = os.clock() - cpu0
assert(#plan.changes == 0, "the plan of an unchanged export is not empty")
print(string.format("  plan (no change):  %d requests (pages(users) %d + pages(teams) %d + pages(projects) %d + 2 x %d "
  .. "projects = %d), client CPU %.3f s", n, math.ceil(PEOPLE / 500), math.ceil(TEAMS / 500), math.ceil(PROJECTS / 500),
  PROJECTS, pages + 2 * PROJECTS, cpu))
c:close()

-- 2. 200 changes: people gain a project role, change org roles, join teams
local function edited()
  local s = assert(atlas.load_access(atlas.dump_access(spec)))
  local changes = 0
  for u = 3, PEOPLE do
    if changes >= CHANGES then break end
    local name = string.format("person%04d@example.com", u)
    if u % 3 == 0 then
      s.users[name] = { "ORG_MEMBER", "ORG_READ_ONLY" }
    elseif u % 3 == 1 then
      local team = s.teams[string.format("team-%02d", u % TEAMS + 1)]
      local member = false
      for _, m in ipairs(team) do member = member or m == name end
      if member then goto continue end
      team[#team + 1] = name
    else
      local p = s.projects[string.format("project-%02d", u % PROJECTS + 1)]
      if p.users[name] then goto continue end
      p.users[name] = { "GROUP_OBSERVABILITY_VIEWER" }
    end
    changes = changes + 1
    ::continue::
  end
  return s
end

local function apply(concurrency)
  srv:reset()
  srv:latency(0)
  local cc = client()
  local p = assert(cc:plan_access(edited()))
  srv:latency(LATENCY_MS)
  local t0, c0 = require("atlas_admin.core").monotonic(), os.clock()
  local before = srv:stats().requests
  local report = assert(cc:apply_access(p, { concurrency = concurrency }))
  local elapsed = require("atlas_admin.core").monotonic() - t0
  if os.getenv("BENCH_CPU") then print("apply cpu", os.clock() - c0) end
  local requests = srv:stats().requests - before
  assert(report.summary.applied == #p.changes, "not every change was applied")
  cc:close()
  return #p.changes, elapsed, requests, report.requests
end

local changes, fast, fast_requests, fast_counts = apply(16)
local _, slow, slow_requests = apply(1)
print(string.format("  apply %d changes at %d ms: concurrency 16 %.2f s (%d reads + %d writes = %d requests), "
  .. "one at a time %.2f s (%d requests): %.1fx faster, %.3f write requests per change", changes, LATENCY_MS, fast,
  fast_counts.reads, fast_counts.writes, fast_requests, slow, slow_requests, slow / fast, fast_counts.writes / changes))
srv:stop()
os.remove(path)
