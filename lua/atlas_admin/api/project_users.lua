-- The MongoDB Cloud users of a project (media type 2025-02-19): the
-- resource that replaces project invitations after their sunset.  One thin
-- method per row of operations.lua, plus the page-following listing and
-- its iterator.  Users invited through the deprecated invitations are not
-- visible here, and the reverse (see converge/project_access.lua for a view of both).
local pages = require "atlas_admin.http.pages"

local M = {}

function M.install(Client, check_self)
  --- Every user of the project matching filter, following the pages
  -- itself (itemsPerPage=100, one request per page).  filter:
  -- { username, statuses = { "ACTIVE", "PENDING", "INVITATION_EXPIRED",
  -- "INVITATION_REJECTED" }, flatten_teams, include_org_users }.
  -- Returns a plain sequence of users, response (of the last page).
  function Client:list_project_users(group_id, filter, opts)
    check_self(self, "list_project_users")
    local all, res = pages.list_all(self, "list_project_users", { group_id }, filter, opts)
    return all, res
  end

  --- The same as an iterator that fetches page by page:
  --   for user in client:project_users(groupId, filter) do ... end
  -- A failure ends the loop; it is never raised.  The iterator itself
  -- keeps it: after the loop, `it.err` (when you kept `it`) tells whether
  -- the loop ended early:
  --   local it = client:project_users(G)
  --   for user in it do ... end
  --   if it.err then print(it.err) end
  function Client:project_users(group_id, filter, opts)
    check_self(self, "project_users")
    return pages.iterator(self, "list_project_users", { group_id }, filter, opts)
  end

  --- One user of the project by id (GET /groups/{groupId}/users/{userId}).
  function Client:get_project_user(group_id, user_id, opts)
    check_self(self, "get_project_user")
    return self:_call("get_project_user", { group_id, user_id }, nil, opts)
  end

  --- Adds a person to the project: { username = ..., roles = {...} }.
  -- Atlas invites them when they are not yet in the organization.  201.
  function Client:add_project_user(group_id, body, opts)
    check_self(self, "add_project_user")
    return self:_call("add_project_user", { group_id }, body, opts)
  end

  --- Removes a user from the project.  Returns true, response (204).
  function Client:remove_project_user(group_id, user_id, opts)
    check_self(self, "remove_project_user")
    return self:_call("remove_project_user", { group_id, user_id }, nil, opts)
  end

  --- Adds one project role to a user (POST .../users/{userId}:addRole).
  function Client:add_project_user_role(group_id, user_id, role, opts)
    check_self(self, "add_project_user_role")
    return self:_call("add_project_user_role", { group_id, user_id }, { groupRole = role }, opts)
  end

  --- Removes one project role from a user (POST .../users/{userId}:removeRole).
  -- A user keeps at least one role: add the new role before removing the old.
  function Client:remove_project_user_role(group_id, user_id, role, opts)
    check_self(self, "remove_project_user_role")
    return self:_call("remove_project_user_role", { group_id, user_id }, { groupRole = role }, opts)
  end
end

return M
