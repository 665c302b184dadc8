-- Benchmark (make bench): access as code on an organization of 1,000
-- people, 30 projects and 20 teams (a generated fixture) on its own local
-- server: plan_access of an unchanged export (requests counted at the
-- server, client CPU from os.clock), then apply_access of 200 changes with
-- 20 ms added to every API answer, concurrently and one request at a time
-- (concurrency = 1), from the same starting state.
--   lua5.4 bench/access.lua [PEOPLE] [PROJECTS] [TEAMS] [CHANGES]   (bench/run.sh runs it)
package.path = "./spec/support/?.lua;./bench/?.lua;" .. package.path
local atlas = require "atlas_admin"
local local_server = require "local_server"
local org = require "org_fixture"

local PEOPLE, PROJECTS, TEAMS, CHANGES = tonumber(arg[1] or "1000"), tonumber(arg[2] or "30"), tonumber(arg[3] or "20"),
  tonumber(arg[4] or "200")
local LATENCY_MS = 20
local ORG = org.ORG
local size = { people = PEOPLE, projects = PROJECTS, teams = TEAMS } -- no identities but the bench's own key

-- The fixture (bench/org_fixture.lua): everyone ORG_MEMBER (two ORG_OWNERs),
-- roles in two projects, one team each; each team holds roles in three
-- projects; two legacy invitations per project.
local path = org.write(size, "build/bench-access-fixture.json")
local srv = local_server.start { fixtures = path }

local function client(concurrency_note)
  local c = assert(atlas.client { auth = assert(atlas.digest(org.KEY, org.SECRET)), base_url = srv.url,
    on_warning = false })
  assert(c:list_teams(ORG)) -- the handshake, outside what is measured
  return c, concurrency_note
end

print(string.format("access as code: an org of %d people, %d projects, %d teams (%d legacy invitations)", PEOPLE,
  PROJECTS, TEAMS, 2 * PROJECTS))

-- 1. plan of an unchanged export: requests and client CPU
local c = client()
local spec = assert(c:export_access(ORG))
-- An export names the org's API keys (the bench's own key): then a plan reads the identities too.
local total, terms = org.budget(size, { identities = spec.api_keys ~= nil or spec.service_accounts ~= nil })
local cpu0 = os.clock()
local n, plan = srv:count(function() return assert(c:plan_access(spec)) end)
local cpu = os.clock() - cpu0
assert(#plan.changes == 0, "the plan of an unchanged export is not empty")
assert(n <= total, "the plan spent " .. n .. " requests, over the formula's " .. total)
print(string.format("  plan (no change):  %d requests (%s), client CPU %.3f s", n, org.formula(total, terms), cpu))
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
