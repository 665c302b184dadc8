-- Benchmark (make bench): the read model, who and the access review with
-- the programmatic identities, on an organization of 1,000 people, 30
-- projects, 20 teams, 50 API keys and 20 service accounts (a fixture made
-- by bench/org_fixture.lua) on its own local server.  For each read:
-- requests counted at the server against the formula of model/read.lua,
-- on a new client's first run (each new connection answers one digest
-- challenge) and on the runs after it, and the client's CPU time per run
-- (os.clock: the server is another process).  Then the review rendered in
-- each format: CPU time and size.
--   lua5.4 bench/identities.lua [PEOPLE] [PROJECTS] [TEAMS] [API_KEYS] [SERVICE_ACCOUNTS] [RUNS]
-- (bench/run.sh runs it with the defaults; spec/bench_smoke_spec.lua at a
-- tiny size).  Exits non-zero when a read spends more requests than its
-- formula, when the model misses part of the fixture, or when the review
-- takes a second of client CPU or more (median of the runs).
package.path = "./spec/support/?.lua;./bench/?.lua;" .. package.path
local atlas = require "atlas_admin"
local local_server = require "local_server"
local org = require "org_fixture"
local review_mod = require "atlas_admin.review"

local unpack = table.unpack or unpack -- luacheck: ignore 143 (LuaJIT)

local size = { people = tonumber(arg[1] or "1000"), projects = tonumber(arg[2] or "30"),
  teams = tonumber(arg[3] or "20"), api_keys = tonumber(arg[4] or "50"), service_accounts = tonumber(arg[5] or "20") }
local RUNS = tonumber(arg[6] or "5")
local REVIEW_CPU_LIMIT = 1.0 -- seconds, issue 26

local path = org.write(size, os.tmpname()) -- a name of its own: the smoke spec may run beside make bench
local srv = local_server.start { fixtures = path }
local failures = {}
local function check(ok, message)
  if not ok then failures[#failures + 1] = message end
end

local function new_client()
  return assert(atlas.client { auth = assert(atlas.digest(org.KEY, org.SECRET)), base_url = srv.url,
    on_warning = false })
end

local function median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) / 2] or (s[n / 2] + s[n / 2 + 1]) / 2
end

-- fn(client) on a new client once (the first run), then RUNS times on the
-- same client: the requests the server saw and the client CPU of each run.
local function measure(fn)
  local c = new_client()
  local runs = {}
  for r = 0, RUNS do
    local cpu
    local n, value = srv:count(function()
      local c0 = os.clock()
      local v = fn(c)
      cpu = os.clock() - c0
      return v
    end)
    runs[r] = { requests = n, cpu = cpu, value = value }
  end
  c:close()
  local later, cpus = {}, {}
  for r = 1, RUNS do
    later[runs[r].requests] = true
    cpus[r] = runs[r].cpu
  end
  local counts = {}
  for n in pairs(later) do counts[#counts + 1] = n end
  table.sort(counts)
  return { first = runs[0], later = counts, cpus = cpus, cpu = median(cpus), value = runs[RUNS].value }
end

local function report(label, m, total, terms)
  local worst = m.later[#m.later]
  check(worst <= total, string.format("%s: %d requests, over the formula's %d", label, worst, total))
  print(string.format("  %-15s %s requests; formula: %s\n  %-15s first run on a new client %d (%+d: digest challenges);"
    .. " client CPU %.3f s a run (median of %d; %.3f to %.3f)", label, table.concat(m.later, "/"),
    org.formula(total, terms), "", m.first.requests, m.first.requests - total, m.cpu, RUNS, math.min(unpack(m.cpus)),
    math.max(unpack(m.cpus))))
end

print(string.format("read model, who and access review: an org of %d people, %d projects, %d teams, %d API keys, "
  .. "%d service accounts (%s)", size.people, size.projects, size.teams, size.api_keys, size.service_accounts,
  jit and jit.version or _VERSION))

-- 1. client:org_access(org), identities included
local full, full_terms = org.budget(size, { identities = true })
local m = measure(function(c) return assert(c:org_access(org.ORG)) end)
report("org_access", m, full, full_terms)
local model = m.value
check(#model.people == size.people, "org_access: " .. #model.people .. " people, not " .. size.people)
check(#model.projects == size.projects, "org_access: " .. #model.projects .. " projects")
check(#model.api_keys == size.api_keys, "org_access: " .. #model.api_keys .. " API keys, not " .. size.api_keys)
check(#model.service_accounts == size.service_accounts,
  "org_access: " .. #model.service_accounts .. " service accounts, not " .. size.service_accounts)
check(model.requests == full, "org_access: model.requests " .. tostring(model.requests) .. ", formula " .. full)

-- 2. client:who_can_access(org, gid): the same read for one project
local gid = org.id("bf", 1)
local one, one_terms = org.budget(size, { identities = "roles", projects = 1 })
m = measure(function(c) return assert(c:who_can_access(org.ORG, gid)) end)
report("who_can_access", m, one, one_terms)
local via = {}
for _, row in ipairs(m.value) do via[row.via] = (via[row.via] or 0) + 1 end
local vias = {}
for k, n in pairs(via) do vias[#vias + 1] = k .. " " .. n end
table.sort(vias)
print(string.format("  %-15s rows by via: %s", "", table.concat(vias, ", ")))
check((via.api_key or 0) > 0 and (via.service_account or 0) > 0, "who_can_access: no API key or service account row")

-- 3. client:access_review(org): at most the org_access formula, under a second of CPU
m = measure(function(c) return assert(c:access_review(org.ORG)) end)
report("access_review", m, full, full_terms)
check(m.cpu < REVIEW_CPU_LIMIT, string.format("access_review: %.3f s of client CPU, limit %.1f s", m.cpu,
  REVIEW_CPU_LIMIT))
local review = m.value
check(review.requests <= full, "access_review: review.requests " .. tostring(review.requests))
local kinds = {}
for k, n in pairs(review.summary.by_kind) do kinds[#kinds + 1] = k .. " " .. n end
table.sort(kinds)
local f = review.summary.findings
print(string.format("  %-15s %d identities (%s); findings: %d high, %d medium, %d low; review.requests %d",
  "", review.summary.identities, table.concat(kinds, ", "), f.high, f.medium, f.low, review.requests))

-- 4. The review rendered: CPU per format (median of RUNS) and size
local parts = {}
for _, format in ipairs(review_mod.FORMAT_NAMES) do
  local cpus, out = {}, nil
  for r = 1, RUNS do
    local c0 = os.clock()
    out = review_mod.render(review, format)
    cpus[r] = os.clock() - c0
  end
  parts[#parts + 1] = string.format("%s %.3f s (%d KiB)", format, median(cpus), math.ceil(#out / 1024))
end
print(string.format("  %-15s client CPU (median of %d) and size: %s", "render", RUNS, table.concat(parts, ", ")))

srv:stop()
os.remove(path)
if #failures > 0 then
  io.stderr:write("bench/identities.lua: FAILED\n  " .. table.concat(failures, "\n  ") .. "\n")
  os.exit(1)
end
