-- The state an access plan is made from (and checked against before it is
-- applied): the org_access model of the organization, read with the
-- requests running concurrently (client:batch), and a fingerprint of it.
--
-- Reads: the org users', teams' and projects' pages (500 a page, the most
-- Atlas gives), then for each project the file names its teams and, until
-- the sunset, its legacy invitations: pages(users) + pages(teams) +
-- pages(projects) + 2 x projects, in about four round trips whatever the
-- size (the per-project reads run 16 at a time).
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local jsonenc = require "atlas_admin.jsonenc"
local org_access = require "atlas_admin.org_access"
local sunset = require "atlas_admin.sunset"

local M = {}

M.PAGE_SIZE = 500
M.CONCURRENCY = 16

local function first_error(results)
  for _, r in ipairs(results) do
    if not r.ok then return r.err end
  end
end

--- Reads the organization and the projects named by keys (names or ids).
-- Returns state, unknown (the keys that name no project of the org), or
-- nil, err.  state = { model, requests, project_ids = { key = id } }.
function M.read(client, org_id, keys, concurrency)
  concurrency = concurrency or M.CONCURRENCY
  local page = { items_per_page = M.PAGE_SIZE }
  local results, summary = client:batch({
    { "list_org_users", org_id, page },
    { "list_teams", org_id },
    { "list_org_projects", org_id, page },
  }, { concurrency = 3 })
  if not results then return nil, summary end
  local err = first_error(results)
  if err then return nil, err end
  local requests = summary.requests
  local users, teams, projects = results[1].value, results[2].value, results[3].value

  local by_id, by_name = {}, {}
  for _, p in ipairs(projects) do
    by_id[p.id] = p
    by_name[p.name] = p
  end
  local selected, ids, unknown, seen = {}, {}, {}, {}
  for _, key in ipairs(keys) do
    local p = by_id[key] or by_name[key]
    if not p then
      unknown[#unknown + 1] = key
    else
      ids[key] = p.id
      if not seen[p.id] then
        seen[p.id] = true
        selected[#selected + 1] = p
      end
    end
  end
  table.sort(selected, function(a, b) return a.name < b.name end)

  local calls, legacy = {}, sunset.legacy_enabled(client)
  for _, p in ipairs(selected) do
    calls[#calls + 1] = { "list_project_teams", p.id }
    if legacy then calls[#calls + 1] = { "list_invitations", p.id } end
  end
  local project_teams, invitations = {}, {}
  if #calls > 0 then
    results, summary = client:batch(calls, { concurrency = concurrency })
    if not results then return nil, summary end
    requests = requests + summary.requests
    for i, r in ipairs(results) do
      local gid = calls[i][2]
      if not r.ok then
        -- an invitation listing that met the sunset: there are none any more
        if not (calls[i][1] == "list_invitations" and sunset.is_gone(client)) then return nil, r.err end
      elseif calls[i][1] == "list_project_teams" then
        project_teams[gid] = r.value
      else
        invitations[gid] = r.value
      end
    end
  end
  local model = org_access.build(org_id, users, teams, selected, project_teams, invitations)
  model.requests = requests
  return { model = model, requests = requests, project_ids = ids }, unknown
end

-- The facts a plan depends on, in a canonical order.
local function canonical(model)
  local people, teams, projects, invitations = {}, {}, {}, {}
  for _, p in ipairs(model.people) do
    people[#people + 1] = { p.username:lower(), p.id, p.status, p.org_roles, p.projects, p.teams }
  end
  for _, t in ipairs(model.teams) do teams[#teams + 1] = { t.name, t.id, t.members, t.projects } end
  for _, p in ipairs(model.projects) do
    projects[#projects + 1] = { p.id, p.name }
    local rows = {}
    for _, inv in ipairs(model.invitations[p.id] or {}) do rows[#rows + 1] = { inv.id, inv.username:lower(), inv.roles } end
    table.sort(rows, function(a, b) return a[1] < b[1] end)
    invitations[p.id] = rows
  end
  return { model.org_id, people, teams, projects, invitations }
end

--- A fingerprint of the state: SHA-256 of its canonical JSON.  Two reads
-- of an unchanged organization give the same fingerprint.
function M.fingerprint(model)
  return core.sha256_hex(assert(jsonenc.encode(canonical(model))))
end

--- The error apply_access returns when the organization changed since the plan.
function M.stale(plan_fp, now_fp)
  return errors.refused("stale_plan", "the organization changed since this plan was made (fingerprint "
    .. tostring(plan_fp):sub(1, 12) .. " then, " .. now_fp:sub(1, 12) .. " now); nothing was written: make the plan "
    .. "again and review it", "apply_access", { planned = plan_fp, found = now_fp })
end

return M
