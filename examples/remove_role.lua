-- Takes one project role away from a pending invitation, keeping the
-- others.  Removing the last role is refused: delete the invitation instead.
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/remove_role.lua [ROLE]
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local role = arg[1] or "GROUP_READ_ONLY"
local client = common.client()
-- make sure there is something to remove, then remove it
assert(client:add_invitation_roles(common.group_id, common.invitation_id, { role, "GROUP_BACKUP_MANAGER" }))
local inv, changed, res = client:remove_invitation_roles(common.group_id, common.invitation_id, { role })
if not inv then
  common.step("remove " .. role .. " failed", changed)
  os.exit(1)
end
common.step("remove " .. role .. " from " .. common.invitation_id .. (changed and "" or " (not there)"), inv, res)
local _, err = client:remove_invitation_roles(common.group_id, common.invitation_id, inv.roles)
common.step("removing every role is refused", err)
client:close()
