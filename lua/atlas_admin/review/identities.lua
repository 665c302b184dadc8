-- Everything that can reach the organization, as the review lists it: one
-- identity per person, pending org invitation, legacy project invitee,
-- team, API key and service account, each
--   { kind, id, name, status, org_roles, created, last_activity,
--     projects = { [groupId] = { roles, level, via = { { how, team?, roles } } } },
--     ... what the kind's rules read (teams, members, expires, access_list, secrets) }
-- built from the read model (org_access) by one entry per kind in KINDS.
-- A kind whose part of the model is absent (API keys and service accounts
-- before the model reads them) contributes nothing.
--
-- Only the fields named here are copied: the model's profile fields,
-- phone numbers, countries, secrets and masked secret values never reach
-- a review, whatever the model carries.
local lists = require "atlas_admin.util.list"
local M = {}


-- The first of several spellings of a field (the identities' part of the
-- model uses Atlas's names or snake_case ones).
local function field(t, ...)
  for _, k in ipairs { ... } do
    if t[k] ~= nil then return t[k] end
  end
end

-- How much a project role allows, for the matrix's colour: 4 owner,
-- 3 admin (clusters, data or database users), 2 write, 1 read.
local ROLE_LEVEL = {
  GROUP_OWNER = 4,
  GROUP_CLUSTER_MANAGER = 3, GROUP_DATA_ACCESS_ADMIN = 3, GROUP_DATABASE_ACCESS_ADMIN = 3,
  GROUP_STREAM_PROCESSING_OWNER = 3,
  GROUP_DATA_ACCESS_READ_WRITE = 2, GROUP_SEARCH_INDEX_EDITOR = 2, GROUP_BACKUP_MANAGER = 2,
}
M.LEVELS = { "read", "write", "admin", "owner" }

--- The highest level of a list of project roles ("owner" ... "read").
function M.level(roles)
  local best = 1
  for _, r in ipairs(roles) do best = math.max(best, ROLE_LEVEL[r] or 1) end
  return M.LEVELS[best]
end

-- What an organization role grants in every project (as org_access.who).
local IMPLIED = { ORG_OWNER = { how = "org_owner", roles = { "GROUP_OWNER" } },
  ORG_READ_ONLY = { how = "org_read_only", roles = { "GROUP_READ_ONLY" } } }

-- Adds one way into a project: roles held through `how` (and `team`).
local function grant(identity, gid, how, roles, team)
  local entry = identity.projects[gid]
  if not entry then
    entry = { roles = {}, via = {} }
    identity.projects[gid] = entry
  end
  entry.via[#entry.via + 1] = { how = how, team = team, roles = lists.sorted(roles) }
  local seen = {}
  for _, r in ipairs(entry.roles) do seen[r] = true end
  for _, r in ipairs(roles) do
    if not seen[r] then
      seen[r] = true
      entry.roles[#entry.roles + 1] = r
    end
  end
  table.sort(entry.roles)
  entry.level = M.level(entry.roles)
end

local function new(kind, id, name, status, org_roles)
  return { kind = kind, id = id, name = tostring(name or id or "?"), status = status,
    org_roles = lists.sorted(org_roles), projects = {} }
end

local function org_role_grants(identity, model)
  for _, role in ipairs(identity.org_roles) do
    local implied = IMPLIED[role]
    if implied then
      for _, p in ipairs(model.projects) do grant(identity, p.id, implied.how, implied.roles) end
    end
  end
end

-- An org user (active or pending): own roles, their teams', org roles'.
local function org_user(kind, p, model)
  local identity = new(kind, p.id, p.username, p.status, p.org_roles)
  identity.teams = lists.sorted(p.teams)
  for gid, roles in pairs(p.projects) do grant(identity, gid, "direct", roles) end
  for _, name in ipairs(p.teams) do
    local team = model.team[name]
    for gid, roles in pairs(team and team.projects or {}) do grant(identity, gid, "team", roles, name) end
  end
  org_role_grants(identity, model)
  return identity
end

-- The newest of a field over a list of entries (access list, secrets).
local function newest(list, ...)
  local best
  for _, e in ipairs(list) do
    local v = field(e, ...)
    if type(v) == "string" and (not best or v > best) then best = v end
  end
  return best
end

-- An API key or a service account (issue 25's shape in the model).
local function programmatic(kind, e, model)
  local identity = new(kind, field(e, "id", "clientId"), field(e, "name", "desc", "description"), "ACTIVE",
    field(e, "org_roles", "roles"))
  for gid, roles in pairs(e.projects or {}) do grant(identity, gid, "direct", roles) end
  org_role_grants(identity, model)
  identity.created = field(e, "created", "createdAt")
  identity.access_list = {}
  for _, a in ipairs(field(e, "access_list", "accessList") or {}) do
    identity.access_list[#identity.access_list + 1] = { address = field(a, "cidrBlock", "ipAddress", "address"),
      last_used = field(a, "lastUsed", "lastUsedAt", "last_used") }
  end
  identity.secrets = {}
  for _, s in ipairs(e.secrets or {}) do
    -- dates only: a secret's value or masked value is never copied
    identity.secrets[#identity.secrets + 1] = { created = field(s, "createdAt", "created"),
      expires = field(s, "expiresAt", "expires_at"), last_used = field(s, "lastUsedAt", "last_used") }
  end
  return identity
end

-- One entry per kind of identity: its model part (`source`: the kind is
-- left out when the model has no such part) and how its identities are
-- made; `one` and `label` name one and many.  The order is the review's order.
M.KINDS = {
  { kind = "person", one = "person", label = "people", source = "people",
    collect = function(model, add)
      for _, p in ipairs(model.people) do
        if p.status ~= "PENDING" then
          local identity = org_user("person", p, model)
          identity.created, identity.last_activity = p.created, p.last_auth
          add(identity)
        end
      end
    end },
  { kind = "org_invitation", one = "org invitation", label = "org invitations", source = "people",
    collect = function(model, add)
      for _, p in ipairs(model.people) do
        if p.status == "PENDING" then
          local identity = org_user("org_invitation", p, model)
          identity.created, identity.expires = p.invitation_created, p.invitation_expires
          add(identity)
        end
      end
    end },
  { kind = "project_invitation", one = "legacy invitee", label = "legacy invitees", source = "invitations",
    collect = function(model, add)
      -- one identity per invitee, whatever the number of projects
      local by_name, order = {}, {}
      for _, p in ipairs(model.projects) do
        for _, inv in ipairs(model.invitations[p.id] or {}) do
          local key = inv.username:lower()
          local identity = by_name[key]
          if not identity then
            identity = new("project_invitation", nil, inv.username, "PENDING", {})
            identity.invitations = {}
            by_name[key] = identity
            order[#order + 1] = key
          end
          grant(identity, p.id, "invitation", inv.roles)
          identity.invitations[#identity.invitations + 1] = { id = inv.id, group_id = p.id, roles = inv.roles,
            created = inv.created, expires = inv.expires_at }
          if inv.created and (not identity.created or inv.created < identity.created) then identity.created = inv.created end
        end
      end
      table.sort(order)
      for _, key in ipairs(order) do add(by_name[key]) end
    end },
  { kind = "team", one = "team", label = "teams", source = "teams",
    collect = function(model, add)
      for _, t in ipairs(model.teams) do
        local identity = new("team", t.id, t.name, nil, {})
        identity.members = lists.sorted(t.members)
        for gid, roles in pairs(t.projects) do grant(identity, gid, "direct", roles) end
        add(identity)
      end
    end },
  { kind = "api_key", one = "API key", label = "API keys", source = "api_keys",
    collect = function(model, add)
      for _, e in ipairs(model.api_keys) do
        local identity = programmatic("api_key", e, model)
        identity.last_activity = newest(identity.access_list, "last_used")
        add(identity)
      end
    end },
  { kind = "service_account", one = "service account", label = "service accounts", source = "service_accounts",
    collect = function(model, add)
      for _, e in ipairs(model.service_accounts) do
        local identity = programmatic("service_account", e, model)
        identity.last_activity = newest(identity.secrets, "last_used")
        add(identity)
      end
    end },
}

M.KIND_NAMES, M.by_kind = {}, {}
for _, k in ipairs(M.KINDS) do
  M.KIND_NAMES[#M.KIND_NAMES + 1] = k.kind
  M.by_kind[k.kind] = k
end

-- How a way in reads: "direct", "team dba", "org role ORG_OWNER", "invitation".
local HOW = { org_owner = "org role ORG_OWNER", org_read_only = "org role ORG_READ_ONLY" }
function M.via_text(way)
  if way.how == "team" then return "team " .. tostring(way.team) end
  return HOW[way.how] or way.how
end

--- Every identity of the model, kind by kind; and which kinds were read.
function M.collect(model)
  local list, present = {}, {}
  for _, k in ipairs(M.KINDS) do
    if type(model[k.source]) == "table" then
      present[k.kind] = true
      k.collect(model, function(identity) list[#list + 1] = identity end)
    end
  end
  return list, present
end

return M
