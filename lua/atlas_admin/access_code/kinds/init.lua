-- The kinds of holder access as code manages, in the order a plan lists
-- them.  Each is one descriptor file (see org_user.lua for the fields);
-- the file reader, the planner, the guards, the renderer and apply iterate
-- over this list and never branch on a kind's name.  A new kind is a new
-- file here and one entry below.
local M = {}

M.LIST = {
  require "atlas_admin.access_code.kinds.org_user",
  require "atlas_admin.access_code.kinds.team",
  require "atlas_admin.access_code.kinds.team_member",
  require "atlas_admin.access_code.kinds.project_user",
  require "atlas_admin.access_code.kinds.project_invitation",
  require "atlas_admin.access_code.kinds.project_team",
  require "atlas_admin.access_code.kinds.api_key",
  require "atlas_admin.access_code.kinds.api_key_access",
  require "atlas_admin.access_code.kinds.project_api_key",
  require "atlas_admin.access_code.kinds.service_account",
  require "atlas_admin.access_code.kinds.service_account_access",
  (require "atlas_admin.access_code.kinds.project_service_account"), -- (one value: require also returns its path)
}

M.BY_NAME = {}
for i, kind in ipairs(M.LIST) do
  kind.order = i
  M.BY_NAME[kind.name] = kind
end

--- The descriptor of a kind name, or nil.
function M.of(name)
  return M.BY_NAME[name]
end

--- The kinds' names, in order (for messages).
function M.names()
  local out = {}
  for i, kind in ipairs(M.LIST) do out[i] = kind.name end
  return out
end

return M
