-- Offboarding: a person leaves, and loses every way into the organization.
--
--   client:offboard(orgId, username [, { dry_run = true, allow_no_org_owner = true,
--                                         allow_no_project_owner = true }]) -> report | nil, err
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
-- 1 per project (its invitations, before the sunset) + the owner guards'
-- reads (owner_guards.lua: none unless the person is active and holds an
-- owner role or a team; then usually 1) + 1 per write.
--
-- The owner guards refuse (kind "guard", nothing written, a dry run too)
-- to leave the organization with no active ORG_OWNER or a project with no
-- Project Owner, unless allow_no_org_owner / allow_no_project_owner.
-- Someone found nowhere (no org user of any status, no pending legacy
-- invitation) is an error, kind "not_found": a typo is the likely cause,
-- and the org's usernames are read (their pages) to suggest close ones.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local invitations = require "atlas_admin.api.invitations"
local options = require "atlas_admin.http.options"
local org_helpers = require "atlas_admin.converge.organization"
local owner_guards = require "atlas_admin.converge.owner_guards"
local plans = require "atlas_admin.converge.steps"
local show = require "atlas_admin.util.show"
local suggest = require "atlas_admin.util.suggest"
local sunset = require "atlas_admin.http.sunset"
local text = require "atlas_admin.util.text"

local M = {}

local ALL_STATUSES = { "ACTIVE", "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED" }

local function roles_text(list)
  return type(list) == "table" and #list > 0 and table.concat(list, ", ") or "no roles"
end

show.format("offboard_report", function(r)
  local out = {}
  local head = "offboard " .. tostring(r.username) .. " from org " .. tostring(r.org_id)
  if r.refused then head = head .. ": refused by the " .. r.refused .. " guard (nothing was changed)"
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
  return options.check("offboard", opts)
end

-- Someone the organization has no trace of: most likely a typo, so the
-- error suggests the org's closest usernames (one more read: its pages).
local function nowhere(client, org_id, username, n_projects)
  local message = username .. " is nowhere in organization " .. org_id .. ": no org user (of any status)"
    .. (sunset.legacy_enabled(client) and (" and no pending legacy invitation in its " .. n_projects .. " project"
      .. (n_projects == 1 and "" or "s")) or "") .. "; nothing was changed"
  local users = client:list_org_users(org_id, { statuses = ALL_STATUSES })
  local close = {}
  if users then
    local names = {}
    for _, u in ipairs(users) do names[#names + 1] = u.username end
    close = suggest.nearest(username, names, 3, 2)
  end
  message = message .. (#close > 0 and ("; did you mean " .. table.concat(close, " or ") .. "?")
    or " (check the spelling)")
  local err = errors.not_found("username", message, "offboard")
  err.suggestions = close
  return err
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
        if invitations.same_username(inv.username, username) and not text.expired(inv.expiresAt) then
          report.invitations[#report.invitations + 1] = { id = inv.id, group_id = p.id, project = p.name,
            roles = inv.roles, expires_at = inv.expiresAt }
          report.plan[#report.plan + 1] = { operation = "delete_invitation", groupId = p.id, invitationId = inv.id,
            username = inv.username }
        end
      end
    end

    if #report.plan == 0 then return nil, nowhere(self, org_id, username, #projects) end
    report.changed = true
    plans.present(report.plan)
    show.attach(report, "offboard_report")
    if user then
      ok, err = owner_guards.check(self, org_id, user, { remove = true }, opts, "offboard", projects, report.plan)
      if not ok then
        if err.kind == "guard" then report.refused, err.report = err.guard, report end
        return nil, err
      end
    end
    if dry then return report end
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
