-- Plans: what the desired-state helpers (set_project_roles, set_org_roles,
-- set_team_members, set_team_project_roles, offboard) and access as code
-- will write, as plain data.  A step names the client method and carries
-- its arguments as named fields, the API's own names where it has them:
--
--   { operation = "add_org_user_role", orgId = ..., userId = ..., role = "ORG_OWNER",
--     username = "ana@example.com" }   -- username: for people reading the plan
--
-- so a plan can be printed, compared, filtered, stored as JSON and applied
-- later (one step at a time here, or as client:batch items).  A step may
-- name a team that does not exist yet (team = name, no teamId): the id of
-- a create_team step earlier in the same run is filled in.
local show = require "atlas_admin.util.show"
local sunset = require "atlas_admin.http.sunset"

local M = {}

local QUIET = sunset.QUIET -- a helper's invitation writes: no deprecation notice

-- step -> the method's arguments, in order.
local CALLS = {
  add_project_user = function(s) return s.groupId, { username = s.username, roles = s.roles } end,
  remove_project_user = function(s) return s.groupId, s.userId end,
  add_project_user_role = function(s) return s.groupId, s.userId, s.role end,
  remove_project_user_role = function(s) return s.groupId, s.userId, s.role end,
  update_invitation_by_id = function(s) return s.groupId, s.invitationId, { roles = s.roles }, QUIET end,
  delete_invitation = function(s) return s.groupId, s.invitationId, QUIET end,
  add_org_user = function(s)
    return s.orgId, { username = s.username, teamIds = s.teamIds,
      roles = { orgRoles = s.orgRoles, groupRoleAssignments = s.groupRoleAssignments } }
  end,
  update_org_user = function(s)
    local roles
    if s.orgRoles then roles = { orgRoles = s.orgRoles, groupRoleAssignments = s.groupRoleAssignments } end
    return s.orgId, s.userId, { roles = roles, teamIds = s.teamIds }
  end,
  remove_org_user = function(s) return s.orgId, s.userId end,
  add_org_user_role = function(s) return s.orgId, s.userId, s.role end,
  remove_org_user_role = function(s) return s.orgId, s.userId, s.role end,
  create_team = function(s) return s.orgId, { name = s.team, usernames = s.usernames } end,
  rename_team = function(s) return s.orgId, s.teamId, s.name end,
  delete_team = function(s) return s.orgId, s.teamId end,
  add_team_user = function(s) return s.orgId, s.teamId, s.userId end,
  remove_team_user = function(s) return s.orgId, s.teamId, s.userId end,
  add_project_teams = function(s) return s.groupId, { { teamId = s.teamId, roleNames = s.roles } } end,
  update_project_team = function(s) return s.groupId, s.teamId, { roleNames = s.roles } end,
  remove_project_team = function(s) return s.groupId, s.teamId end,
}
M.OPERATIONS = {}
for name in pairs(CALLS) do M.OPERATIONS[#M.OPERATIONS + 1] = name end
table.sort(M.OPERATIONS)

-- A run's memory: the ids of teams created by earlier steps, by name.
function M.context()
  return { team_ids = {} }
end

-- The step with what the run has learnt filled in (a new team's id).
local function resolved(step, ctx)
  if step.teamId == nil and step.team and ctx and ctx.team_ids[step.team] and step.operation ~= "create_team" then
    local copy = {}
    for k, v in pairs(step) do copy[k] = v end
    copy.teamId = ctx.team_ids[step.team]
    return copy
  end
  return step
end

--- The batch item for a step: { "method", args... } (client:batch runs it
-- through the same method).
function M.call_of(step, ctx)
  local args = CALLS[step.operation]
  if not args then error("atlas-admin: a plan step names no known write: " .. tostring(step.operation), 2) end
  local s = resolved(step, ctx)
  local function pack(...) return { s.operation, n = select("#", ...) + 1, ... } end
  local item = pack(args(s))
  return item
end

--- Records what a successful write teaches the rest of the run.
function M.learn(step, result, ctx)
  if step.operation == "create_team" and type(result) == "table" and ctx then ctx.team_ids[step.team] = result.id end
end

--- Runs one step: the method's results.
function M.execute(client, step, ctx)
  local args = CALLS[step.operation]
  if not args then error("atlas-admin: a plan step names no known write: " .. tostring(step.operation), 2) end
  local s = resolved(step, ctx)
  -- for the audit record: what the step knew before, and its organization
  local result, err, response = client:_with_audit_context({ before = s.before, org = s.orgId }, s.operation, args(s))
  if result ~= nil then M.learn(s, result, ctx) end
  return result, err, response
end

--- Runs the steps in order.  Returns the last write's result (and the
-- results of every step), or nil, err with err.done (the steps that
-- succeeded) and err.plan (all of them); err's message says how far it got.
function M.run(client, plan, helper)
  local ctx, results = M.context(), {}
  for i, step in ipairs(plan) do
    local result, err = M.execute(client, step, ctx)
    if result == nil then
      err.done = {}
      for j = 1, i - 1 do err.done[j] = plan[j] end
      err.plan = plan
      err.message = err.message .. " (" .. helper .. ": " .. (i - 1) .. " of " .. #plan
        .. " writes done; running it again converges)"
      return nil, err
    end
    results[i] = result
  end
  return results[#results], results
end

-- One line per step: the operation, then who, what and where.
local function describe(step)
  local parts = { step.operation }
  local who = step.username or step.userId or step.invitationId
  if who then parts[#parts + 1] = tostring(who) end
  if step.team or step.teamId then parts[#parts + 1] = "team " .. tostring(step.team or step.teamId) end
  if step.name then parts[#parts + 1] = "to " .. tostring(step.name) end
  local roles = step.role or (type(step.roles) == "table" and table.concat(step.roles, ","))
    or (type(step.orgRoles) == "table" and table.concat(step.orgRoles, ","))
  if roles and roles ~= "" then parts[#parts + 1] = roles end
  if type(step.usernames) == "table" and #step.usernames > 0 then
    parts[#parts + 1] = "members " .. table.concat(step.usernames, ",")
  end
  if step.groupId then parts[#parts + 1] = "in project " .. tostring(step.groupId)
  elseif step.orgId then parts[#parts + 1] = "in org " .. tostring(step.orgId) end
  return table.concat(parts, " ")
end
M.describe = describe

--- A plan prints as one line per write (REPL, CLI).
function M.present(plan)
  return show.attach(plan, "plan")
end

show.format("plan", function(plan)
  if #plan == 0 then return "no writes (nothing to change)" end
  local out = { #plan .. " write" .. (#plan == 1 and "" or "s") }
  for i, step in ipairs(plan) do out[#out + 1] = string.format("  %d. %s", i, describe(step)) end
  return table.concat(out, "\n")
end)

return M
