-- The API operations this client knows, one row each.  Adding a call is a
-- new row here plus a thin method (api/invitations.lua, api/project_users.lua): request
-- building, validation, sending, retrying and parsing are shared.
--
--   resource      which family the call belongs to; it picks the media-type
--                 version (client option api_versions[resource]) and the
--                 path prefix.  Rows are not tied to groupId: path
--                 parameters, version and body schema are all per row.
--   method        HTTP method
--   path          template under /api/atlas/{v2|v1.0}; {name} is a path
--                 parameter, validated as a 24-hex id (teamName: a team
--                 name, percent-encoded; see request.lua PARAMS)
--   params        path parameters in argument order
--   body          body schema name (validated in C, nested objects and
--                 lists included), or nil for no body; bodies are encoded
--                 with sorted keys, so dry runs and traces are stable
--   filters       query parameters a caller may pass in a filter table:
--                 { key = <Lua name>, param = <query name>, kind = ... }
--                 kind: "email", "id", "text", "boolean", "statuses"
--                 (repeated param), "page_size" (1..500), "page" (>= 1)
--   query         query flags the caller may set (booleans)
--   result        "object" (one resource), "list" (a bare JSON array),
--                 "page" ({results, totalCount, links}), "none" (204)
--   presents      what one result is shown as in a REPL (show.lua):
--                 "invitation", "user", "org_user", "team", "team_role", "project";
--                 the identities' kinds ("api_key", "service_account",
--                 "account_secret", "account_project", "access_entry") are
--                 registered by api/identity_show.lua
--   idempotent    true when sending it twice has the effect of sending it
--                 once (PATCH replaces roles; GET; DELETE); a retry policy
--                 resends a non-idempotent call only when it provably never
--                 reached the server
--   spec_id       the spec's operationId, for docs and traces

-- Media-type versions each resource exists at (the client option
-- api_versions sets them).  The invitation calls have only 2023-01-01 (and
-- v1.0); every MongoDB Cloud Users call (a project's, an organization's
-- and a team's users) only 2025-02-19 (older dates list active users
-- only); teams, project teams and the org's projects 2023-01-01.
local RESOURCES = {
  invitations = { default_version = "2023-01-01", v1 = true, deprecated = true },
  users = { default_version = "2025-02-19", v1 = false },
  teams = { default_version = "2023-01-01", v1 = false },
  projects = { default_version = "2023-01-01", v1 = false },
  -- Organization API keys, their access lists and project assignments
  -- exist at 2023-01-01; service accounts (org and project level, secrets,
  -- access lists) at 2024-08-05 only.
  api_keys = { default_version = "2023-01-01", v1 = false },
  service_accounts = { default_version = "2024-08-05", v1 = false },
}

local FLAGS = { "envelope", "pretty" }

local PAGE = { { key = "items_per_page", param = "itemsPerPage", kind = "page_size" },
  { key = "page_num", param = "pageNum", kind = "page" } }

-- The filters of a listing: its own, then the paging keys.
local function with_paging(filters)
  for _, f in ipairs(PAGE) do filters[#filters + 1] = f end
  return filters
end

local USERNAME = { key = "username", param = "username", kind = "email" }
local STATUSES = { key = "statuses", param = "orgMembershipStatuses", kind = "statuses" }

local USER_FILTERS = with_paging {
  USERNAME, STATUSES,
  { key = "flatten_teams", param = "flattenTeams", kind = "boolean" },
  { key = "include_org_users", param = "includeOrgUsers", kind = "boolean" },
}
local ORG_USER_FILTERS = with_paging { USERNAME, STATUSES }
local TEAM_USER_FILTERS = with_paging { USERNAME, STATUSES, { key = "user_id", param = "userId", kind = "id" } }
local PAGE_FILTERS = with_paging {}
local PROJECT_FILTERS = with_paging { { key = "name", param = "name", kind = "text" } }
-- Service account listings leave out system-managed accounts unless asked.
local ACCOUNT_FILTERS = with_paging { { key = "include_system_managed", param = "includeSystemManaged", kind = "boolean" } }

local operations = {
  -- Project invitations (deprecated; sunset 2027-07-01) --------------------
  list_invitations = {
    resource = "invitations", method = "GET",
    path = "/groups/{groupId}/invites", params = { "groupId" },
    filters = { USERNAME },
    query = FLAGS, result = "list", presents = "invitation", idempotent = true, spec_id = "listGroupInvites",
  },
  get_invitation = {
    resource = "invitations", method = "GET",
    path = "/groups/{groupId}/invites/{invitationId}", params = { "groupId", "invitationId" },
    query = FLAGS, result = "object", presents = "invitation", idempotent = true, spec_id = "getGroupInvite",
  },
  create_invitation = {
    resource = "invitations", method = "POST",
    path = "/groups/{groupId}/invites", params = { "groupId" },
    body = "GroupInvitationRequest",
    query = FLAGS, result = "object", presents = "invitation", idempotent = false, spec_id = "createGroupInvite",
  },
  update_invitation = {
    resource = "invitations", method = "PATCH",
    path = "/groups/{groupId}/invites", params = { "groupId" },
    body = "GroupInvitationRequest",
    -- The spec lists pretty on this call only, but Atlas honours it on
    -- every call and the v1.0 docs use it on the by-id update as well.
    query = FLAGS, result = "object", presents = "invitation", idempotent = true, spec_id = "updateGroupInvites",
  },
  update_invitation_by_id = {
    resource = "invitations", method = "PATCH",
    path = "/groups/{groupId}/invites/{invitationId}", params = { "groupId", "invitationId" },
    body = "GroupInvitationUpdateRequest",
    query = FLAGS, result = "object", presents = "invitation", idempotent = true, spec_id = "updateGroupInviteById",
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
    query = FLAGS, result = "page", presents = "user", idempotent = true, spec_id = "listGroupUsers",
  },
  get_project_user = {
    resource = "users", method = "GET",
    path = "/groups/{groupId}/users/{userId}", params = { "groupId", "userId" },
    query = FLAGS, result = "object", presents = "user", idempotent = true, spec_id = "getGroupUser",
  },
  add_project_user = {
    resource = "users", method = "POST",
    path = "/groups/{groupId}/users", params = { "groupId" },
    body = "GroupUserRequest",
    query = FLAGS, result = "object", presents = "user", idempotent = false, spec_id = "addGroupUsers",
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
    body = "AddOrRemoveGroupRole",
    query = FLAGS, result = "object", presents = "user", idempotent = true, spec_id = "addGroupUserRole",
  },
  remove_project_user_role = {
    resource = "users", method = "POST",
    path = "/groups/{groupId}/users/{userId}:removeRole", params = { "groupId", "userId" },
    body = "AddOrRemoveGroupRole",
    query = FLAGS, result = "object", presents = "user", idempotent = true, spec_id = "removeGroupUserRole",
  },

  -- MongoDB Cloud users of an organization (2025-02-19) ------------------
  list_org_users = {
    resource = "users", method = "GET",
    path = "/orgs/{orgId}/users", params = { "orgId" },
    filters = ORG_USER_FILTERS,
    query = FLAGS, result = "page", presents = "org_user", idempotent = true, spec_id = "listOrgUsers",
  },
  get_org_user = {
    resource = "users", method = "GET",
    path = "/orgs/{orgId}/users/{userId}", params = { "orgId", "userId" },
    query = FLAGS, result = "object", presents = "org_user", idempotent = true, spec_id = "getOrgUser",
  },
  -- Invites the person to the organization, with org roles, project roles
  -- and teams in one request.
  add_org_user = {
    resource = "users", method = "POST",
    path = "/orgs/{orgId}/users", params = { "orgId" }, body = "OrgUserRequest",
    query = FLAGS, result = "object", presents = "org_user", idempotent = false, spec_id = "createOrgUser",
  },
  -- Only the fields given change; an empty list resets that field (the
  -- spec's note), so sending the same body twice leaves the same state.
  update_org_user = {
    resource = "users", method = "PATCH",
    path = "/orgs/{orgId}/users/{userId}", params = { "orgId", "userId" }, body = "OrgUserUpdateRequest",
    query = FLAGS, result = "object", presents = "org_user", idempotent = true, spec_id = "updateOrgUser",
  },
  remove_org_user = {
    resource = "users", method = "DELETE",
    path = "/orgs/{orgId}/users/{userId}", params = { "orgId", "userId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "removeOrgUser",
  },
  add_org_user_role = {
    resource = "users", method = "POST",
    path = "/orgs/{orgId}/users/{userId}:addRole", params = { "orgId", "userId" }, body = "AddOrRemoveOrgRole",
    query = FLAGS, result = "object", presents = "org_user", idempotent = true, spec_id = "addOrgRole",
  },
  remove_org_user_role = {
    resource = "users", method = "POST",
    path = "/orgs/{orgId}/users/{userId}:removeRole", params = { "orgId", "userId" }, body = "AddOrRemoveOrgRole",
    query = FLAGS, result = "object", presents = "org_user", idempotent = true, spec_id = "removeOrgRole",
  },

  -- Teams of an organization (2023-01-01) --------------------------------
  list_teams = {
    resource = "teams", method = "GET",
    path = "/orgs/{orgId}/teams", params = { "orgId" }, filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "team", idempotent = true, spec_id = "listOrgTeams",
  },
  get_team = {
    resource = "teams", method = "GET",
    path = "/orgs/{orgId}/teams/{teamId}", params = { "orgId", "teamId" },
    query = FLAGS, result = "object", presents = "team", idempotent = true, spec_id = "getOrgTeam",
  },
  get_team_by_name = {
    resource = "teams", method = "GET",
    path = "/orgs/{orgId}/teams/byName/{teamName}", params = { "orgId", "teamName" },
    query = FLAGS, result = "object", presents = "team", idempotent = true, spec_id = "getTeamByName",
  },
  create_team = {
    resource = "teams", method = "POST",
    path = "/orgs/{orgId}/teams", params = { "orgId" }, body = "Team",
    query = FLAGS, result = "object", presents = "team", idempotent = false, spec_id = "createOrgTeam",
  },
  rename_team = {
    resource = "teams", method = "PATCH",
    path = "/orgs/{orgId}/teams/{teamId}", params = { "orgId", "teamId" }, body = "TeamUpdate",
    query = FLAGS, result = "object", presents = "team", idempotent = true, spec_id = "renameOrgTeam",
  },
  delete_team = {
    resource = "teams", method = "DELETE",
    path = "/orgs/{orgId}/teams/{teamId}", params = { "orgId", "teamId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteOrgTeam",
  },

  -- A team's users (2025-02-19: pending ones too) -------------------------
  list_team_users = {
    resource = "users", method = "GET",
    path = "/orgs/{orgId}/teams/{teamId}/users", params = { "orgId", "teamId" }, filters = TEAM_USER_FILTERS,
    query = FLAGS, result = "page", presents = "org_user", idempotent = true, spec_id = "listTeamUsers",
  },
  -- Adding a member, or removing someone who is not one, leaves the same
  -- state: safe to resend.
  add_team_user = {
    resource = "users", method = "POST",
    path = "/orgs/{orgId}/teams/{teamId}:addUser", params = { "orgId", "teamId" }, body = "AddOrRemoveUserFromTeam",
    query = FLAGS, result = "object", presents = "org_user", idempotent = true, spec_id = "addOrgTeamUser",
  },
  remove_team_user = {
    resource = "users", method = "POST",
    path = "/orgs/{orgId}/teams/{teamId}:removeUser", params = { "orgId", "teamId" }, body = "AddOrRemoveUserFromTeam",
    query = FLAGS, result = "object", presents = "org_user", idempotent = true, spec_id = "removeOrgTeamUser",
  },

  -- The teams of a project and their roles (2023-01-01) ------------------
  list_project_teams = {
    resource = "teams", method = "GET",
    path = "/groups/{groupId}/teams", params = { "groupId" }, filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "team_role", idempotent = true, spec_id = "listGroupTeams",
  },
  get_project_team = {
    resource = "teams", method = "GET",
    path = "/groups/{groupId}/teams/{teamId}", params = { "groupId", "teamId" },
    query = FLAGS, result = "object", presents = "team_role", idempotent = true, spec_id = "getGroupTeam",
  },
  -- The body is a JSON array of { teamId, roleNames }; Atlas answers with a
  -- page of the teams added.  Adding a team that is there already fails.
  add_project_teams = {
    resource = "teams", method = "POST",
    path = "/groups/{groupId}/teams", params = { "groupId" }, body = "TeamRoleList",
    query = FLAGS, result = "page", presents = "team_role", idempotent = false, spec_id = "addGroupTeams",
  },
  -- Replaces the team's roles in the project.  The body is a TeamRole:
  -- { teamId, roleNames }, the path's teamId in it (teams.lua adds it).
  update_project_team = {
    resource = "teams", method = "PATCH",
    path = "/groups/{groupId}/teams/{teamId}", params = { "groupId", "teamId" }, body = "TeamRole",
    query = FLAGS, result = "page", presents = "team_role", idempotent = true, spec_id = "updateGroupTeam",
  },
  remove_project_team = {
    resource = "teams", method = "DELETE",
    path = "/groups/{groupId}/teams/{teamId}", params = { "groupId", "teamId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "removeGroupTeam",
  },

  -- The projects of an organization (2023-01-01) -------------------------
  list_org_projects = {
    resource = "projects", method = "GET",
    path = "/orgs/{orgId}/groups", params = { "orgId" }, filters = PROJECT_FILTERS,
    query = FLAGS, result = "page", presents = "project", idempotent = true, spec_id = "getOrgGroups",
  },

  -- Organization API keys (2023-01-01): api/api_keys.lua ------------------
  -- A key's roles hold its org roles and its project roles (with groupId).
  -- The answer to create_api_key carries the private key, once: the C
  -- transport takes it out of the body (src/secret_body.c).
  list_api_keys = {
    resource = "api_keys", method = "GET",
    path = "/orgs/{orgId}/apiKeys", params = { "orgId" }, filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "api_key", idempotent = true, spec_id = "listOrgApiKeys",
  },
  get_api_key = {
    resource = "api_keys", method = "GET",
    path = "/orgs/{orgId}/apiKeys/{apiUserId}", params = { "orgId", "apiUserId" },
    query = FLAGS, result = "object", presents = "api_key", idempotent = true, spec_id = "getOrgApiKey",
  },
  create_api_key = {
    resource = "api_keys", method = "POST",
    path = "/orgs/{orgId}/apiKeys", params = { "orgId" }, body = "CreateAtlasOrganizationApiKey",
    query = FLAGS, result = "object", presents = "api_key", idempotent = false, spec_id = "createOrgApiKey",
  },
  -- roles replace the key's org roles (its project roles stay)
  update_api_key = {
    resource = "api_keys", method = "PATCH",
    path = "/orgs/{orgId}/apiKeys/{apiUserId}", params = { "orgId", "apiUserId" }, body = "UpdateAtlasOrganizationApiKey",
    query = FLAGS, result = "object", presents = "api_key", idempotent = true, spec_id = "updateOrgApiKey",
  },
  -- out of every project too
  delete_api_key = {
    resource = "api_keys", method = "DELETE",
    path = "/orgs/{orgId}/apiKeys/{apiUserId}", params = { "orgId", "apiUserId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteOrgApiKey",
  },
  list_api_key_access_list = {
    resource = "api_keys", method = "GET",
    path = "/orgs/{orgId}/apiKeys/{apiUserId}/accessList", params = { "orgId", "apiUserId" }, filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "access_entry", idempotent = true,
    spec_id = "listOrgApiKeyAccessListEntries",
  },
  -- Atlas answers with a page of every entry; an entry the list has stays
  -- as it is, so sending the same entries twice is safe.
  add_api_key_access_list = {
    resource = "api_keys", method = "POST",
    path = "/orgs/{orgId}/apiKeys/{apiUserId}/accessList", params = { "orgId", "apiUserId" },
    body = "UserAccessListRequestList",
    query = FLAGS, result = "page", presents = "access_entry", idempotent = true,
    spec_id = "createOrgApiKeyAccessListEntry",
  },
  -- ipAddress: the address, or the block with its "/" as %2F (the method encodes it)
  remove_api_key_access_entry = {
    resource = "api_keys", method = "DELETE",
    path = "/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}", params = { "orgId", "apiUserId", "ipAddress" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteOrgApiKeyAccessListEntry",
  },
  list_project_api_keys = {
    resource = "api_keys", method = "GET",
    path = "/groups/{groupId}/apiKeys", params = { "groupId" }, filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "api_key", idempotent = true, spec_id = "listGroupApiKeys",
  },
  -- 204; a key the project has already is refused (400 API_KEY_ALREADY_IN_GROUP)
  assign_api_key = {
    resource = "api_keys", method = "POST",
    path = "/groups/{groupId}/apiKeys/{apiUserId}", params = { "groupId", "apiUserId" },
    body = "UserAccessRoleAssignmentList",
    query = FLAGS, result = "none", idempotent = false, spec_id = "addGroupApiKey",
  },
  -- replaces the key's roles in the project
  update_project_api_key = {
    resource = "api_keys", method = "PATCH",
    path = "/groups/{groupId}/apiKeys/{apiUserId}", params = { "groupId", "apiUserId" }, body = "UpdateAtlasProjectApiKey",
    query = FLAGS, result = "object", presents = "api_key", idempotent = true, spec_id = "updateGroupApiKeyRoles",
  },
  unassign_api_key = {
    resource = "api_keys", method = "DELETE",
    path = "/groups/{groupId}/apiKeys/{apiUserId}", params = { "groupId", "apiUserId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "removeGroupApiKey",
  },

  -- Service accounts (2024-08-05): api/service_accounts.lua ---------------
  -- The answers to create_service_account and create_service_account_secret
  -- carry the secret's value, once (taken out in C, as for API keys).
  list_service_accounts = {
    resource = "service_accounts", method = "GET",
    path = "/orgs/{orgId}/serviceAccounts", params = { "orgId" }, filters = ACCOUNT_FILTERS,
    query = FLAGS, result = "page", presents = "service_account", idempotent = true, spec_id = "listOrgServiceAccounts",
  },
  get_service_account = {
    resource = "service_accounts", method = "GET",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}", params = { "orgId", "clientId" },
    query = FLAGS, result = "object", presents = "service_account", idempotent = true, spec_id = "getOrgServiceAccount",
  },
  create_service_account = {
    resource = "service_accounts", method = "POST",
    path = "/orgs/{orgId}/serviceAccounts", params = { "orgId" }, body = "OrgServiceAccountRequest",
    query = FLAGS, result = "object", presents = "service_account", idempotent = false,
    spec_id = "createOrgServiceAccount",
  },
  update_service_account = {
    resource = "service_accounts", method = "PATCH",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}", params = { "orgId", "clientId" },
    body = "OrgServiceAccountUpdateRequest",
    query = FLAGS, result = "object", presents = "service_account", idempotent = true,
    spec_id = "updateOrgServiceAccount",
  },
  -- out of every project; its tokens stop working
  delete_service_account = {
    resource = "service_accounts", method = "DELETE",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}", params = { "orgId", "clientId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteOrgServiceAccount",
  },
  service_account_projects = {
    resource = "service_accounts", method = "GET",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}/groups", params = { "orgId", "clientId" }, filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "account_project", idempotent = true,
    spec_id = "getOrgServiceAccountGroups",
  },
  create_service_account_secret = {
    resource = "service_accounts", method = "POST",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}/secrets", params = { "orgId", "clientId" },
    body = "ServiceAccountSecretRequest",
    query = FLAGS, result = "object", presents = "account_secret", idempotent = false,
    spec_id = "createOrgServiceAccountSecret",
  },
  delete_service_account_secret = {
    resource = "service_accounts", method = "DELETE",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}/secrets/{secretId}", params = { "orgId", "clientId", "secretId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteOrgServiceAccountSecret",
  },
  list_service_account_access_list = {
    resource = "service_accounts", method = "GET",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}/accessList", params = { "orgId", "clientId" },
    filters = PAGE_FILTERS,
    query = FLAGS, result = "page", presents = "access_entry", idempotent = true,
    spec_id = "listOrgServiceAccountAccessList",
  },
  add_service_account_access_list = {
    resource = "service_accounts", method = "POST",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}/accessList", params = { "orgId", "clientId" },
    body = "ServiceAccountIPAccessList",
    query = FLAGS, result = "page", presents = "access_entry", idempotent = true,
    spec_id = "createOrgServiceAccountAccessList",
  },
  remove_service_account_access_entry = {
    resource = "service_accounts", method = "DELETE",
    path = "/orgs/{orgId}/serviceAccounts/{clientId}/accessList/{ipAddress}",
    params = { "orgId", "clientId", "ipAddress" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteOrgServiceAccountAccessListEntry",
  },
  list_project_service_accounts = {
    resource = "service_accounts", method = "GET",
    path = "/groups/{groupId}/serviceAccounts", params = { "groupId" }, filters = ACCOUNT_FILTERS,
    query = FLAGS, result = "page", presents = "service_account", idempotent = true,
    spec_id = "listGroupServiceAccounts",
  },
  get_project_service_account = {
    resource = "service_accounts", method = "GET",
    path = "/groups/{groupId}/serviceAccounts/{clientId}", params = { "groupId", "clientId" },
    query = FLAGS, result = "object", presents = "service_account", idempotent = true,
    spec_id = "getGroupServiceAccount",
  },
  -- POST .../serviceAccounts/{clientId}:invite with { roles }
  assign_service_account = {
    resource = "service_accounts", method = "POST",
    path = "/groups/{groupId}/serviceAccounts/{clientId}:invite", params = { "groupId", "clientId" },
    body = "GroupServiceAccountRoleAssignment",
    query = FLAGS, result = "object", presents = "service_account", idempotent = false,
    spec_id = "inviteGroupServiceAccount",
  },
  -- roles replace its roles in the project
  update_project_service_account = {
    resource = "service_accounts", method = "PATCH",
    path = "/groups/{groupId}/serviceAccounts/{clientId}", params = { "groupId", "clientId" },
    body = "GroupServiceAccountUpdateRequest",
    query = FLAGS, result = "object", presents = "service_account", idempotent = true,
    spec_id = "updateGroupServiceAccount",
  },
  -- still in the organization, its credentials active
  unassign_service_account = {
    resource = "service_accounts", method = "DELETE",
    path = "/groups/{groupId}/serviceAccounts/{clientId}", params = { "groupId", "clientId" },
    query = FLAGS, result = "none", idempotent = true, spec_id = "deleteGroupServiceAccount",
  },
}

-- rows: name -> row; resources: resource -> { default_version, v1, deprecated }
return { rows = operations, resources = RESOURCES }
