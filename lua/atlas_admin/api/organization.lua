-- The MongoDB Cloud users of an organization (media type 2025-02-19) and
-- the organization's projects (2023-01-01): one thin method per row of
-- operations.lua, plus the page-following listings and an iterator.
--
-- An org user carries the person's whole access in the organization:
-- roles.orgRoles, roles.groupRoleAssignments (their own project roles) and
-- teamIds.  People invited through the deprecated project invitations are
-- not org users (see converge/project_access.lua and converge/offboard.lua for both worlds).
local pages = require "atlas_admin.http.pages"

local M = {}

function M.install(Client, check_self)
  --- Every user of the organization matching filter, following the pages
  -- (one request per 100).  filter: { username, statuses = { "ACTIVE",
  -- "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED" } } (Atlas's
  -- default: ACTIVE and PENDING).  Returns users, response.
  function Client:list_org_users(org_id, filter, opts)
    check_self(self, "list_org_users")
    local all, res = pages.list_all(self, "list_org_users", { org_id }, filter, opts)
    return all, res
  end

  --- The same, page by page: for user in client:org_users(orgId) do ... end
  -- (a failure ends the loop without raising: it.err).
  function Client:org_users(org_id, filter, opts)
    check_self(self, "org_users")
    return pages.iterator(self, "list_org_users", { org_id }, filter, opts)
  end

  --- One org user by id (ACTIVE or PENDING).
  function Client:get_org_user(org_id, user_id, opts)
    check_self(self, "get_org_user")
    return self:_call("get_org_user", { org_id, user_id }, nil, opts)
  end

  --- Invites a person to the organization (POST, 201):
  --   { username = ..., roles = { orgRoles = {...}, groupRoleAssignments =
  --     { { groupId = ..., groupRoles = {...} } } }, teamIds = {...} }
  -- org roles, project roles and teams in one request.
  function Client:add_org_user(org_id, body, opts)
    check_self(self, "add_org_user")
    return self:_call("add_org_user", { org_id }, body, opts)
  end

  --- Changes an org user (PATCH): { roles = {...}, teamIds = {...} }, only
  -- the fields given.  An empty list resets that field (teamIds = {} takes
  -- the person off every team; groupRoleAssignments = {} off every project).
  function Client:update_org_user(org_id, user_id, body, opts)
    check_self(self, "update_org_user")
    return self:_call("update_org_user", { org_id, user_id }, body, opts)
  end

  --- Removes a person from the organization, and so from every project and
  -- team (204).  Their pending legacy invitations stay: see client:offboard.
  function Client:remove_org_user(org_id, user_id, opts)
    check_self(self, "remove_org_user")
    return self:_call("remove_org_user", { org_id, user_id }, nil, opts)
  end

  --- Adds one organization role (POST .../users/{userId}:addRole).
  function Client:add_org_user_role(org_id, user_id, role, opts)
    check_self(self, "add_org_user_role")
    return self:_call("add_org_user_role", { org_id, user_id }, { orgRole = role }, opts)
  end

  --- Removes one organization role; a person keeps at least one (add the
  -- new one first).
  function Client:remove_org_user_role(org_id, user_id, role, opts)
    check_self(self, "remove_org_user_role")
    return self:_call("remove_org_user_role", { org_id, user_id }, { orgRole = role }, opts)
  end

  --- Every project of the organization, following the pages.  filter:
  -- { name = "prod" } (a case-insensitive prefix, as Atlas searches).
  function Client:list_org_projects(org_id, filter, opts)
    check_self(self, "list_org_projects")
    local all, res = pages.list_all(self, "list_org_projects", { org_id }, filter, opts)
    return all, res
  end
end

return M
