-- The API operations this client knows, one row each.  Adding a call is a
-- new row here plus a thin method (invitations.lua, users.lua): request
-- building, validation, sending, retrying and parsing are shared.
--
--   resource      which family the call belongs to; it picks the media-type
--                 version (client option api_versions[resource]) and the
--                 path prefix.  Rows are not tied to groupId: path
--                 parameters, version and body schema are all per row.
--   method        HTTP method
--   path          template under /api/atlas/{v2|v1.0}; {name} is a path
--                 parameter, validated as a 24-hex id
--   params        path parameters in argument order
--   body          body schema name (validated in C), or nil for no body
--   body_fields   the order fields are encoded in (stable bodies make
--                 dry runs, traces and tests comparable)
--   filters       query parameters a caller may pass in a filter table:
--                 { key = <Lua name>, param = <query name>, kind = ... }
--                 kind: "email", "boolean", "statuses" (repeated param),
--                 "page_size" (1..500), "page" (>= 1)
--   query         query flags the caller may set (booleans)
--   result        "object" (one resource), "list" (a bare JSON array),
--                 "page" ({results, totalCount, links}), "none" (204)
--   idempotent    true when sending it twice has the effect of sending it
--                 once (PATCH replaces roles; GET; DELETE); a retry policy
--                 resends a non-idempotent call only when it provably never
--                 reached the server
--   spec_id       the spec's operationId, for docs and traces

-- Media-type versions each resource exists at.  The invitation calls have
-- only 2023-01-01 (and v1.0); the Cloud Users calls only 2025-02-19.
local RESOURCES = {
  invitations = { default_version = "2023-01-01", v1 = true, deprecated = true },
  users = { default_version = "2025-02-19", v1 = false },
}

local FLAGS = { "envelope", "pretty" }

local USER_FILTERS = {
  { key = "username", param = "username", kind = "email" },
  { key = "statuses", param = "orgMembershipStatuses", kind = "statuses" },
  { key = "flatten_teams", param = "flattenTeams", kind = "boolean" },
  { key = "include_org_users", param = "includeOrgUsers", kind = "boolean" },
  { key = "items_per_page", param = "itemsPerPage", kind = "page_size" },
  { key = "page_num", param = "pageNum", kind = "page" },
}

local operations = {
  -- Project invitations (deprecated; sunset 2027-07-01) --------------------
  list_invitations = {
    resource = "invitations", method = "GET",
    path = "/groups/{groupId}/invites", params = { "groupId" },
    filters = { { key = "username", param = "username", kind = "email" } },
    query = FLAGS, result = "list", idempotent = true, spec_id = "listGroupInvites",
  },
  get_invitation = {
    resource = "invitations", method = "GET",
    path = "/groups/{groupId}/invites/{invitationId}", params = { "groupId", "invitationId" },
    query = FLAGS, result = "object", idempotent = true, spec_id = "getGroupInvite",
  },
  create_invitation = {
    resource = "invitations", method = "POST",
    path = "/groups/{groupId}/invites", params = { "groupId" },
    body = "GroupInvitationRequest", body_fields = { "roles", "username" },
    query = FLAGS, result = "object", idempotent = false, spec_id = "createGroupInvite",
  },
  update_invitation = {
    resource = "invitations", method = "PATCH",
    path = "/groups/{groupId}/invites", params = { "groupId" },
    body = "GroupInvitationRequest", body_fields = { "roles", "username" },
    -- The spec lists pretty on this call only, but Atlas honours it on
    -- every call and the v1.0 docs use it on the by-id update as well.
    query = FLAGS, result = "object", idempotent = true, spec_id = "updateGroupInvites",
  },
  update_invitation_by_id = {
    resource = "invitations", method = "PATCH",
    path = "/groups/{groupId}/invites/{invitationId}", params = { "groupId", "invitationId" },
    body = "GroupInvitationUpdateRequest", body_fields = { "roles" },
    query = FLAGS, result = "object", idempotent = true, spec_id = "updateGroupInviteById",
  },
  delete_invitation = {
    resource = "invitations", method = "DELETE",
    path = "/groups/{groupId}/invites/{invitationId}", params = { "groupId", "invitationId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteGroupInvite",
  },

  -- MongoDB Cloud users of a project (the invitations' successor) ----------
  list_project_users = {
    resource = "users", method = "GET",
    path = "/groups/{groupId}/users", params = { "groupId" },
    filters = USER_FILTERS,
    query = FLAGS, result = "page", idempotent = true, spec_id = "listGroupUsers",
  },
  get_project_user = {
    resource = "users", method = "GET",
    path = "/groups/{groupId}/users/{userId}", params = { "groupId", "userId" },
    query = FLAGS, result = "object", idempotent = true, spec_id = "getGroupUser",
  },
  add_project_user = {
    resource = "users", method = "POST",
    path = "/groups/{groupId}/users", params = { "groupId" },
    body = "GroupUserRequest", body_fields = { "roles", "username" },
    query = FLAGS, result = "object", idempotent = false, spec_id = "addGroupUsers",
  },
  remove_project_user = {
    resource = "users", method = "DELETE",
    path = "/groups/{groupId}/users/{userId}", params = { "groupId", "userId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "removeGroupUser",
  },
  -- Adding a role the user holds, or removing one they lack, leaves the
  -- same state: safe to resend.
  add_project_user_role = {
    resource = "users", method = "POST",
    path = "/groups/{groupId}/users/{userId}:addRole", params = { "groupId", "userId" },
    body = "AddOrRemoveGroupRole", body_fields = { "groupRole" },
    query = FLAGS, result = "object", idempotent = true, spec_id = "addGroupUserRole",
  },
  remove_project_user_role = {
    resource = "users", method = "POST",
    path = "/groups/{groupId}/users/{userId}:removeRole", params = { "groupId", "userId" },
    body = "AddOrRemoveGroupRole", body_fields = { "groupRole" },
    query = FLAGS, result = "object", idempotent = true, spec_id = "removeGroupUserRole",
  },
}

-- rows: name -> row; resources: resource -> { default_version, v1, deprecated }
return { rows = operations, resources = RESOURCES }
