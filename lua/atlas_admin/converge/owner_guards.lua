-- The owner guards of the desired-state calls outside access as code
-- (set_org_roles, offboard): before any write, a change that would leave
-- the organization with no active ORG_OWNER, or a project it touches with
-- no Project Owner, is refused (kind "guard") unless its override is given:
-- the same guards, options and CLI flags as access as code.  What counts
-- as an owner is ownership.lua's one definition.
--
-- The reads are the fewest that can answer, and none at all when the
-- person loses nothing an owner needs (an ORG_OWNER role, a GROUP_OWNER
-- role, or, when they leave the organization, a team membership):
--   1. the org's ACTIVE users, page by page, stopping at the first other
--      active ORG_OWNER (then every project keeps an owner too: Atlas gives
--      the org's owners every project): usually one page;
--   2. only when there is no other one: the org's projects (unless the
--      caller has them) and, for each project the change touches that no
--      other active person owns directly, its teams (one request each).
local errors = require "atlas_admin.errors"
local has = require("atlas_admin.util.list").has

local M = {}

--- The guards, each named as access as code names it, with the option
-- that overrides it and the CLI flag for that option.
M.GUARDS = {
  { name = "org_owner", option = "allow_no_org_owner", flag = "--allow-no-org-owner",
    help = "Allow a change that leaves the organization with no ORG_OWNER." },
  { name = "project_owner", option = "allow_no_project_owner", flag = "--allow-no-project-owner",
    help = "Allow a change that leaves a project with no Project Owner." },
}
local GUARD = {}
for _, g in ipairs(M.GUARDS) do GUARD[g.name] = g end

local ACTIVE = { statuses = { "ACTIVE" } }

-- How to override a guard, for a Lua caller (the CLI says its flag: cli/output.lua).
local function how(g)
  return "set " .. g.option .. " = true if you mean it (at the command line: " .. g.flag .. ")"
end

local function refuse(g, problem, operation, plan)
  return nil, errors.refused("guard", problem .. "; nothing was changed: " .. how(g), operation,
    { guard = g.name, option = g.option, flag = g.flag, problem = problem, plan = plan })
end

-- The person's state as ownership.lua reads it, from an org user record.
local function person_of(u)
  local projects = {}
  for _, a in ipairs(u.roles and u.roles.groupRoleAssignments or {}) do projects[a.groupId] = a.groupRoles or {} end
  return { status = u.orgMembershipStatus, org_roles = u.roles and u.roles.orgRoles or {}, projects = projects }
end

-- The org's active people and their teams, as ownership.lua reads them,
-- read page by page: or true as soon as an active ORG_OWNER other than
-- `me` turns up (then the organization, and every project, stays owned).
local function active_state(client, org_id, me)
  local state = { people = {}, teams = {} }
  local it = client:org_users(org_id, ACTIVE)
  for u in it do
    local key = u.username:lower()
    if key ~= me and has(u.roles and u.roles.orgRoles, "ORG_OWNER") then return true end
    state.people[key] = person_of(u)
    for _, tid in ipairs(u.teamIds or {}) do
      state.teams[tid] = state.teams[tid] or { members = {}, projects = {} }
      state.teams[tid].members[key] = true
    end
  end
  if it.err then return nil, it.err end
  return state
end

--- Checks a change to one org user against the guards.
--   user     the org user record as Atlas has it now
--   change   { remove = true } (offboard) or { org_roles = {...} } (set_org_roles)
--   opts     the caller's options (allow_no_org_owner, allow_no_project_owner)
--   projects the org's projects ({ id, name }), when the caller has read them
--   plan     the writes, attached to a refusal (to print it)
-- Returns true, or nil, err (kind "guard", or a failed read).
function M.check(client, org_id, user, change, opts, operation, projects, plan)
  opts = opts or {}
  if user.orgMembershipStatus ~= "ACTIVE" then return true end -- only active people are owners
  local me = user.username:lower()
  local held = person_of(user)
  local loses_org = has(held.org_roles, "ORG_OWNER") and (change.remove or not has(change.org_roles, "ORG_OWNER"))
  local owned = {} -- the projects where they hold GROUP_OWNER themselves and lose it
  if change.remove then
    for gid, roles in pairs(held.projects) do
      if has(roles, "GROUP_OWNER") then owned[#owned + 1] = gid end
    end
  end
  local leaves_teams = change.remove and type(user.teamIds) == "table" and #user.teamIds > 0
  local check_org = loses_org and not opts.allow_no_org_owner
  local check_projects = (loses_org or #owned > 0 or leaves_teams) and not opts.allow_no_project_owner
  if not (check_org or check_projects) then return true end

  -- 1. Another active ORG_OWNER keeps the organization, and every project, owned.
  local ownership = require "atlas_admin.model.ownership"
  local before, read_err = active_state(client, org_id, me)
  if before == true or before == nil then return before, read_err end
  before.people[me] = held -- as the caller read them, whatever the pages said
  for _, tid in ipairs(user.teamIds or {}) do
    before.teams[tid] = before.teams[tid] or { members = {}, projects = {} }
    before.teams[tid].members[me] = true
  end
  local after = ownership.copy(before)
  if change.remove then
    after.people[me] = nil
    for _, t in pairs(after.teams) do t.members[me] = nil end
  else
    after.people[me].org_roles = change.org_roles
  end
  if check_org and ownership.org_owned(before) and not ownership.org_owned(after) then
    return refuse(GUARD.org_owner, "the organization would be left with no active ORG_OWNER", operation, plan)
  end
  if not check_projects then return true end

  -- 2. The projects the change touches: every one when an ORG_OWNER role or
  -- a team (whose projects only the projects' team lists tell) is lost.
  local err
  if not projects then
    projects, err = client:list_org_projects(org_id)
    if not projects then return nil, err end
  end
  local touched = {}
  if loses_org or leaves_teams then
    for _, p in ipairs(projects) do touched[#touched + 1] = p.id end
  else
    touched = owned
  end
  local name_of = {}
  for _, p in ipairs(projects) do name_of[p.id] = p.name end
  local orphans = {}
  for _, gid in ipairs(touched) do
    -- the teams matter only when no other active person owns it directly
    if not ownership.project_owned(after, gid) then
      local entries
      entries, err = client:list_project_teams(gid)
      if not entries then return nil, err end
      for _, e in ipairs(entries) do
        for _, s in ipairs { before, after } do
          local t = s.teams[e.teamId]
          if t then t.projects[gid] = e.roleNames or {} end
          s.owners = nil -- read again with the team's roles
        end
      end
      if ownership.project_owned(before, gid) and not ownership.project_owned(after, gid) then
        orphans[#orphans + 1] = (name_of[gid] or "?") .. " (" .. gid .. ")"
      end
    end
  end
  if #orphans > 0 then
    table.sort(orphans)
    return refuse(GUARD.project_owner, (#orphans == 1 and "project " or "projects ") .. table.concat(orphans, ", ")
      .. " would be left with no Project Owner: no active person or team member with GROUP_OWNER and no "
      .. "ORG_OWNER in the organization", operation, plan)
  end
  return true
end

--- Checks a change to a team against the project-owner guard: members
-- leaving it (set_team_members) or its roles in one project changing
-- (set_team_project_roles).  A team owns a project through each active
-- member while it holds GROUP_OWNER there.
--   team     { id, name }
--   change   { removes = { user records leaving } } or
--            { project = groupId, roles = its new roles, entries = the project's team entries as read }
-- Reads only when the change can take ownership: the org's active users
-- (stopping at the first active ORG_OWNER: then every project is owned),
-- and for members leaving, the org's projects and their teams (the team's
-- projects are known only from them).  Returns true, or nil, err.
function M.check_team(client, org_id, team, change, opts, operation, plan)
  opts = opts or {}
  if opts.allow_no_project_owner then return true end
  local gids, entries_of = {}, {}
  if change.project then
    local current
    for _, e in ipairs(change.entries or {}) do
      if e.teamId == team.id then current = e.roleNames end
    end
    if not has(current, "GROUP_OWNER") or has(change.roles, "GROUP_OWNER") then return true end
    gids[1], entries_of[change.project] = change.project, change.entries
  else
    local active_leaving = false
    for _, u in ipairs(change.removes or {}) do active_leaving = active_leaving or u.orgMembershipStatus == "ACTIVE" end
    if not active_leaving then return true end
  end

  -- 1. An active ORG_OWNER owns every project.
  local ownership = require "atlas_admin.model.ownership"
  local before, read_err = active_state(client, org_id, nil)
  if before == true or before == nil then return before, read_err end

  -- 2. The projects at stake and their teams.
  local projects, err = client:list_org_projects(org_id)
  if not projects then return nil, err end
  local name_of = {}
  for _, p in ipairs(projects) do name_of[p.id] = p.name end
  if not change.project then
    for _, p in ipairs(projects) do gids[#gids + 1] = p.id end
  end
  for _, gid in ipairs(gids) do
    local entries = entries_of[gid]
    if not entries then
      entries, err = client:list_project_teams(gid)
      if not entries then return nil, err end
    end
    for _, e in ipairs(entries) do
      before.teams[e.teamId] = before.teams[e.teamId] or { members = {}, projects = {} }
      before.teams[e.teamId].projects[gid] = e.roleNames or {}
    end
  end
  local after = ownership.copy(before)
  local t = after.teams[team.id] or { members = {}, projects = {} }
  after.teams[team.id] = t
  if change.project then
    t.projects[change.project] = change.roles
  else
    for _, u in ipairs(change.removes) do t.members[u.username:lower()] = nil end
  end
  local orphans = {}
  for _, gid in ipairs(gids) do
    if ownership.project_owned(before, gid) and not ownership.project_owned(after, gid) then
      orphans[#orphans + 1] = (name_of[gid] or "?") .. " (" .. gid .. ")"
    end
  end
  if #orphans > 0 then
    table.sort(orphans)
    return refuse(GUARD.project_owner, (#orphans == 1 and "project " or "projects ") .. table.concat(orphans, ", ")
      .. " would be left with no Project Owner: team " .. team.name .. " is its only owner (no active person with "
      .. "GROUP_OWNER and no ORG_OWNER in the organization)", operation, plan)
  end
  return true
end

return M
