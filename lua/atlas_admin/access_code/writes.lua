-- Access as code: a scheduled write (schedule.lua) as the client:batch
-- call that makes it, through the very methods a script calls.
local kinds = require "atlas_admin.access_code.kinds"
local list = require "atlas_admin.util.list"

local M = {}

-- A person's write: their whole record after all their changes (one
-- request: add_org_user for someone new, update_org_user, or
-- remove_org_user for someone leaving).
local function person(w, plan, model, ctx)
  local changes = plan.changes
  local p = model.person[w.key]
  for _, i in ipairs(w.all) do
    local c = changes[i]
    if c.kind == "org_user" and c.action == "remove" then return { "remove_org_user", plan.org, p.id } end
  end
  local org_roles = p and list.sorted(p.org_roles) or { "ORG_MEMBER" }
  local projects, teams = {}, {}
  if p then
    for gid, roles in pairs(p.projects) do projects[gid] = roles end
    for _, name in ipairs(p.teams) do teams[name] = true end
  end
  local roles_changed, teams_changed = p == nil, false
  for _, i in ipairs(w.all) do
    local c = changes[i]
    if c.kind == "org_user" then
      org_roles, roles_changed = c.after, true
    elseif c.kind == "project_user" then
      projects[c.groupId] = c.action ~= "remove" and c.after or nil
      roles_changed = true
    elseif c.kind == "team_member" then
      teams[c.team] = c.action ~= "remove" or nil
    end
  end
  for _, i in ipairs(w.covers) do
    if changes[i].kind == "team_member" then teams_changed = true end
  end
  local assignments = {}
  for _, gid in ipairs(list.keys(projects)) do
    assignments[#assignments + 1] = { groupId = gid, groupRoles = projects[gid] }
  end
  local team_ids = {}
  for _, name in ipairs(list.keys(teams)) do
    local id = ctx.team_ids[name]
    if id then team_ids[#team_ids + 1] = id end
  end
  local roles = { orgRoles = org_roles, groupRoleAssignments = assignments }
  if not p then
    return { "add_org_user", plan.org, { username = w.username, roles = roles, teamIds = team_ids } }
  end
  local body = {}
  if roles_changed then body.roles = roles end
  if teams_changed then body.teamIds = team_ids end
  return { "update_org_user", plan.org, p.id, body }
end

local GROUPS = {
  person = person,
  -- a new team, with its members already active in the organization
  create_team = function(w, plan) return { "create_team", plan.org, { name = w.key, usernames = w.usernames } } end,
  -- a project's new teams, in one request
  add_project_teams = function(w, plan, _, ctx)
    local entries = {}
    for _, i in ipairs(w.covers) do
      local c = plan.changes[i]
      entries[#entries + 1] = { teamId = c.teamId or ctx.team_ids[c.team], roleNames = c.after }
    end
    return { "add_project_teams", w.key, entries }
  end,
}

--- The batch call of a write.  ctx.team_ids: team name -> id, the teams
-- the apply created included; ctx.identity_ids likewise for API keys and
-- service accounts.  A group of one kind's changes is the kind's to write.
function M.item(w, plan, model, ctx)
  local c = plan.changes[w.covers[1]]
  if w.kind == "single" then return kinds.of(c.kind).item(c, plan, ctx) end
  if GROUPS[w.kind] then return GROUPS[w.kind](w, plan, model, ctx) end
  return kinds.of(c.kind).group_item(w.covers, plan, ctx)
end

return M
