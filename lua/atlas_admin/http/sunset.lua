-- The invitations' sunset (2027-07-01): once Atlas answers an invitation
-- call with 410 VERSION_GONE, the client remembers it, the desired-state
-- calls stop asking the invitation endpoints, and every invitation error
-- names the replacements.  The client option legacy_invitations = false
-- turns the legacy lookups off before that date (migration finished).
local M = {}

M.REPLACEMENTS = "client:set_project_roles, client:add_project_user and client:add_project_user_role "
  .. "(the MongoDB Cloud Users calls)"

--- The call options of the invitation calls the both-worlds helpers and
-- access as code make themselves: no deprecation notice (warn = false),
-- since they move to the Cloud Users calls by themselves at the sunset and
-- the caller has nothing to change.  Shared: nothing may write to it.
M.QUIET = setmetatable({ warn = false }, {
  __newindex = function() error("atlas-admin: sunset.QUIET is read-only", 2) end })

-- The clients that saw the invitation endpoints gone (weak keys: a
-- client's fact, kept here so that no module but client.lua writes a
-- client's fields).
local GONE = setmetatable({}, { __mode = "k" })

--- Called with every failed call: remembers the sunset, explains it.
function M.check(client, prepared, err)
  if prepared.resource ~= "invitations" or type(err) ~= "table" then return err end
  if err.status == 410 or err.errorCode == "VERSION_GONE" then GONE[client] = true end
  if GONE[client] and not err.sunset_explained then
    err.message = err.message .. " (the invitation endpoints are gone since their sunset on 2027-07-01; use "
      .. M.REPLACEMENTS .. ")"
    err.sunset_explained = true
  end
  return err
end

--- true once this client saw the invitation endpoints answer 410.
function M.is_gone(client)
  return GONE[client] == true
end

--- Whether set_project_roles and project_access still look at invitations.
function M.legacy_enabled(client)
  return client._settings.legacy_invitations ~= false and not M.is_gone(client)
end

return M
