-- The state an access plan is made from (and checked against before it is
-- applied): the org_access model of the organization, read with the
-- requests running concurrently (client:batch), and a fingerprint of it.
--
-- Reads: the org users', teams' and projects' pages (500 a page, the most
-- Atlas gives), then for each project the file names its teams and, until
-- the sunset, its legacy invitations: pages(users) + pages(teams) +
-- pages(projects) + 2 x projects, in a few round trips whatever the size
-- (the reads run 16 at a time; apply, which knows the project ids, does
-- them all in one batch).
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local org_access = require "atlas_admin.org_access"
local sunset = require "atlas_admin.sunset"

local M = {}

M.PAGE_SIZE = 500
M.CONCURRENCY = 16

local function is_id(key)
  return type(key) == "string" and #key == 24 and key:match("^%x+$") ~= nil
end

local function project_reads(client, gids)
  local calls, legacy = {}, sunset.legacy_enabled(client)
  for _, gid in ipairs(gids) do
    calls[#calls + 1] = { "list_project_teams", gid }
    if legacy then calls[#calls + 1] = { "list_invitations", gid, nil, sunset.QUIET, n = 4 } end
  end
  return calls
end

--- Reads the organization and the projects named by keys (names or ids).
-- Returns state, unknown (the keys that name no project of the org), or
-- nil, err.  state = { model, requests, project_ids = { key = id } }.
-- When every key is an id (apply_access: the plan's projects), the
-- per-project reads go in the same concurrent batch as the org's listings.
function M.read(client, org_id, keys, concurrency)
  concurrency = concurrency or M.CONCURRENCY
  local page = { items_per_page = M.PAGE_SIZE }
  local calls = {
    { "list_org_users", org_id, page },
    { "list_teams", org_id },
    { "list_org_projects", org_id, page },
  }
  local all_ids = true
  for _, key in ipairs(keys) do all_ids = all_ids and is_id(key) end
  local early = {}
  if all_ids then
    for _, call in ipairs(project_reads(client, keys)) do
      calls[#calls + 1] = call
      early[#calls] = call
    end
  end
  local results, summary = client:batch(calls, { concurrency = concurrency })
  if not results then return nil, summary end
  for i = 1, 3 do
    if not results[i].ok then return nil, results[i].err end
  end
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

  local project_teams, invitations = {}, {}
  local function file(call, r)
    local gid = call[2]
    if not r.ok then
      -- an invitation listing that met the sunset: there are none any more
      if not (call[1] == "list_invitations" and sunset.is_gone(client)) then return r.err end
    elseif call[1] == "list_project_teams" then
      project_teams[gid] = r.value
    else
      invitations[gid] = r.value
    end
  end
  if all_ids then
    for i, call in pairs(early) do
      if seen[call[2]] then
        local err = file(call, results[i])
        if err then return nil, err end
      end
    end
  else
    local gids = {}
    for _, p in ipairs(selected) do gids[#gids + 1] = p.id end
    calls = project_reads(client, gids)
    if #calls > 0 then
      results, summary = client:batch(calls, { concurrency = concurrency })
      if not results then return nil, summary end
      requests = requests + summary.requests
      for i, r in ipairs(results) do
        local err = file(calls[i], r)
        if err then return nil, err end
      end
    end
  end
  local model = org_access.build(org_id, users, teams, selected, project_teams, invitations)
  model.requests = requests
  return { model = model, requests = requests, project_ids = ids }, unknown
end

-- The facts a plan depends on as one canonical text: a line per person,
-- team, project and legacy invitation, every list and map in sorted order
-- (the model's lists are sorted already), fields separated by tabs.  Built
-- as plain strings: a big org has thousands of people, and this runs at
-- every plan and apply.
local function map_text(map)
  local keys = {}
  for k in pairs(map) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = k .. "=" .. table.concat(map[k], ",") end
  return table.concat(keys, ";")
end

local function canonical(model)
  local out = { "org\t" .. model.org_id }
  for _, p in ipairs(model.people) do
    out[#out + 1] = table.concat({ "person", p.username:lower(), p.id or "", p.status or "", table.concat(p.org_roles, ","),
      map_text(p.projects), table.concat(p.teams, ",") }, "\t")
  end
  for _, t in ipairs(model.teams) do
    out[#out + 1] = table.concat({ "team", t.name, t.id or "", table.concat(t.members, ","), map_text(t.projects) }, "\t")
  end
  for _, p in ipairs(model.projects) do
    out[#out + 1] = "project\t" .. p.id .. "\t" .. p.name
    local rows = {}
    for _, inv in ipairs(model.invitations[p.id] or {}) do
      rows[#rows + 1] = table.concat({ "invitation", p.id, inv.id, inv.username:lower(), table.concat(inv.roles, ",") }, "\t")
    end
    table.sort(rows)
    for _, r in ipairs(rows) do out[#out + 1] = r end
  end
  return table.concat(out, "\n")
end

--- A fingerprint of the state: SHA-256 of its canonical text.  Two reads
-- of an unchanged organization give the same fingerprint.
function M.fingerprint(model)
  return core.sha256_hex(canonical(model))
end

--- The error apply_access returns when the organization changed since the plan.
function M.stale(plan_fp, now_fp)
  return errors.refused("stale_plan", "the organization changed since this plan was made (fingerprint "
    .. tostring(plan_fp):sub(1, 12) .. " then, " .. now_fp:sub(1, 12) .. " now); nothing was written: make the plan "
    .. "again and review it", "apply_access", { planned = plan_fp, found = now_fp })
end

return M
