-- Who has access to a project, whichever of Atlas's two worlds holds them:
-- MongoDB Cloud users (the lasting resource) and legacy invitations
-- (deprecated; gone after 2027-07-01).  The two do not see each other, so
-- these calls look in both, Cloud users first.
--
--   client:set_project_roles(groupId, username, roles [, { dry_run = true }])
--     -> access, changed, plan | nil, err (err.done: the writes that succeeded)
--   client:project_access(groupId [, { statuses = {...} }]) -> rows
--   client:remove_project_access(groupId, username) -> true, removed | nil, err
--
-- An access row is one uniform table whichever world it comes from:
--   { kind = "user" | "invitation", id, username, roles, status, expires_at }
-- A plan is a plain list of the writes (steps.lua), each a table naming the
-- client method and its arguments, so it can be printed, compared and
-- applied later:
--   { operation = "add_project_user_role", groupId = ..., userId = ..., role = ..., username = ... }
--   { operation = "remove_project_user_role", groupId = ..., userId = ..., role = ..., username = ... }
--   { operation = "update_invitation_by_id", groupId = ..., invitationId = ..., roles = {...}, username = ... }
--   { operation = "add_project_user", groupId = ..., username = ..., roles = {...} }
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local invitations = require "atlas_admin.api.invitations"
local options = require "atlas_admin.http.options"
local plans = require "atlas_admin.converge.steps"
local roles = require "atlas_admin.roles"
local show = require "atlas_admin.util.show"
local sunset = require "atlas_admin.http.sunset"
local text = require "atlas_admin.util.text"

local M = {}

local ALL_STATUSES = { "ACTIVE", "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED" }
local same_username = invitations.same_username

local function copy(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  return out
end

--- The access row of a Cloud user.
function M.user_row(u)
  return show.attach({
    kind = "user", id = u.id, username = u.username, roles = copy(u.roles), status = u.orgMembershipStatus,
    expires_at = u.orgMembershipStatus ~= "ACTIVE" and u.invitationExpiresAt or nil,
  }, "access")
end

--- The access row of a legacy invitation: PENDING, or INVITATION_EXPIRED
-- once its expiry has passed (the Cloud users' word for the same state).
function M.invitation_row(inv)
  return show.attach({
    kind = "invitation", id = inv.id, username = inv.username, roles = copy(inv.roles),
    status = text.expired(inv.expiresAt) and "INVITATION_EXPIRED" or "PENDING", expires_at = inv.expiresAt,
  }, "access")
end

-- The Cloud user with this username (active or pending), or nil.
-- Returns user_or_false, err.
local function find_user(client, group_id, username, statuses)
  local users, err = client:list_project_users(group_id, { username = username, statuses = statuses })
  if not users then return nil, err end
  for _, u in ipairs(users) do
    if same_username(u.username, username) then return u end
  end
  return false
end

local QUIET = sunset.QUIET -- this module's invitation calls: no deprecation notice

-- The pending legacy invitation for this username, or false when there is
-- none, the endpoints are gone (remembered), or the legacy lookup is off.
local function find_invitation(client, group_id, username)
  if not sunset.legacy_enabled(client) then return false end
  local list, err = client:list_invitations(group_id, { username = username }, QUIET)
  if not list then
    if sunset.is_gone(client) then return false end -- this very call hit the sunset
    return nil, err
  end
  for _, inv in ipairs(list) do
    if same_username(inv.username, username) and not text.expired(inv.expiresAt) then return inv end
  end
  return false
end

-- with_roles: the call takes a role list (set_project_roles), which is
-- then required: a missing list must never read as "no roles".
local function check_args(name, group_id, username, with_roles, role_list, extra)
  local ok, field, message = core.check_id(group_id, "groupId")
  if ok then ok, field, message = core.check_username(username, "username") end
  if ok and with_roles then ok, field, message = core.check_roles(role_list, "roles", extra) end
  if not ok then return nil, errors.validation(field, message, name) end
  return true
end

function M.install(Client, check_self)
  --- Makes the person hold exactly `roles` in the project, wherever they
  -- are: a Cloud user (active or pending) gets the missing roles added and
  -- the extra ones removed (adds first, so they never hold zero roles); a
  -- pending legacy invitation gets one PATCH with the whole set; someone
  -- new is added as a Cloud user.  Nothing is written when the roles
  -- already match.  Returns access, changed, plan.  With
  -- { dry_run = true } the reads happen and no write does: access is the
  -- current row (nil for someone new) and plan the writes it would make.
  function Client:set_project_roles(group_id, username, role_list, opts)
    check_self(self, "set_project_roles")
    local ok, err = check_args("set_project_roles", group_id, username, true, role_list, self._settings.extra_roles_set)
    if not ok then return nil, err end
    opts, err = options.check("set_project_roles", opts)
    if not opts then return nil, err end
    local dry = opts.dry_run == true
    local wanted, plan, row = copy(role_list), {}, nil

    local user
    user, err = find_user(self, group_id, username)
    if user == nil then return nil, err end
    if user then
      row = M.user_row(user)
      for _, r in ipairs(roles.minus(wanted, user.roles or {})) do
        plan[#plan + 1] = { operation = "add_project_user_role", groupId = group_id, userId = user.id, role = r,
          username = user.username }
      end
      for _, r in ipairs(roles.minus(user.roles or {}, wanted)) do
        plan[#plan + 1] = { operation = "remove_project_user_role", groupId = group_id, userId = user.id, role = r,
          username = user.username }
      end
    else
      local inv
      inv, err = find_invitation(self, group_id, username)
      if inv == nil then return nil, err end
      if inv then
        row = M.invitation_row(inv)
        if not roles.equal(inv.roles or {}, wanted) then
          plan[1] = { operation = "update_invitation_by_id", groupId = group_id, invitationId = inv.id, roles = wanted,
            username = inv.username }
        end
      else
        plan[1] = { operation = "add_project_user", groupId = group_id, username = username, roles = wanted }
      end
    end

    plans.present(plan)
    if dry or #plan == 0 then return row, #plan > 0, plan end
    local result
    result, err = plans.run(self, plan, "set_project_roles")
    if not result then return nil, err end
    if plan[1].operation == "update_invitation_by_id" then return M.invitation_row(result), true, plan end
    return M.user_row(result), true, plan
  end

  --- Everyone with access to the project from both sources, one uniform
  -- row each: Cloud users (ACTIVE and PENDING, or the statuses asked for:
  -- { statuses = { ... } }, "all" for every status) and legacy invitations
  -- (kind "invitation", with their expiry) under the same statuses: a
  -- pending one is PENDING, an expired one INVITATION_EXPIRED.
  function Client:project_access(group_id, filter)
    check_self(self, "project_access")
    local err
    filter, err = options.check("project_access", filter, "filter")
    if not filter then return nil, err end
    local statuses = filter.statuses == "all" and ALL_STATUSES or filter.statuses
    local users
    users, err = self:list_project_users(group_id, { statuses = statuses })
    if not users then return nil, err end
    local rows = {}
    for _, u in ipairs(users) do rows[#rows + 1] = M.user_row(u) end
    if sunset.legacy_enabled(self) then
      local list, lerr = self:list_invitations(group_id, nil, QUIET)
      if list then
        local wanted = {}
        for _, st in ipairs(statuses or { "ACTIVE", "PENDING" }) do wanted[st] = true end
        for _, inv in ipairs(list) do
          local row = M.invitation_row(inv)
          if wanted[row.status] then rows[#rows + 1] = row end
        end
      elseif not sunset.is_gone(self) then
        return nil, lerr
      end
    end
    return show.attach(rows, "access_list")
  end

  --- Removes the person from whichever source holds them (both, if both
  -- do).  Returns true, removed (the access rows removed) or nil, err
  -- (kind "not_found" when neither holds them).
  function Client:remove_project_access(group_id, username)
    check_self(self, "remove_project_access")
    local ok, err = check_args("remove_project_access", group_id, username, false)
    if not ok then return nil, err end
    local removed = {}
    local user
    user, err = find_user(self, group_id, username, ALL_STATUSES)
    if user == nil then return nil, err end
    if user then
      ok, err = self:remove_project_user(group_id, user.id)
      if not ok then return nil, err end
      removed[#removed + 1] = M.user_row(user)
    end
    local inv
    inv, err = find_invitation(self, group_id, username)
    if inv == nil then return nil, err end
    if inv then
      ok, err = self:delete_invitation(group_id, inv.id, QUIET)
      if not ok then return nil, err end
      removed[#removed + 1] = M.invitation_row(inv)
    end
    if #removed == 0 then
      return nil, errors.not_found("username", username .. " has no access to project " .. group_id
        .. " (neither a Cloud user nor a pending invitation)", "remove_project_access")
    end
    return true, removed
  end
end

return M
