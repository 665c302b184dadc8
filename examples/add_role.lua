-- Gives a person one more project role without losing the others
-- (PATCH replaces roles, so the helper reads, merges and writes).
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/add_role.lua [ROLE]
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"
local roles = require "atlas_admin.roles"

local role = arg[1] or roles.GROUP_READ_ONLY
local client = common.client()
local inv, changed, res = client:add_invitation_roles(common.group_id, common.username, { role })
if not inv then
  common.step("add " .. role .. " failed", changed)
  os.exit(1)
end
common.step("add " .. role .. " to " .. common.username .. (changed and "" or " (already there: nothing written)"),
  inv, res, roles.describe(role))
client:close()
