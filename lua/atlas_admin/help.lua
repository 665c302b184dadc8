--- atlas.help(): the public functions with one line each;
-- atlas.help("update_invitation") or atlas.help(client.update_invitation):
-- the signature, options and an example.  Prints; returns nothing (so a
-- REPL does not print it twice).
local M = {}

local G = '"32b6e34b3d91647abb20e7b8"'
local I = '"602eb7429955214668d5b025"'
local O = '"4888442a3354817a7320eb61"'
local U = '"6a1b2c3d4e5f60718293a4b2"'
local T = '"6b0c0ffee0c0ffee0c0ffe01"'

-- name, signature, one line, details (options, returns), example
M.ENTRIES = {
  { "client", "atlas.client{ auth = ..., base_url = ..., ... }", "a client (see README for every option)",
    "returns client | nil, err", 'local c = assert(atlas.client{ auth = atlas.digest(pub, priv) })' },
  { "client_from_env", "atlas.client_from_env([options])",
    "a client from MONGODB_ATLAS_* variables (service account, token or API keys; MONGODB_ATLAS_BASE_URL)",
    "returns client | nil, err", "local c = assert(atlas.client_from_env())" },
  { "digest", "atlas.digest(public_key, private_key)", "API key credentials (HTTP Digest)",
    "returns credential | nil, err", "atlas.digest(os.getenv('MONGODB_ATLAS_PUBLIC_API_KEY'), os.getenv('MONGODB_ATLAS_PRIVATE_API_KEY'))" },
  { "service_account", "atlas.service_account(client_id, client_secret)", "service account credentials (OAuth)",
    "returns credential | nil, err", "atlas.service_account(id, secret)" },
  { "bearer", "atlas.bearer(token)", "a ready access token", "returns credential | nil, err", "atlas.bearer(token)" },
  { "to_curl", "atlas.to_curl(request)", "a dry-run request as a curl command line (no secrets)",
    "returns string", "print(atlas.to_curl(c:get_invitation(" .. G .. ", " .. I .. ", { dry_run = true })))" },
  { "list_invitations", "client:list_invitations(groupId [, { username = ... }] [, call_options])",
    "the project's pending invitations", "returns list, response | nil, err, response",
    "for _, inv in ipairs(c:list_invitations(" .. G .. ")) do print(inv) end" },
  { "get_invitation", "client:get_invitation(groupId, invitationId [, call_options])", "one invitation",
    "returns invitation, response | nil, err, response", "c:get_invitation(" .. G .. ", " .. I .. ")" },
  { "create_invitation", "client:create_invitation(groupId, { username = ..., roles = {...} } [, call_options])",
    "invites someone to the project", "returns invitation, response | nil, err, response",
    "c:create_invitation(" .. G .. ', { username = "new@example.com", roles = { "GROUP_READ_ONLY" } })' },
  { "update_invitation", "client:update_invitation(groupId, { username = ..., roles = {...} } [, call_options])",
    "replaces the roles of the invitation for username (PATCH replaces, it does not merge)",
    "returns invitation, response | nil, err, response",
    "c:update_invitation(" .. G .. ', { username = "hello@example.com", roles = { "GROUP_READ_ONLY" } })' },
  { "update_invitation_by_id", "client:update_invitation_by_id(groupId, invitationId, { roles = {...} } [, call_options])",
    "replaces the roles of an invitation named by id", "returns invitation, response | nil, err, response",
    "c:update_invitation_by_id(" .. G .. ", " .. I .. ', { roles = { "GROUP_OWNER" } })' },
  { "delete_invitation", "client:delete_invitation(groupId, invitationId [, call_options])",
    "cancels a pending invitation", "returns true, response | nil, err, response",
    "c:delete_invitation(" .. G .. ", " .. I .. ")" },
  { "add_invitation_roles", "client:add_invitation_roles(groupId, invitationId_or_username, roles [, call_options])",
    "adds roles, keeping the others (read, then PATCH only if something changes)",
    "returns invitation, changed, response | nil, err",
    "c:add_invitation_roles(" .. G .. ', "hello@example.com", { "GROUP_READ_ONLY" })' },
  { "remove_invitation_roles", "client:remove_invitation_roles(groupId, invitationId_or_username, roles [, call_options])",
    "removes roles, keeping the others (never the last one: delete the invitation instead)",
    "returns invitation, changed, response | nil, err",
    "c:remove_invitation_roles(" .. G .. ", " .. I .. ', { "GROUP_OWNER" })' },
  { "list_project_users", "client:list_project_users(groupId [, filter] [, call_options])",
    "every Cloud user of the project (follows the pages itself)", "returns list, response | nil, err, response",
    "for _, u in ipairs(c:list_project_users(" .. G .. ', { statuses = { "ACTIVE" } })) do print(u) end' },
  { "project_users", "client:project_users(groupId [, filter] [, call_options])",
    "the same as an iterator, page by page (a failure ends the loop: it.err)", "returns an iterator",
    "local it = c:project_users(" .. G .. ") for u in it do print(u) end if it.err then print(it.err) end" },
  { "get_project_user", "client:get_project_user(groupId, userId [, call_options])", "one Cloud user",
    "returns user, response | nil, err, response", 'c:get_project_user(' .. G .. ', "6a1b2c3d4e5f60718293a4b1")' },
  { "add_project_user", "client:add_project_user(groupId, { username = ..., roles = {...} } [, call_options])",
    "adds a person to the project (Atlas invites them if needed)", "returns user, response | nil, err, response",
    "c:add_project_user(" .. G .. ', { username = "new@example.com", roles = { "GROUP_READ_ONLY" } })' },
  { "remove_project_user", "client:remove_project_user(groupId, userId [, call_options])",
    "removes a Cloud user from the project", "returns true, response | nil, err, response",
    'c:remove_project_user(' .. G .. ', "6a1b2c3d4e5f60718293a4b1")' },
  { "add_project_user_role", "client:add_project_user_role(groupId, userId, role [, call_options])",
    "adds one role to a Cloud user", "returns user, response | nil, err, response",
    'c:add_project_user_role(' .. G .. ', "6a1b2c3d4e5f60718293a4b1", "GROUP_OWNER")' },
  { "remove_project_user_role", "client:remove_project_user_role(groupId, userId, role [, call_options])",
    "removes one role (a user keeps at least one)", "returns user, response | nil, err, response",
    'c:remove_project_user_role(' .. G .. ', "6a1b2c3d4e5f60718293a4b1", "GROUP_READ_ONLY")' },
  { "set_project_roles", "client:set_project_roles(groupId, username, roles [, { dry_run = true }])",
    "makes the person hold exactly these roles, as a Cloud user or a pending invitation, whoever they are",
    "returns access, changed, plan | nil, err (err.done: the writes that succeeded)",
    "c:set_project_roles(" .. G .. ', "jane@example.com", atlas.roles.DATA_READ_WRITE)' },
  { "project_access", "client:project_access(groupId [, { statuses = {...} | \"all\" }])",
    "everyone with access, from both Cloud users and legacy invitations", "returns rows | nil, err",
    "print(c:project_access(" .. G .. "))" },
  { "remove_project_access", "client:remove_project_access(groupId, username)",
    "removes the person from whichever source holds them", "returns true, removed | nil, err",
    "c:remove_project_access(" .. G .. ', "jane@example.com")' },
  { "list_org_users", "client:list_org_users(orgId [, { username, statuses }] [, call_options])",
    "every user of the organization, with org roles, project roles and teams (follows the pages)",
    "returns list, response | nil, err, response", "print(c:list_org_users(" .. O .. "))" },
  { "org_users", "client:org_users(orgId [, filter] [, call_options])",
    "the same as an iterator, page by page (a failure ends the loop: it.err)", "returns an iterator",
    "for u in c:org_users(" .. O .. ") do print(u) end" },
  { "get_org_user", "client:get_org_user(orgId, userId [, call_options])", "one org user (active or pending)",
    "returns user, response | nil, err, response", "c:get_org_user(" .. O .. ", " .. U .. ")" },
  { "add_org_user", "client:add_org_user(orgId, { username, roles = { orgRoles, groupRoleAssignments }, teamIds } [, call_options])",
    "invites a person to the organization with org roles, project roles and teams in one request",
    "returns user, response | nil, err, response",
    "c:add_org_user(" .. O .. ', { username = "dana@example.com", roles = { orgRoles = { "ORG_MEMBER" } } })' },
  { "update_org_user", "client:update_org_user(orgId, userId, { roles = ..., teamIds = ... } [, call_options])",
    "changes only the fields given (an empty list resets that field)", "returns user, response | nil, err, response",
    "c:update_org_user(" .. O .. ", " .. U .. ", { teamIds = {} })" },
  { "remove_org_user", "client:remove_org_user(orgId, userId [, call_options])",
    "removes a person from the organization, and so from every project and team",
    "returns true, response | nil, err, response", "c:remove_org_user(" .. O .. ", " .. U .. ")" },
  { "add_org_user_role", "client:add_org_user_role(orgId, userId, role [, call_options])", "adds one organization role",
    "returns user, response | nil, err, response", "c:add_org_user_role(" .. O .. ", " .. U .. ', "ORG_READ_ONLY")' },
  { "remove_org_user_role", "client:remove_org_user_role(orgId, userId, role [, call_options])",
    "removes one organization role (a person keeps at least one)", "returns user, response | nil, err, response",
    "c:remove_org_user_role(" .. O .. ", " .. U .. ', "ORG_READ_ONLY")' },
  { "list_org_projects", "client:list_org_projects(orgId [, { name = prefix }] [, call_options])",
    "the organization's projects (follows the pages)", "returns list, response | nil, err, response",
    "print(c:list_org_projects(" .. O .. "))" },
  { "list_teams", "client:list_teams(orgId [, call_options])", "the organization's teams (follows the pages)",
    "returns list, response | nil, err, response", "print(c:list_teams(" .. O .. "))" },
  { "get_team", "client:get_team(orgId, teamId [, call_options])", "one team", "returns team, response | nil, err",
    "c:get_team(" .. O .. ", " .. T .. ")" },
  { "get_team_by_name", "client:get_team_by_name(orgId, name [, call_options])",
    "one team by its name (any characters: it is percent-encoded)", "returns team, response | nil, err",
    "c:get_team_by_name(" .. O .. ', "dba")' },
  { "create_team", "client:create_team(orgId, { name = ..., usernames = {...} } [, call_options])",
    "creates a team (Atlas takes active members only here; add pending ones with add_team_user)",
    "returns team, response | nil, err", "c:create_team(" .. O .. ', { name = "on-call", usernames = {} })' },
  { "rename_team", "client:rename_team(orgId, teamId, name [, call_options])", "renames a team",
    "returns team, response | nil, err", "c:rename_team(" .. O .. ", " .. T .. ', "dbas")' },
  { "delete_team", "client:delete_team(orgId, teamId [, call_options])",
    "deletes a team (it leaves every project; its members stay)", "returns true, response | nil, err",
    "c:delete_team(" .. O .. ", " .. T .. ")" },
  { "list_team_users", "client:list_team_users(orgId, teamId [, { username, statuses, user_id }] [, call_options])",
    "a team's members, active and pending (follows the pages)", "returns list, response | nil, err",
    "print(c:list_team_users(" .. O .. ", " .. T .. "))" },
  { "add_team_user", "client:add_team_user(orgId, teamId, userId [, call_options])",
    "adds an org user (active or pending) to a team", "returns user, response | nil, err",
    "c:add_team_user(" .. O .. ", " .. T .. ", " .. U .. ")" },
  { "remove_team_user", "client:remove_team_user(orgId, teamId, userId [, call_options])", "takes a user off a team",
    "returns user, response | nil, err", "c:remove_team_user(" .. O .. ", " .. T .. ", " .. U .. ")" },
  { "list_project_teams", "client:list_project_teams(groupId [, call_options])", "the project's teams and their roles",
    "returns list, response | nil, err", "print(c:list_project_teams(" .. G .. "))" },
  { "get_project_team", "client:get_project_team(groupId, teamId [, call_options])", "one team's roles in the project",
    "returns teamRole, response | nil, err", "c:get_project_team(" .. G .. ", " .. T .. ")" },
  { "add_project_teams", "client:add_project_teams(groupId, { { teamId = ..., roleNames = {...} }, ... } [, call_options])",
    "adds teams to the project with their roles (one request for all)", "returns list, response | nil, err",
    "c:add_project_teams(" .. G .. ", { { teamId = " .. T .. ', roleNames = { "GROUP_READ_ONLY" } } })' },
  { "update_project_team", "client:update_project_team(groupId, teamId, { roleNames = {...} } [, call_options])",
    "replaces a team's roles in the project", "returns teamRole, response | nil, err",
    "c:update_project_team(" .. G .. ", " .. T .. ', { roleNames = { "GROUP_OWNER" } })' },
  { "remove_project_team", "client:remove_project_team(groupId, teamId [, call_options])", "takes a team off the project",
    "returns true, response | nil, err", "c:remove_project_team(" .. G .. ", " .. T .. ")" },
  { "set_org_roles", "client:set_org_roles(orgId, username, orgRoles [, { dry_run = true }])",
    "makes the person hold exactly these org roles, inviting them when absent",
    "returns user, changed, plan | nil, err (err.done: the writes that succeeded)",
    "c:set_org_roles(" .. O .. ', "dana@example.com", { "ORG_MEMBER" })' },
  { "set_team_members", "client:set_team_members(orgId, teamName, usernames [, { dry_run = true }])",
    "makes the team hold exactly these members, creating it when absent",
    "returns team, changed, plan | nil, err (err.done)",
    "c:set_team_members(" .. O .. ', "dba", { "dana@example.com", "bob@example.com" })' },
  { "set_team_project_roles", "client:set_team_project_roles(groupId, orgId, teamName, roles [, { dry_run = true }])",
    "gives the team exactly these roles in the project, adding it when absent",
    "returns teamRole, changed, plan | nil, err (err.done)",
    "c:set_team_project_roles(" .. G .. ", " .. O .. ', "dba", atlas.roles.DATA_READ_ONLY)' },
  { "offboard", "client:offboard(orgId, username [, { dry_run = true }])",
    "removes the person from the organization and deletes their pending legacy invitations in every project",
    "returns report (what they held; print it) | nil, err (err.done, err.report)",
    "print(c:offboard(" .. O .. ', "sam@example.com", { dry_run = true }))' },
  { "org_access", "client:org_access(orgId [, { projects = { names or ids } }])",
    "the whole organization's access in one read model (people, teams, projects, invitations)",
    "returns model (print it; model.requests: what it cost) | nil, err", "print(c:org_access(" .. O .. "))" },
  { "who_can_access", "client:who_can_access(orgId, groupId)",
    "who can reach a project and why: direct, a team, an org role or a legacy invitation",
    "returns rows { username, roles, via, team } | nil, err", "print(c:who_can_access(" .. O .. ", " .. G .. "))" },
  { "load_access", "atlas.load_access(text_or_path)",
    "reads an access file (YAML or JSON): who may access an organization",
    "returns spec | nil, err (every problem, with its path and line)", 'local spec = assert(atlas.load_access("access.yaml"))' },
  { "dump_access", "atlas.dump_access(spec [, \"yaml\" | \"json\"])", "writes a spec as an access file (sorted, stable)",
    "returns string", "io.write(atlas.dump_access(c:export_access(" .. O .. ")))" },
  { "export_access", "client:export_access(orgId [, { projects = { names or ids } }])",
    "today's access as a spec (its plan is empty)", "returns spec | nil, err",
    "print(atlas.dump_access(c:export_access(" .. O .. ")))" },
  { "plan_access", "client:plan_access(spec [, { prune, max_removals, allow_no_project_owner, allow_no_org_owner }])",
    "what it takes to make the organization match the spec (guards checked, nothing written)",
    "returns plan (print it: the diff) | nil, err (kind validation, guard)", "print(c:plan_access(spec))" },
  { "apply_access", "client:apply_access(plan [, { concurrency, max_per_second, progress }])",
    "applies a plan if the organization has not changed since (else kind stale_plan, nothing written)",
    "returns report | nil, err", "print(c:apply_access(assert(c:plan_access(spec))))" },
  { "batch", "client:batch(calls [, { concurrency = 8, max_per_second = nil, progress = fn, stop_on_error = false }])",
    "many calls at once over libcurl multi; each call is { \"method\", args... }",
    "returns results (in order: { ok, value | err, index, operation }), summary | nil, err",
    "local results, summary = c:batch({ { \"update_invitation_by_id\", " .. G .. ", " .. I
      .. ', { roles = { "GROUP_READ_ONLY" } } } }, { concurrency = 16 })' },
  { "close", "client:close([{ revoke = true }])", "releases the connection (and revokes a service account's token)",
    "returns true | nil, err", "c:close()" },
}

local CALL_OPTIONS = "call_options: { envelope = true|false, pretty = true|false, dry_run = true|false, warn = false, decode = false }"

local by_name = {}
for _, e in ipairs(M.ENTRIES) do by_name[e[1]] = e end

--- Adds an entry (other modules document their functions here).
function M.add(entry)
  M.ENTRIES[#M.ENTRIES + 1] = entry
  by_name[entry[1]] = entry
end

-- function value -> name, for atlas.help(client.update_invitation)
local function name_of(fn, sources)
  for _, src in ipairs(sources) do
    for k, v in pairs(src) do
      if v == fn then return k end
    end
  end
end

function M.text(what, sources)
  if what == nil then
    local out = { "atlas-admin: the public functions (atlas.help(\"name\") for one of them)" }
    for _, e in ipairs(M.ENTRIES) do out[#out + 1] = string.format("  %-24s %s", e[1], e[3]) end
    return table.concat(out, "\n")
  end
  local name = type(what) == "function" and name_of(what, sources) or what
  local e = by_name[name]
  if not e then
    local names = {}
    for _, x in ipairs(M.ENTRIES) do names[#names + 1] = x[1] end
    return "atlas.help: " .. require("atlas_admin.suggest").unknown("function", tostring(name), names)
  end
  local out = { e[2], "  " .. e[3], "  " .. e[4] }
  if e[2]:find("call_options", 1, true) then out[#out + 1] = "  " .. CALL_OPTIONS end
  out[#out + 1] = "  example: " .. e[5]
  return table.concat(out, "\n")
end

return M
