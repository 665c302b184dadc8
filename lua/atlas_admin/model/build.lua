-- The read model of an organization, built from what was read (pure: no
-- I/O; model/read.lua does the reading).  Plain tables (REPL: tostring
-- prints it; cjson encodes it):
--   { org_id, requests,
--     people = { { username, id, status, org_roles, projects = { [groupId] = roles },
--                  teams = { names }, created, last_auth, invitation_created, invitation_expires }, ... }
--                                                        sorted by username
--     teams = { { id, name, members = { usernames }, projects = { [groupId] = roles } }, ... }
--     projects = { { id, name }, ... }                   the projects read
--     invitations = { [groupId] = { { id, username, roles, expires_at, created }, ... } }   pending legacy ones
--     person = { [lower-case username] = person }, team = { [name] = team },
--     project = { [id] = project, [name] = project },
--     all_projects = { [id] = { id, name } }            every project of the org, read or not
--     api_keys = { { id, name (its desc), desc, public_key, org_roles, projects = { [groupId] = roles },
--                    access_list = { { address, last_used, last_address, count } } }, ... }
--     service_accounts = { { id (its clientId), name, description, created, org_roles,
--                    projects = { [groupId] = roles } (the projects read),
--                    access_list = { { address, last_used, last_address, count } },
--                    secrets = { { id, created, expires_at, last_used } } }, ... }
--       (with identities read: model/read.lua); api_key, service_account: by id }
-- No secret is kept: a key's private part and a secret's masked value are
-- left out of the model.
local list = require "atlas_admin.util.list"
local show = require "atlas_admin.util.show"
local text = require "atlas_admin.util.text"
require "atlas_admin.model.who" -- how a model prints (its show format)

local M = {}

-- Only a timestamp is kept (an invitation's expiry is null once rejected).
local function date(v)
  return type(v) == "string" and v or nil
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
      if team then team.projects[p.id] = list.sorted(tr.roleNames) end
    end
    if invitations[p.id] then
      local rows = {}
      for _, inv in ipairs(invitations[p.id]) do
        if not text.expired(inv.expiresAt) then
          rows[#rows + 1] = { id = inv.id, username = inv.username, roles = list.sorted(inv.roles),
            expires_at = inv.expiresAt, created = date(inv.createdAt) }
        end
      end
      model.invitations[p.id] = rows
    end
  end
  for _, u in ipairs(users) do
    local person = { username = u.username, id = u.id, status = u.orgMembershipStatus,
      org_roles = list.sorted(u.roles and u.roles.orgRoles), projects = {}, teams = {},
      -- the dates a review judges by (already in the listing)
      created = date(u.createdAt), last_auth = date(u.lastAuth), invitation_created = date(u.invitationCreatedAt),
      invitation_expires = date(u.invitationExpiresAt) }
    for _, a in ipairs(u.roles and u.roles.groupRoleAssignments or {}) do
      if type(a.groupRoles) == "table" and #a.groupRoles > 0 then person.projects[a.groupId] = list.sorted(a.groupRoles) end
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


-- An access list entry as the model keeps it (both kinds' field names).
local function entry(a)
  return { address = a.cidrBlock or a.ipAddress, last_used = date(a.lastUsed or a.lastUsedAt),
    last_address = a.lastUsedAddress, count = a.count or a.requestCount }
end

local function entries(listed)
  local out = {}
  for i, a in ipairs(listed or {}) do out[i] = entry(a) end
  table.sort(out, function(a, b) return tostring(a.address) < tostring(b.address) end)
  return out
end

--- Adds the organization's API keys and service accounts to a model:
-- keys and accounts as listed, project_accounts[groupId] the service
-- accounts of each project read, access_lists[id] each one's access list.
function M.identities(model, keys, accounts, project_accounts, access_lists)
  model.api_keys, model.api_key = {}, {}
  for _, k in ipairs(keys) do
    local org_roles, projects = {}, {}
    for _, r in ipairs(k.roles or {}) do
      if r.groupId then
        projects[r.groupId] = projects[r.groupId] or {}
        table.insert(projects[r.groupId], r.roleName)
      elseif r.roleName then
        org_roles[#org_roles + 1] = r.roleName
      end
    end
    for _, roles in pairs(projects) do table.sort(roles) end
    table.sort(org_roles)
    local key = { id = k.id, name = k.desc, desc = k.desc, public_key = k.publicKey, org_roles = org_roles,
      projects = projects, access_list = entries(access_lists[k.id]) }
    model.api_keys[#model.api_keys + 1] = key
    model.api_key[k.id] = key
  end
  model.service_accounts, model.service_account = {}, {}
  for _, a in ipairs(accounts) do
    local secrets = {}
    for i, s in ipairs(a.secrets or {}) do
      secrets[i] = { id = s.id, created = date(s.createdAt), expires_at = date(s.expiresAt),
        last_used = date(s.lastUsedAt) }
    end
    local account = { id = a.clientId, name = a.name, description = a.description, created = date(a.createdAt),
      org_roles = list.sorted(a.roles), projects = {}, access_list = entries(access_lists[a.clientId]),
      secrets = secrets }
    model.service_accounts[#model.service_accounts + 1] = account
    model.service_account[a.clientId] = account
  end
  for gid, list_of in pairs(project_accounts) do
    for _, a in ipairs(list_of) do
      local account = model.service_account[a.clientId]
      if account then account.projects[gid] = list.sorted(a.roles) end
    end
  end
  local function by_name(a, b)
    if (a.name or "") ~= (b.name or "") then return (a.name or "") < (b.name or "") end
    return a.id < b.id
  end
  table.sort(model.api_keys, by_name)
  table.sort(model.service_accounts, by_name)
  return model
end

return M
