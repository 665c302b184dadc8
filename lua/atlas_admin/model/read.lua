-- The one reader of an organization: every part of the library that needs
-- the organization's access (org_access and who_can_access, access as
-- code's plan and apply, the access review) reads it here, the same way.
--
--   M.read(client, orgId, keys | nil, concurrency [, identities]) -> state, unknown | nil, err
--     keys: the projects to read (names or ids); nil: every project
--     identities: also the organization's API keys and service accounts
--       (true, or "roles": without their access lists, which who_can_access does not need)
--     state = { model (model/build.lua), requests, project_ids = { [key] = groupId } }
--     unknown: the keys that name no project of the organization
--
-- Requests: the org users', teams' and projects' pages (500 a page, the
-- most Atlas gives), then per project read its teams and, until the
-- invitations' sunset, its legacy invitations:
--   pages(users) + pages(teams) + pages(projects) + 2 x projects
-- (1 x projects after the sunset); with identities, also the API keys'
-- and service accounts' pages (first round), and one request per API key
-- and per service account (its access list) and per project read (its
-- service accounts: an API key's project roles come with the keys' listing):
--   + pages(api keys) + pages(service accounts) + keys + accounts + projects
-- (no access lists with identities = "roles"; no per-project listing when
-- the org has no service account)
-- All run concurrently (client:batch, 16 at a
-- time): two round trips whatever the size, one when every key is an id
-- (apply: the plan's projects go in the same batch as the listings).  The
-- first read on a client also answers one digest challenge per new
-- connection (at most the concurrency); later reads reuse them.
local build = require "atlas_admin.model.build"
local sunset = require "atlas_admin.http.sunset"

local M = {}

local unpack = table.unpack or unpack -- luacheck: ignore 143 (LuaJIT)

M.PAGE_SIZE = 500
M.CONCURRENCY = 16

local function is_id(key)
  return type(key) == "string" and #key == 24 and key:match("^%x+$") ~= nil
end

-- Runs the reads concurrently (client:batch); inside a batch item (a helper
-- run as one: a batch cannot nest) one after another, in that item's turn
-- (the enclosing batch counts their requests; here each counts as one).
local function run(client, calls, concurrency)
  if client:_binding() then
    local results = {}
    for i, call in ipairs(calls) do
      local value, err = client[call[1]](client, unpack(call, 2, call.n or #call))
      results[i] = { ok = value ~= nil, value = value, err = err }
    end
    return results, { requests = #calls }
  end
  return client:batch(calls, { concurrency = concurrency })
end

local function project_reads(client, gids, identities)
  local calls, legacy = {}, sunset.legacy_enabled(client)
  for _, gid in ipairs(gids) do
    calls[#calls + 1] = { "list_project_teams", gid }
    if legacy then calls[#calls + 1] = { "list_invitations", gid, nil, sunset.QUIET, n = 4 } end
    if identities then calls[#calls + 1] = { "list_project_service_accounts", gid } end
  end
  return calls
end

function M.read(client, org_id, keys, concurrency, identities)
  concurrency = concurrency or M.CONCURRENCY
  local page = { items_per_page = M.PAGE_SIZE }
  local calls = {
    { "list_org_users", org_id, page },
    { "list_teams", org_id },
    { "list_org_projects", org_id, page },
  }
  if identities then
    calls[4] = { "list_api_keys", org_id }
    calls[5] = { "list_service_accounts", org_id }
  end
  local listings = #calls
  local all_ids = keys ~= nil
  for _, key in ipairs(keys or {}) do all_ids = all_ids and is_id(key) end
  local early = {}
  if all_ids then
    for _, call in ipairs(project_reads(client, keys, identities)) do
      calls[#calls + 1] = call
      early[#calls] = call
    end
  end
  local results, summary = run(client, calls, concurrency)
  if not results then return nil, summary end
  for i = 1, listings do
    if not results[i].ok then return nil, results[i].err end
  end
  local requests = summary.requests
  local users, teams, projects = results[1].value, results[2].value, results[3].value
  local api_keys, accounts = identities and results[4].value, identities and results[5].value

  local by_id, by_name = {}, {}
  for _, p in ipairs(projects) do
    by_id[p.id] = p
    by_name[p.name] = p
  end
  local selected, ids, unknown, seen = {}, {}, {}, {}
  for _, key in ipairs(keys or {}) do
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
  if keys == nil then
    for _, p in ipairs(projects) do selected[#selected + 1] = p end
  end
  table.sort(selected, function(a, b) return a.name < b.name end)

  local project_teams, invitations, project_accounts, access_lists = {}, {}, {}, {}
  local function file(call, r)
    local id = call[#call] -- the project, or the identity whose access list it is
    if not r.ok then
      -- an invitation listing that met the sunset: there are none any more
      if not (call[1] == "list_invitations" and sunset.is_gone(client)) then return r.err end
    elseif call[1] == "list_project_teams" then
      project_teams[id] = r.value
    elseif call[1] == "list_invitations" then
      invitations[call[2]] = r.value
    elseif call[1] == "list_project_service_accounts" then
      project_accounts[id] = r.value
    else
      access_lists[id] = r.value
    end
  end
  -- per identity: its access list (the second round)
  local identity_calls = {}
  if identities and identities ~= "roles" then
    for _, k in ipairs(api_keys) do identity_calls[#identity_calls + 1] = { "list_api_key_access_list", org_id, k.id } end
    for _, a in ipairs(accounts) do
      identity_calls[#identity_calls + 1] = { "list_service_account_access_list", org_id, a.clientId }
    end
  end
  if all_ids then
    for i, call in pairs(early) do
      if seen[call[2]] then
        local err = file(call, results[i])
        if err then return nil, err end
      end
    end
    calls = identity_calls
  else
    local gids = {}
    for _, p in ipairs(selected) do gids[#gids + 1] = p.id end
    -- (an org with no service account: no project has any to list)
    calls = project_reads(client, gids, identities and #accounts > 0)
    for _, call in ipairs(identity_calls) do calls[#calls + 1] = call end
  end
  -- the second round: what depends on the listings
  if #calls > 0 then
    results, summary = run(client, calls, concurrency)
    if not results then return nil, summary end
    requests = requests + summary.requests
    for i, r in ipairs(results) do
      local err = file(calls[i], r)
      if err then return nil, err end
    end
  end
  local model = build.build(org_id, users, teams, selected, project_teams, invitations)
  if identities then
    build.identities(model, api_keys, accounts, project_accounts, access_lists)
  end
  model.requests = requests
  model.all_projects = {}
  for id, p in pairs(by_id) do model.all_projects[id] = { id = id, name = p.name } end
  return { model = model, requests = requests, project_ids = ids }, unknown
end

--- More of a project's teams for a model already read (the guards look at
-- projects a plan did not read): returns the requests spent, or nil, err.
function M.read_project_teams(client, model, gids, concurrency)
  local calls = {}
  for i, gid in ipairs(gids) do calls[i] = { "list_project_teams", gid } end
  local results, summary = run(client, calls, concurrency or M.CONCURRENCY)
  if not results then return nil, summary end
  local by_id = {}
  for _, t in ipairs(model.teams) do by_id[t.id] = t end
  for i, r in ipairs(results) do
    if not r.ok then return nil, r.err end
    for _, tr in ipairs(r.value) do
      local t = by_id[tr.teamId]
      if t then
        local roles = {}
        for k, v in ipairs(tr.roleNames or {}) do roles[k] = v end
        table.sort(roles)
        t.projects[gids[i]] = roles
      end
    end
  end
  return summary.requests
end

return M
