-- Offboarding: a person leaves, and loses every way into the organization.
--
--   client:offboard(orgId, username [, { dry_run = true }]) -> report | nil, err
--
-- Removing the org user takes them out of every project and team at once
-- (their project roles and team memberships live on that one record);
-- their pending legacy project invitations are invisible to the Cloud
-- Users calls, so each project of the organization is asked for them too
-- and every one found is deleted (until the sunset: after it, or with
-- legacy_invitations = false, there are none to ask for).
--
-- The report lists what the person held before, so it can be kept:
--   { username, org_id, dry_run, changed,
--     org_user = { id, status, org_roles } | nil,
--     projects = { { id, name, roles } },       their own project roles
--     teams = { { id, name } },
--     invitations = { { id, group_id, project, roles, expires_at } },
--     plan = { writes }, done = { writes that succeeded } }
-- and tostring(report) reads as that list.  Requests: 1 (the person) +
-- the projects' pages + 1 (the teams' names, when they were in a team) +
-- 1 per project (its invitations, before the sunset) + 1 per write.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local invitations = require "atlas_admin.invitations"
local org_helpers = require "atlas_admin.org_helpers"
local plans = require "atlas_admin.plan"
local show = require "atlas_admin.show"
local sunset = require "atlas_admin.sunset"

local M = {}

local ALL_STATUSES = { "ACTIVE", "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED" }

local function expired(inv)
  return type(inv.expiresAt) == "string" and inv.expiresAt < os.date("!%Y-%m-%dT%H:%M:%SZ")
end

local function roles_text(list)
  return type(list) == "table" and #list > 0 and table.concat(list, ", ") or "no roles"
end

show.format("offboard_report", function(r)
  local out = {}
  local head = "offboard " .. tostring(r.username) .. " from org " .. tostring(r.org_id)
  if not r.changed then head = head .. ": nothing held, nothing to remove"
  elseif r.dry_run then head = head .. " (dry run: nothing was changed)"
  elseif #r.done == #r.plan then head = head .. ": removed everywhere"
  else head = head .. ": " .. #r.done .. " of " .. #r.plan .. " writes done" end
  out[1] = head
  if r.org_user then
    out[#out + 1] = "  org user " .. tostring(r.org_user.id) .. " " .. tostring(r.org_user.status) .. ": "
      .. roles_text(r.org_user.org_roles)
  end
  for _, p in ipairs(r.projects) do
    out[#out + 1] = "  project " .. tostring(p.name) .. " (" .. tostring(p.id) .. "): " .. roles_text(p.roles)
  end
  for _, t in ipairs(r.teams) do out[#out + 1] = "  team " .. tostring(t.name) .. " (" .. tostring(t.id) .. ")" end
  for _, inv in ipairs(r.invitations) do
    out[#out + 1] = "  legacy invitation " .. tostring(inv.id) .. " in project " .. tostring(inv.project) .. " ("
      .. tostring(inv.group_id) .. "): " .. roles_text(inv.roles)
  end
  return table.concat(out, "\n")
end)

local function check_args(org_id, username, opts)
  local ok, field, message = core.check_id(org_id, "orgId")
  if ok then ok, field, message = core.check_username(username, "username") end
  if not ok then return nil, errors.validation(field, message, "offboard") end
  if opts ~= nil then
    if type(opts) ~= "table" then
      return nil, errors.validation("options", "options must be a table like { dry_run = true }", "offboard")
    end
    for k, v in pairs(opts) do
      if k ~= "dry_run" or type(v) ~= "boolean" then
        return nil, errors.validation(tostring(k), "the only option is dry_run = true|false", "offboard")
      end
    end
  end
  return true
end

function M.install(Client, check_self)
  function Client:offboard(org_id, username, opts)
    check_self(self, "offboard")
    local ok, err = check_args(org_id, username, opts)
    if not ok then return nil, err end
    local dry = opts and opts.dry_run == true
    local report = { username = username, org_id = org_id, dry_run = dry, projects = {}, teams = {},
      invitations = {}, plan = {}, done = {} }

    -- Every status: an expired or rejected invitation to the org still
    -- leaves a record with roles on it; it goes too.
    local user
    user, err = org_helpers.find_org_user(self, org_id, username, ALL_STATUSES)
    if user == nil then return nil, err end
    local projects
    projects, err = self:list_org_projects(org_id)
    if not projects then return nil, err end
    local name_of = {}
    for _, p in ipairs(projects) do name_of[p.id] = p.name end

    if user then
      report.org_user = { id = user.id, status = user.orgMembershipStatus,
        org_roles = user.roles and user.roles.orgRoles or {} }
      for _, a in ipairs(user.roles and user.roles.groupRoleAssignments or {}) do
        report.projects[#report.projects + 1] = { id = a.groupId, name = name_of[a.groupId] or "?", roles = a.groupRoles }
      end
      if type(user.teamIds) == "table" and #user.teamIds > 0 then
        local teams
        teams, err = self:list_teams(org_id)
        if not teams then return nil, err end
        local team_name = {}
        for _, t in ipairs(teams) do team_name[t.id] = t.name end
        for _, id in ipairs(user.teamIds) do report.teams[#report.teams + 1] = { id = id, name = team_name[id] or "?" } end
      end
      report.plan[1] = { operation = "remove_org_user", orgId = org_id, userId = user.id, username = user.username }
    end

    -- The legacy world: pending invitations, project by project.
    for _, p in ipairs(projects) do
      if not sunset.legacy_enabled(self) then break end
      local list
      list, err = self:list_invitations(p.id, { username = username }, sunset.QUIET)
      if not list then
        if not sunset.is_gone(self) then return nil, err end
        break -- this very call met the sunset: there are no invitations any more
      end
      for _, inv in ipairs(list) do
        if invitations.same_username(inv.username, username) and not expired(inv) then
          report.invitations[#report.invitations + 1] = { id = inv.id, group_id = p.id, project = p.name,
            roles = inv.roles, expires_at = inv.expiresAt }
          report.plan[#report.plan + 1] = { operation = "delete_invitation", groupId = p.id, invitationId = inv.id,
            username = inv.username }
        end
      end
    end

    report.changed = #report.plan > 0
    plans.present(report.plan)
    show.attach(report, "offboard_report")
    if dry or not report.changed then return report end
    -- The org user first: that alone ends their access to every project.
    local ctx = plans.context()
    for _, step in ipairs(report.plan) do
      local result
      result, err = plans.execute(self, step, ctx)
      if result == nil then
        err.done, err.plan, err.report = report.done, report.plan, report
        err.message = err.message .. " (offboard: " .. #report.done .. " of " .. #report.plan
          .. " writes done; running it again finishes the rest)"
        return nil, err
      end
      report.done[#report.done + 1] = step
    end
    return report
  end
end

return M
