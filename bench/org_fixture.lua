-- The big organization the benchmarks read (bench/access.lua,
-- bench/identities.lua): people, projects and teams, and optionally API
-- keys and service accounts, written as a fixture for the local server
-- (server/README.md) at bench time and removed after: a fixture of this size
-- is never committed.  And the request budget of reading it, the formula of
-- model/read.lua with the page sizes the library asks for.
--
--   local org = require "org_fixture"            (package.path: ./bench/?.lua)
--   local size = { people = 1000, projects = 30, teams = 20, api_keys = 50, service_accounts = 20 }
--   org.write(size, "build/bench-x.json"); local srv = local_server.start { fixtures = path }
--   org.budget(size, { projects = 30, identities = true }) -> total, terms (for printing)
local pages = require "atlas_admin.http.pages"
local read = require "atlas_admin.model.read"
local cjson = require "cjson"

local M = {}

M.ORG = "be0000000000000000000001"
-- The key the benchmarks call with: Organization Owner, one of the org's API keys.
M.KEY, M.SECRET = "abcdefgh", "0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b"

local function id(prefix, n) return string.format("%s%022x", prefix, n) end
M.id = id

local PROJECT_ROLES = { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_CLUSTER_MANAGER" }

-- A random whole number from 1 to n, from a fixed seed (Park and Miller's
-- minimal standard generator; its products stay exact in a double): the same
-- org on every run and under both VMs, whose math.random differ.
local seed
local function random(n)
  seed = seed * 16807 % 2147483647
  return seed % n + 1
end

-- Everyone ORG_MEMBER (two ORG_OWNERs), roles in two projects, one team
-- each; each team holds roles in three projects; two legacy invitations per
-- project; 1 person in 50 still PENDING.
local function people_projects_teams(size, org)
  seed = 1
  local users, teams, projects = {}, {}, {}
  for t = 1, size.teams do teams[t] = { id = id("bd", t), name = string.format("team-%02d", t) } end
  for p = 1, size.projects do
    local entries, invitations = {}, {}
    for k = 0, 2 do
      local t = (p + k * 7) % size.teams + 1
      entries[#entries + 1] = { teamId = teams[t].id, roleNames = { PROJECT_ROLES[k + 1] } }
    end
    for k = 1, 2 do
      invitations[k] = { id = id("bc", p * 10 + k), username = string.format("invitee%02d-%d@example.com", p, k),
        roles = { "GROUP_READ_ONLY" }, inviterUsername = "admin@example.com" }
    end
    projects[p] = { id = id("bf", p), name = string.format("project-%02d", p), orgId = org, teams = entries,
      invitations = invitations }
  end
  for u = 1, size.people do
    local a, b = random(size.projects), random(size.projects)
    if b == a then b = a % size.projects + 1 end
    users[u] = { id = id("be", u + 10), username = string.format("person%04d@example.com", u),
      orgMembershipStatus = u % 50 == 0 and "PENDING" or "ACTIVE",
      roles = { orgRoles = { u <= 2 and "ORG_OWNER" or "ORG_MEMBER" }, groupRoleAssignments = {
        { groupId = projects[a].id, groupRoles = { PROJECT_ROLES[random(3)] } },
        { groupId = projects[b].id, groupRoles = { "GROUP_READ_ONLY" } } } },
      teamIds = { teams[random(size.teams)].id } }
  end
  return users, teams, projects
end

local KEY_PROJECT_ROLES = { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_OWNER" }

-- API keys: the first is the benchmarks' own (ORG_OWNER, its access list
-- the loopback address it calls from).  With more: each of the others has one
-- access list entry (every third a CIDR block; 1 in 5 never used, the rest
-- last used 0 to 199 days ago), org role ORG_MEMBER (every tenth
-- ORG_READ_ONLY, key 2 ORG_OWNER), and every other one a role in one project
-- (read only, read-write or owner).
local function api_keys(size, org, projects)
  local keys = { { id = id("ba", 1), desc = "bench (owner)", public_key = M.KEY, private_key = M.SECRET,
    roles = { [org] = "ORG_OWNER" }, accessList = { { ipAddress = "127.0.0.1", created = "-400d" } } } }
  for i = 2, size.api_keys do
    local org_role = i == 2 and "ORG_OWNER" or i % 10 == 0 and "ORG_READ_ONLY" or "ORG_MEMBER"
    local roles = { [org] = org_role }
    if i % 2 == 0 then roles[projects[i % #projects + 1].id] = KEY_PROJECT_ROLES[math.floor(i / 2) % 3 + 1] end
    local entry = { created = string.format("-%dd", 200 + i) }
    if i % 3 == 0 then entry.cidrBlock = string.format("10.%d.0.0/16", i) else entry.ipAddress = "192.0.2." .. i end
    if i % 5 ~= 0 then
      entry.lastUsed = string.format("-%dd", i * 37 % 200)
      entry.lastUsedAddress = entry.ipAddress or string.format("10.%d.1.2", i)
      entry.count = i * 101
    end
    keys[i] = { id = id("ba", i), desc = string.format("key-%02d", i), public_key = string.format("bk%06d", i),
      private_key = string.format("%08x-1111-4222-8333-%012x", i, i), roles = roles, accessList = { entry } }
  end
  return keys
end

-- Service accounts: org role ORG_MEMBER (every fourth ORG_READ_ONLY), every
-- other one a role in one project (every sixth GROUP_OWNER), one access
-- list entry each, one secret (every third two); every fifth account's
-- newest secret expires in 3 days, every seventh's lives 400 days.
local function service_accounts(size, org, projects)
  local accounts = {}
  for j = 1, size.service_accounts do
    local roles = { [org] = j % 4 == 0 and "ORG_READ_ONLY" or "ORG_MEMBER" }
    if j % 2 == 1 then
      roles[projects[j * 3 % #projects + 1].id] = j % 6 == 5 and "GROUP_OWNER" or "GROUP_DATA_ACCESS_READ_ONLY"
    end
    local secrets = {}
    for s = 1, j % 3 == 0 and 2 or 1 do
      local newest = s == (j % 3 == 0 and 2 or 1)
      secrets[s] = { id = id("b8", j * 10 + s), createdAt = string.format("-%dd", 100 - 40 * s),
        expiresAt = not newest and "+20d" or j % 5 == 0 and "+3d" or j % 7 == 0 and "+400d" or "+60d",
        lastUsedAt = string.format("-%dd", j % 4 + s) }
    end
    accounts[j] = { client_id = "mdb_sa_id_" .. id("b9", j), name = string.format("sa-%02d", j),
      description = "bench service account " .. j, createdAt = string.format("-%dd", 150 + j), roles = roles,
      secrets = secrets, accessList = { { ipAddress = "198.51.100." .. j, createdAt = string.format("-%dd", 140 + j),
        lastUsedAt = string.format("-%dh", j), lastUsedAddress = "198.51.100." .. j, requestCount = j * 250 } } }
  end
  return accounts
end

--- The fixture (a table for cjson): size = { people, projects, teams
-- [, api_keys = 1] [, service_accounts = 0] }.
function M.fixture(size)
  size = { people = size.people, projects = size.projects, teams = size.teams, api_keys = size.api_keys or 1,
    service_accounts = size.service_accounts or 0 }
  local users, teams, projects = people_projects_teams(size, M.ORG)
  return { api_keys = api_keys(size, M.ORG, projects), service_accounts = service_accounts(size, M.ORG, projects),
    orgs = { { id = M.ORG, name = "Bench", users = users, teams = teams } }, projects = projects }
end

--- Writes the fixture to path; returns path.
function M.write(size, path)
  local f = assert(io.open(path, "w"))
  f:write(cjson.encode(M.fixture(size)))
  f:close()
  return path
end

local function pages_of(n, per_page) return math.max(1, math.ceil(n / per_page)) end

--- The requests model/read.lua spends reading the org (legacy invitations
-- not yet sunset): the listings' pages (org users and projects 500 a page,
-- teams, API keys and service accounts the library's default page), then per
-- project read its teams and legacy invitations (and, with identities, its
-- service accounts), and with identities one access list per identity.
--   opts.projects: how many projects are read (default all); opts.identities
-- Returns the total and the terms, { { name, value }, ... }, to print.
function M.budget(size, opts)
  local keys, accounts = size.api_keys or 1, size.service_accounts or 0
  local read_projects = opts.projects or size.projects
  local terms = {
    { "pages(users)", pages_of(size.people, read.PAGE_SIZE) },
    { "pages(teams)", pages_of(size.teams, pages.PAGE_SIZE) },
    { "pages(projects)", pages_of(size.projects, read.PAGE_SIZE) },
  }
  if opts.identities then
    terms[#terms + 1] = { "pages(API keys)", pages_of(keys, pages.PAGE_SIZE) }
    terms[#terms + 1] = { "pages(service accounts)", pages_of(accounts, pages.PAGE_SIZE) }
    -- each project's service accounts only when the org has any; no access lists for who_can_access
    local per_project = accounts > 0 and 3 or 2
    terms[#terms + 1] = { per_project .. " x " .. read_projects .. " projects", per_project * read_projects }
    if opts.identities ~= "roles" then
      terms[#terms + 1] = { "API keys", keys }
      terms[#terms + 1] = { "service accounts", accounts }
    end
  else
    terms[#terms + 1] = { "2 x " .. read_projects .. " projects", 2 * read_projects }
  end
  local total = 0
  for _, t in ipairs(terms) do total = total + t[2] end
  return total, terms
end

--- The budget as "pages(users) 2 + ... = 264".
function M.formula(total, terms)
  local parts = {}
  for i, t in ipairs(terms) do parts[i] = t[1] .. " " .. t[2] end
  return table.concat(parts, " + ") .. " = " .. total
end

return M
