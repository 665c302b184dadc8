-- The whole organization's access as one read model, from the fewest
-- requests, and "who can reach project X, and why" on top of it.
--
--   client:org_access(orgId [, { projects = { names or ids } }]) -> model
--   client:who_can_access(orgId, groupId)                        -> rows
--
-- The org users listing already carries each person's org roles, project
-- roles (roles.groupRoleAssignments) and teams (teamIds), so the model
-- reads, and nothing else:
--   the org users' pages + the teams' pages + the projects' pages
--   + per project read: its teams (one request: at most 100 per project)
--     and, until the invitations' sunset, its legacy invitations (one).
-- requests = U + T + P + 2 x projects (1 x projects after the sunset or
-- with legacy_invitations = false); model.requests says what it spent.
--
-- The model is plain tables (REPL: tostring prints it; cjson encodes it):
--   { org_id, requests,
--     people = { { username, id, status, org_roles, projects = { [groupId] = roles },
--                  teams = { names } }, ... }            sorted by username
--     teams = { { id, name, members = { usernames }, projects = { [groupId] = roles } }, ... }
--     projects = { { id, name }, ... }                   the projects read
--     invitations = { [groupId] = { { id, username, roles, expires_at }, ... } }   pending legacy ones
--     person = { [lower-case username] = person }, team = { [name] = team },
--     project = { [id] = project, [name] = project } }
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local pages = require "atlas_admin.pages"
local show = require "atlas_admin.show"
local sunset = require "atlas_admin.sunset"

local M = {}

local function sorted_copy(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  table.sort(out)
  return out
end

local function expired(inv)
  return type(inv.expiresAt) == "string" and inv.expiresAt < os.date("!%Y-%m-%dT%H:%M:%SZ")
end

-- Which of the org's projects to read: all, or those named (by id or name).
local function select_projects(all, wanted, org_id)
  if wanted == nil then return all end
  local by_id, by_name, out, seen = {}, {}, {}, {}
  for _, p in ipairs(all) do
    by_id[p.id] = p
    by_name[p.name] = p
  end
  for i, w in ipairs(wanted) do
    local p = by_id[w] or by_name[w]
    if not p then
      return nil, errors.not_found("projects[" .. i .. "]", "no project " .. string.format("%q", tostring(w))
        .. " in organization " .. org_id .. " (give a project's name or id)", "org_access")
    end
    if not seen[p.id] then
      seen[p.id] = true
      out[#out + 1] = p
    end
  end
  return out
end

local function check_args(org_id, opts)
  local ok, field, message = core.check_id(org_id, "orgId")
  if not ok then return nil, errors.validation(field, message, "org_access") end
  if opts == nil then return true end
  if type(opts) ~= "table" then
    return nil, errors.validation("options", "options must be a table like { projects = { \"prod\" } }", "org_access")
  end
  for k in pairs(opts) do
    if k ~= "projects" then
      return nil, errors.validation(tostring(k), "unknown option " .. tostring(k) .. "; the only option is projects",
        "org_access")
    end
  end
  local p = opts.projects
  if p ~= nil then
    if type(p) ~= "table" or #p == 0 then
      return nil, errors.validation("projects", "projects must be a non-empty list of project names or ids", "org_access")
    end
    for i, v in ipairs(p) do
      if type(v) ~= "string" or v == "" then
        return nil, errors.validation("projects[" .. i .. "]", "projects[" .. i .. "] must be a project's name or id",
          "org_access")
      end
    end
  end
  return true
end

--- Builds the model from what was read (pure: no I/O).  users: org users;
-- teams: { id, name }; projects: the projects read; project_teams[id]:
-- their team roles; invitations[id]: their legacy invitations (or nil).
function M.build(org_id, users, teams, projects, project_teams, invitations)
  local model = { org_id = org_id, people = {}, teams = {}, projects = {}, invitations = {}, person = {}, team = {},
    project = {} }
  local team_by_id = {}
  for _, t in ipairs(teams) do
    local entry = { id = t.id, name = t.name, members = {}, projects = {} }
    model.teams[#model.teams + 1] = entry
    model.team[t.name] = entry
    team_by_id[t.id] = entry
  end
  for _, p in ipairs(projects) do
    local entry = { id = p.id, name = p.name }
    model.projects[#model.projects + 1] = entry
    model.project[p.id], model.project[p.name] = entry, entry
    for _, tr in ipairs(project_teams[p.id] or {}) do
      local team = team_by_id[tr.teamId]
      if team then team.projects[p.id] = sorted_copy(tr.roleNames) end
    end
    if invitations[p.id] then
      local rows = {}
      for _, inv in ipairs(invitations[p.id]) do
        if not expired(inv) then
          rows[#rows + 1] = { id = inv.id, username = inv.username, roles = sorted_copy(inv.roles),
            expires_at = inv.expiresAt }
        end
      end
      model.invitations[p.id] = rows
    end
  end
  for _, u in ipairs(users) do
    local person = { username = u.username, id = u.id, status = u.orgMembershipStatus,
      org_roles = sorted_copy(u.roles and u.roles.orgRoles), projects = {}, teams = {} }
    for _, a in ipairs(u.roles and u.roles.groupRoleAssignments or {}) do
      if type(a.groupRoles) == "table" and #a.groupRoles > 0 then person.projects[a.groupId] = sorted_copy(a.groupRoles) end
    end
    for _, tid in ipairs(u.teamIds or {}) do
      local team = team_by_id[tid]
      if team then
        person.teams[#person.teams + 1] = team.name
        team.members[#team.members + 1] = u.username
      end
    end
    table.sort(person.teams)
    model.people[#model.people + 1] = person
    model.person[u.username:lower()] = person
  end
  -- sorted by lower-case username (the keys computed once: a big org has thousands)
  local key = {}
  for _, p in ipairs(model.people) do key[p] = p.username:lower() end
  table.sort(model.people, function(a, b) return key[a] < key[b] end)
  table.sort(model.teams, function(a, b) return a.name < b.name end)
  for _, t in ipairs(model.teams) do
    local lower = {}
    for _, m in ipairs(t.members) do lower[m] = m:lower() end
    table.sort(t.members, function(a, b) return lower[a] < lower[b] end)
  end
  return show.attach(model, "org_access")
end

-- Which people an organization role lets into every project, and as what.
local IMPLIED = { ORG_OWNER = { via = "org_owner", roles = { "GROUP_OWNER" } },
  ORG_READ_ONLY = { via = "org_read_only", roles = { "GROUP_READ_ONLY" } } }
local VIA_ORDER = { direct = 1, team = 2, org_owner = 3, org_read_only = 4, invitation = 5 }

--- Who reaches a project of the model, and why: one row per person and
-- way in ({ username, status, roles, via = "direct" | "team" (team = its
-- name) | "org_owner" | "org_read_only" | "invitation" }).  Pure.
function M.who(model, group_id)
  local rows = {}
  for _, person in ipairs(model.people) do
    if person.projects[group_id] then
      rows[#rows + 1] = { username = person.username, status = person.status, roles = person.projects[group_id],
        via = "direct" }
    end
    for _, name in ipairs(person.teams) do
      local roles = model.team[name].projects[group_id]
      if roles then
        rows[#rows + 1] = { username = person.username, status = person.status, roles = roles, via = "team", team = name }
      end
    end
    for _, role in ipairs(person.org_roles) do
      local implied = IMPLIED[role]
      if implied then
        rows[#rows + 1] = { username = person.username, status = person.status, roles = sorted_copy(implied.roles),
          via = implied.via }
      end
    end
  end
  for _, inv in ipairs(model.invitations[group_id] or {}) do
    rows[#rows + 1] = { username = inv.username, status = "PENDING", roles = inv.roles, via = "invitation",
      id = inv.id, expires_at = inv.expires_at }
  end
  table.sort(rows, function(a, b)
    if a.username:lower() ~= b.username:lower() then return a.username:lower() < b.username:lower() end
    if a.via ~= b.via then return VIA_ORDER[a.via] < VIA_ORDER[b.via] end
    return (a.team or "") < (b.team or "")
  end)
  return show.attach(rows, "who_list")
end

local function join(list) return #list > 0 and table.concat(list, ",") or "-" end

-- "atlas-admin-demo: GROUP_OWNER; prod: GROUP_READ_ONLY", in project order.
local function per_project(model, map)
  local parts = {}
  for _, p in ipairs(model.projects) do
    if map[p.id] then parts[#parts + 1] = p.name .. ": " .. join(map[p.id]) end
  end
  for id, roles in pairs(map) do
    if not model.project[id] then parts[#parts + 1] = id .. ": " .. join(roles) end -- a project not read
  end
  return #parts > 0 and table.concat(parts, "; ") or "no project roles"
end

local function aligned(rows)
  local widths = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do widths[i] = math.max(widths[i] or 0, #cell) end
  end
  local out = {}
  for _, r in ipairs(rows) do
    local cells = {}
    for i, cell in ipairs(r) do cells[i] = i < #r and (cell .. string.rep(" ", widths[i] - #cell)) or cell end
    out[#out + 1] = ("  " .. table.concat(cells, "  ")):gsub("%s+$", "")
  end
  return out
end

show.format("org_access", function(m)
  local n_inv = 0
  for _, list in pairs(m.invitations) do n_inv = n_inv + #list end
  local out = { string.format("org %s: %d people, %d teams, %d projects, %d legacy invitations%s", tostring(m.org_id),
    #m.people, #m.teams, #m.projects, n_inv, m.requests and (" (" .. m.requests .. " requests)") or "") }
  out[#out + 1] = "people"
  local rows = {}
  for _, p in ipairs(m.people) do
    rows[#rows + 1] = { p.username, tostring(p.status), join(p.org_roles), per_project(m, p.projects),
      #p.teams > 0 and ("teams: " .. table.concat(p.teams, ",")) or "" }
  end
  for _, line in ipairs(aligned(rows)) do out[#out + 1] = line end
  out[#out + 1] = "teams"
  rows = {}
  for _, t in ipairs(m.teams) do
    rows[#rows + 1] = { t.name, #t.members .. " member" .. (#t.members == 1 and "" or "s"), per_project(m, t.projects) }
  end
  for _, line in ipairs(aligned(rows)) do out[#out + 1] = line end
  out[#out + 1] = "projects"
  rows = {}
  for _, p in ipairs(m.projects) do
    local inv = m.invitations[p.id]
    rows[#rows + 1] = { p.name, p.id, inv and #inv > 0 and (#inv .. " legacy invitation" .. (#inv == 1 and "" or "s"))
      or "" }
  end
  for _, line in ipairs(aligned(rows)) do out[#out + 1] = line end
  return table.concat(out, "\n")
end)

show.format("who_list", function(rows)
  if #rows == 0 then return "nobody can reach this project" end
  local cells = {}
  for _, r in ipairs(rows) do
    cells[#cells + 1] = { r.username, tostring(r.status), r.via == "team" and ("team " .. r.team) or r.via, join(r.roles) }
  end
  local people = {}
  for _, r in ipairs(rows) do people[r.username:lower()] = true end
  local n = 0
  for _ in pairs(people) do n = n + 1 end
  local out = { string.format("%d %s can reach it, %d way%s in", n, n == 1 and "person" or "people", #rows,
    #rows == 1 and "" or "s") }
  for _, line in ipairs(aligned(cells)) do out[#out + 1] = line end
  return table.concat(out, "\n")
end)

--- The reads every project-independent part of the model needs: the org
-- users' pages, the teams' pages, the projects' pages.  Returns
-- { users, teams, projects, requests } or nil, err.
function M.read_base(client, org_id)
  local base, requests = {}, 0
  for _, part in ipairs { { "users", "list_org_users" }, { "teams", "list_teams" }, { "projects", "list_org_projects" } } do
    local list, err, n_pages = pages.list_all(client, part[2], { org_id })
    if not list then return nil, err end
    base[part[1]] = list
    requests = requests + n_pages
  end
  base.requests = requests
  return base
end

--- Per project: its teams (one request) and, until the sunset, its legacy
-- invitations (one).  Adds project_teams, invitations and their requests
-- to base; returns base or nil, err.
function M.read_projects(client, base, selected)
  base.project_teams, base.invitations = base.project_teams or {}, base.invitations or {}
  for _, p in ipairs(selected) do
    local list, err, n_pages = pages.list_all(client, "list_project_teams", { p.id })
    if not list then return nil, err end
    base.project_teams[p.id] = list
    base.requests = base.requests + n_pages
    if sunset.legacy_enabled(client) then
      list, err = client:list_invitations(p.id, nil, sunset.QUIET)
      base.requests = base.requests + 1
      if list then
        base.invitations[p.id] = list
      elseif not sunset.is_gone(client) then -- this very call met the sunset: none any more
        return nil, err
      end
    end
  end
  return base
end

--- Reads the organization: returns the model, or nil, err.
function M.read(client, org_id, opts)
  local ok, err = check_args(org_id, opts)
  if not ok then return nil, err end
  local base
  base, err = M.read_base(client, org_id)
  if not base then return nil, err end
  local selected
  selected, err = select_projects(base.projects, opts and opts.projects, org_id)
  if not selected then return nil, err end
  base, err = M.read_projects(client, base, selected)
  if not base then return nil, err end
  local model = M.build(org_id, base.users, base.teams, selected, base.project_teams, base.invitations)
  model.requests = base.requests
  return model
end

function M.install(Client, check_self)
  --- The organization's whole access in one read model (see the top of
  -- this file for its shape and its request budget).
  function Client:org_access(org_id, opts)
    check_self(self, "org_access")
    return M.read(self, org_id, opts)
  end

  --- Who can reach a project, and why: one row per person and way in
  -- (direct, a team, an org role, a legacy invitation).  Costs what
  -- org_access costs for that one project.
  function Client:who_can_access(org_id, group_id)
    check_self(self, "who_can_access")
    local ok, field, message = core.check_id(group_id, "groupId")
    if not ok then return nil, errors.validation(field, message, "who_can_access") end
    local model, err = M.read(self, org_id, { projects = { group_id } })
    if not model then
      if err.operation == "org_access" then err.operation = "who_can_access" end
      return nil, err
    end
    return M.who(model, group_id)
  end
end

return M
