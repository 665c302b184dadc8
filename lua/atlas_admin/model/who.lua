-- Who can reach a project of a read model, and why; and how a model and
-- those rows print (tostring in a REPL, the CLI's table output).
local list = require "atlas_admin.util.list"
local show = require "atlas_admin.util.show"

local M = {}

-- Which people an organization role lets into every project, and as what.
local IMPLIED = { ORG_OWNER = { via = "org_owner", roles = { "GROUP_OWNER" } },
  ORG_READ_ONLY = { via = "org_read_only", roles = { "GROUP_READ_ONLY" } } }
local VIA_ORDER = { direct = 1, team = 2, org_owner = 3, org_read_only = 4, invitation = 5, api_key = 6,
  service_account = 7 }

-- An API key's or a service account's rows: its own roles in the project,
-- and what an org role gives it in every project (org_role names the role).
local function identity_rows(rows, identities, via, group_id)
  for _, e in ipairs(identities or {}) do
    local function row(roles, org_role)
      rows[#rows + 1] = { username = e.name or e.id, name = e.name, id = e.id, status = "ACTIVE", roles = roles,
        via = via, org_role = org_role }
    end
    if e.projects[group_id] then row(e.projects[group_id]) end
    for _, role in ipairs(e.org_roles) do
      if IMPLIED[role] then row(list.sorted(IMPLIED[role].roles), role) end
    end
  end
end

--- Who reaches a project of the model, and why: one row per holder and
-- way in ({ username, status, roles, via = "direct" | "team" (team = its
-- name) | "org_owner" | "org_read_only" | "invitation" | "api_key" |
-- "service_account" (name, id; org_role: the organization role that
-- reaches every project, e.g. ORG_OWNER) }; username is an identity's
-- name).  Pure.
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
        rows[#rows + 1] = { username = person.username, status = person.status, roles = list.sorted(implied.roles),
          via = implied.via }
      end
    end
  end
  for _, inv in ipairs(model.invitations[group_id] or {}) do
    rows[#rows + 1] = { username = inv.username, status = "PENDING", roles = inv.roles, via = "invitation",
      id = inv.id, expires_at = inv.expires_at }
  end
  identity_rows(rows, model.api_keys, "api_key", group_id)
  identity_rows(rows, model.service_accounts, "service_account", group_id)
  table.sort(rows, function(a, b)
    local pa, pb = a.via == "api_key" or a.via == "service_account", b.via == "api_key" or b.via == "service_account"
    if pa ~= pb then return pb end -- people first, then identities
    if a.username:lower() ~= b.username:lower() then return a.username:lower() < b.username:lower() end
    if a.via ~= b.via then return VIA_ORDER[a.via] < VIA_ORDER[b.via] end
    if (a.id or "") ~= (b.id or "") then return (a.id or "") < (b.id or "") end
    if (a.org_role ~= nil) ~= (b.org_role ~= nil) then return b.org_role ~= nil end
    return (a.team or "") < (b.team or "")
  end)
  return show.attach(rows, "who_list")
end

local function join(roles) return #roles > 0 and table.concat(roles, ",") or "-" end

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
  for _, rows in pairs(m.invitations) do n_inv = n_inv + #rows end
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
  -- API keys and service accounts (when read): org roles, project roles, access list size
  for _, part in ipairs { { "api keys", m.api_keys }, { "service accounts", m.service_accounts } } do
    if part[2] then
      out[#out + 1] = part[1]
      rows = {}
      for _, e in ipairs(part[2]) do
        rows[#rows + 1] = { tostring(e.name), e.id, join(e.org_roles), per_project(m, e.projects),
          #e.access_list > 0 and (#e.access_list .. " access list entr" .. (#e.access_list == 1 and "y" or "ies"))
          or "no access list" }
      end
      for _, line in ipairs(aligned(rows)) do out[#out + 1] = line end
    end
  end
  return table.concat(out, "\n")
end)

show.format("who_list", function(rows)
  if #rows == 0 then return "nobody can reach this project" end
  local cells = {}
  local HOW = { api_key = "API key", service_account = "service account" }
  for _, r in ipairs(rows) do
    local how = r.via == "team" and ("team " .. r.team) or HOW[r.via] or r.via
    if r.org_role then how = how .. " (" .. r.org_role .. ": every project)" end
    cells[#cells + 1] = { r.username, tostring(r.status), how, join(r.roles) }
  end
  local people, identities = {}, {}
  for _, r in ipairs(rows) do
    if HOW[r.via] then identities[r.via .. r.id] = true else people[r.username:lower()] = true end
  end
  local n, k = 0, 0
  for _ in pairs(people) do n = n + 1 end
  for _ in pairs(identities) do k = k + 1 end
  local out = { string.format("%d %s%s can reach it, %d way%s in", n, n == 1 and "person" or "people",
    k > 0 and string.format(" and %d API key%s or service account%s", k, k == 1 and "" or "s", k == 1 and "" or "s")
    or "", #rows, #rows == 1 and "" or "s") }
  for _, line in ipairs(aligned(cells)) do out[#out + 1] = line end
  return table.concat(out, "\n")
end)


return M
