--- atlas.help(): the public functions with one line each;
-- atlas.help("update_invitation") or atlas.help(client.update_invitation):
-- the signature, options and an example.  Prints; returns nothing (so a
-- REPL does not print it twice).
local M = {}

local G = '"32b6e34b3d91647abb20e7b8"'
local I = '"602eb7429955214668d5b025"'

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
  { "batch", "client:batch(calls [, { concurrency = 8, max_per_second = nil, progress = fn, stop_on_error = false }])",
    "many calls at once over libcurl multi; each call is { \"method\", args... }",
    "returns results (in order: { ok, value | err, index, operation }), summary | nil, err",
    "local results, summary = c:batch({ { \"update_invitation_by_id\", " .. G .. ", " .. I
      .. ', { roles = { "GROUP_READ_ONLY" } } } }, { concurrency = 16 })' },
  { "close", "client:close([{ revoke = true }])", "releases the connection (and revokes a service account's token)",
    "returns true | nil, err", "c:close()" },
}

local CALL_OPTIONS = "call_options: { envelope = true|false, pretty = true|false, dry_run = true|false }"

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
