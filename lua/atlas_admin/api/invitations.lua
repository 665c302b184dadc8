-- The project-invitation calls (deprecated by Atlas; sunset 2027-07-01):
-- one thin method per row of operations.lua, and the read-merge-write
-- helpers that add or remove roles without losing the others.  Each
-- returns what the operation returns (see README, "Results"), or
-- nil, err[, response].
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local options = require "atlas_admin.http.options"
local roles = require "atlas_admin.roles"

local M = {}

-- What a missing invitation means in Atlas terms, for every call that
-- names one.  The ApiError fields stay as Atlas sent them; only the
-- message gains the explanation.
M.MISSING_EXPLAINED = "no pending invitation: a pending invitation disappears when it is accepted (the person "
  .. "is then a project user), when it expires (30 days after it was sent) or when it is deleted; check the "
  .. "project's users with client:list_project_users(groupId, { username = ... }) or list the invitations with "
  .. "client:list_invitations(groupId)"

local MISSING_CODES = { RESOURCE_NOT_FOUND = true, INVALID_INVITATION_ID = true, NOT_IN_GROUP = true }

-- Adds the explanation to an error that says the invitation is not there.
function M.explain_missing(err)
  if type(err) == "table" and err.kind == "api" and not err.explained
      and ((err.status == 404 and err.errorCode ~= "GROUP_NOT_FOUND") or MISSING_CODES[err.errorCode]) then
    err.message = err.message .. " (" .. M.MISSING_EXPLAINED .. ")"
    err.explained = true
  end
  return err
end

local function explained(value, err, response)
  if value == nil then return nil, M.explain_missing(err), response end
  return value, err
end

-- Usernames are email addresses; Atlas does not document how it treats
-- their case, so lookups match case-insensitively (and the README says so).
local function same_username(a, b)
  return type(a) == "string" and type(b) == "string" and a:lower() == b:lower()
end
M.same_username = same_username

function M.install(Client, check_self)
  --- Lists a project's pending invitations (GET /groups/{groupId}/invites).
  -- filter: { username = "a@example.com" } (optional).  Returns a sequence
  -- of invitations (empty when there are none), response.
  function Client:list_invitations(group_id, filter, opts)
    check_self(self, "list_invitations")
    return self:_call("list_invitations", { group_id }, nil, opts, filter)
  end

  --- One invitation by id (GET /groups/{groupId}/invites/{invitationId}).
  function Client:get_invitation(group_id, invitation_id, opts)
    check_self(self, "get_invitation")
    return explained(self:_call("get_invitation", { group_id, invitation_id }, nil, opts))
  end

  --- Invites a user to the project (POST /groups/{groupId}/invites) with
  -- { username = "...", roles = {...} }.  Atlas answers 200 with the invitation.
  function Client:create_invitation(group_id, body, opts)
    check_self(self, "create_invitation")
    return self:_call("create_invitation", { group_id }, body, opts)
  end

  --- Updates a pending invitation, named by the invited user's email.
  -- PATCH /groups/{groupId}/invites with { roles = {...}, username = "..." }.
  -- Roles are replaced, not merged.
  function Client:update_invitation(group_id, body, opts)
    check_self(self, "update_invitation")
    return explained(self:_call("update_invitation", { group_id }, body, opts))
  end

  --- Updates a pending invitation, named by its id.
  -- PATCH /groups/{groupId}/invites/{invitationId} with { roles = {...} }.
  function Client:update_invitation_by_id(group_id, invitation_id, body, opts)
    check_self(self, "update_invitation_by_id")
    return explained(self:_call("update_invitation_by_id", { group_id, invitation_id }, body, opts))
  end

  --- Cancels a pending invitation (DELETE .../invites/{invitationId}).
  -- Returns true, response (Atlas answers 204 No Content).
  function Client:delete_invitation(group_id, invitation_id, opts)
    check_self(self, "delete_invitation")
    return explained(self:_call("delete_invitation", { group_id, invitation_id }, nil, opts))
  end

  --- Adds roles to a pending invitation, keeping the ones it has.
  -- who: an invitation id (24 hex) or the invited username (an email).
  -- Returns invitation, changed, response.  One request (the read) when
  -- the invitation already holds them all, two (read + PATCH) otherwise.
  function Client:add_invitation_roles(group_id, who, role_list, opts)
    check_self(self, "add_invitation_roles")
    return M.change_roles(self, "add_invitation_roles", group_id, who, role_list, opts, roles.union)
  end

  --- Removes roles from a pending invitation, keeping the others.  Removing
  -- the last role is refused before any PATCH: delete the invitation instead.
  function Client:remove_invitation_roles(group_id, who, role_list, opts)
    check_self(self, "remove_invitation_roles")
    return M.change_roles(self, "remove_invitation_roles", group_id, who, role_list, opts, roles.minus)
  end
end

-- Checks the helper's own arguments; returns "id" | "username" or nil, err.
local function check_who(name, group_id, who, role_list, extra_roles)
  local ok, field, message = core.check_id(group_id, "groupId")
  if not ok then return nil, errors.validation(field, message, name) end
  local kind
  if type(who) == "string" and who:find("@", 1, true) then
    ok, field, message = core.check_username(who, "who")
    kind = "username"
  else
    ok, field, message = core.check_id(who, "who")
    kind = "id"
    if not ok then
      message = "who must be an invitation id (24 lowercase hex digits) or the invited username (an email "
        .. "address); " .. message
    end
  end
  if not ok then return nil, errors.validation(field, message, name) end
  ok, field, message = core.check_roles(role_list, "roles", extra_roles)
  if not ok then return nil, errors.validation(field, message, name) end
  return kind
end

-- Reads the invitation named by who: returns invitation, response or nil, err.
local function read_invitation(client, name, group_id, who, kind, opts)
  local read_opts = opts and { envelope = opts.envelope, pretty = opts.pretty } or nil
  if kind == "id" then
    local inv, res_or_err = client:get_invitation(group_id, who, read_opts)
    return inv, res_or_err
  end
  local list, res = client:list_invitations(group_id, { username = who }, read_opts)
  if not list then return nil, res end
  for _, inv in ipairs(list) do
    if same_username(inv.username, who) then return inv, res end
  end
  return nil, errors.not_found("who", "no pending invitation for " .. who .. " in project " .. group_id
    .. " (" .. M.MISSING_EXPLAINED .. ")", name)
end

-- The shared read-merge-write of add/remove_invitation_roles.  With
-- dry_run, the read happens and the PATCH it would send is returned in
-- place of the invitation.
function M.change_roles(client, name, group_id, who, role_list, opts, combine)
  local kind, err = check_who(name, group_id, who, role_list, client._settings.extra_roles_set)
  if not kind then return nil, err end
  -- the options go on to the read and the PATCH: checked before either
  local ok
  ok, err = options.check(name, opts)
  if not ok then return nil, err end
  local inv, res = read_invitation(client, name, group_id, who, kind, opts)
  if not inv then return nil, res end
  local current = type(inv.roles) == "table" and inv.roles or {}
  local wanted = combine(current, role_list)
  if roles.equal(current, wanted) then return inv, false, res end
  if #wanted == 0 then
    return nil, errors.validation("roles", "removing " .. table.concat(role_list, ", ") .. " would leave invitation "
      .. tostring(inv.id) .. " with no role, and Atlas requires at least one; to withdraw the invitation, "
      .. "delete it: client:delete_invitation(\"" .. group_id .. "\", \"" .. tostring(inv.id) .. "\")", name)
  end
  local updated, response, failed_response = client:update_invitation_by_id(group_id, inv.id, { roles = wanted }, opts)
  if not updated then return nil, response, failed_response end
  return updated, true, response
end

return M
