-- Who owns what: the one definition of "the organization has an owner"
-- and "a project has an owner", shared by every guard that refuses to
-- leave either without one (access as code, set_org_roles, offboard).
--
-- A state is plain sets:
--   { people = { [lower-case username] = { status, org_roles = {...}, projects = { [groupId] = {...} } } },
--     teams  = { [team name] = { members = { [lower-case username] = true }, projects = { [groupId] = {...} } } } }
-- Only ACTIVE people count: a pending invitee cannot act as an owner.
local has = require("atlas_admin.util.list").has

local M = {}
M.has = has

--- The owners of a state, found once per state (cached in it):
-- { org = an active ORG_OWNER exists, projects = { [groupId] = true } for
-- each project with an active person, or a team with an active member,
-- holding GROUP_OWNER }.
function M.owners(s)
  if s.owners then return s.owners end
  local o = { org = false, projects = {} }
  for _, p in pairs(s.people) do
    if p.status == "ACTIVE" then
      if has(p.org_roles, "ORG_OWNER") then o.org = true end
      for gid, roles in pairs(p.projects) do
        if has(roles, "GROUP_OWNER") then o.projects[gid] = true end
      end
    end
  end
  for _, t in pairs(s.teams) do
    local active = false
    for m in pairs(t.members) do active = active or (s.people[m] ~= nil and s.people[m].status == "ACTIVE") end
    if active then
      for gid, roles in pairs(t.projects) do
        if has(roles, "GROUP_OWNER") then o.projects[gid] = true end
      end
    end
  end
  s.owners = o
  return o
end

--- Who makes each owner, finely enough to see any one of them go:
-- { org = { [id] = true }, projects = { [groupId] = { [id] = true } } },
-- id "p:<username>" for an active person holding the role, and
-- "t:<team>:<username>" for each active member of a team holding
-- GROUP_OWNER (a team owns through each active member: taking away one
-- member may, with others leaving at the same time, take the ownership).
function M.contributors(s)
  local c = { org = {}, projects = {} }
  local function add(gid, id)
    c.projects[gid] = c.projects[gid] or {}
    c.projects[gid][id] = true
  end
  for l, p in pairs(s.people) do
    if p.status == "ACTIVE" then
      if has(p.org_roles, "ORG_OWNER") then c.org["p:" .. l] = true end
      for gid, roles in pairs(p.projects) do
        if has(roles, "GROUP_OWNER") then add(gid, "p:" .. l) end
      end
    end
  end
  for name, t in pairs(s.teams) do
    for gid, roles in pairs(t.projects) do
      if has(roles, "GROUP_OWNER") then
        for m in pairs(t.members) do
          if s.people[m] ~= nil and s.people[m].status == "ACTIVE" then add(gid, "t:" .. name .. ":" .. m) end
        end
      end
    end
  end
  return c
end

--- An active ORG_OWNER exists.
function M.org_owned(s)
  return M.owners(s).org
end

--- A Project Owner exists: an active person or team member with
-- GROUP_OWNER there, or an ORG_OWNER in the organization (Atlas gives the
-- org's owners every project).
function M.project_owned(s, gid)
  local o = M.owners(s)
  return o.org or o.projects[gid] == true
end

--- The state of an org_access model (model.people, model.teams as
-- org_access.build makes them) as the sets above.
function M.state_of(model)
  local s = { people = {}, teams = {} }
  for _, p in ipairs(model.people) do
    local projects = {}
    for gid, roles in pairs(p.projects) do projects[gid] = roles end
    s.people[p.username:lower()] = { status = p.status, org_roles = p.org_roles, projects = projects }
  end
  for _, t in ipairs(model.teams) do
    local members, projects = {}, {}
    for _, m in ipairs(t.members) do members[m:lower()] = true end
    for gid, roles in pairs(t.projects) do projects[gid] = roles end
    s.teams[t.name] = { members = members, projects = projects }
  end
  return s
end

--- A copy that can be changed without touching s (owners not copied).
function M.copy(s)
  local c = { people = {}, teams = {} }
  for k, p in pairs(s.people) do
    local projects = {}
    for gid, roles in pairs(p.projects) do projects[gid] = roles end
    c.people[k] = { status = p.status, org_roles = p.org_roles, projects = projects }
  end
  for k, t in pairs(s.teams) do
    local members, projects = {}, {}
    for m in pairs(t.members) do members[m] = true end
    for gid, roles in pairs(t.projects) do projects[gid] = roles end
    c.teams[k] = { members = members, projects = projects }
  end
  return c
end

return M
