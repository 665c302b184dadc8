-- Shared by the examples: a client from the environment (the variables the
-- official tools use; scripts/local-server.sh start exports them for the
-- local server) and the ids to work on.
local atlas = require "atlas_admin"

local M = {}

local function env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

M.group_id = env("ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
M.username = env("ATLAS_INVITE_USERNAME", "hello@example.com")
M.invitation_id = env("ATLAS_INVITATION_ID", "602eb7429955214668d5b025")
-- the organization examples: the org, two projects, a team
M.org_id = env("ATLAS_ORG_ID", "4888442a3354817a7320eb61")
M.prod_id = env("ATLAS_PROD_ID", "64f1a2b3c4d5e6f708192a3b")
M.staging_id = env("ATLAS_STAGING_ID", "64f1a2b3c4d5e6f708192a3c")
M.team = env("ATLAS_TEAM", "dba")

--- A client from the environment; deprecation warnings are printed on a
-- line of their own, just above the step whose call drew them.
function M.client()
  local client, err = atlas.client_from_env {
    on_warning = function(message) print("\n! " .. message:gsub("^atlas%-admin: warning: ", "deprecated: ")) end,
  }
  if not client then
    io.stderr:write(tostring(err), "\n")
    os.exit(2)
  end
  return client
end

--- Prints a step's title and its lines.
function M.step(title, ...)
  print("== " .. title)
  for i = 1, select("#", ...) do print("   " .. tostring((select(i, ...))):gsub("\n", "\n   ")) end
end

return M
