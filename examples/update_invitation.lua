-- Updates a pending project invitation by username and then by id, and
-- prints what Atlas answered.  Works against real Atlas or the local server:
--
--   eval "$(scripts/local-server.sh start)"      # or export MONGODB_ATLAS_* for real Atlas
--   [ATLAS_GROUP_ID=... ATLAS_INVITE_USERNAME=... ATLAS_INVITATION_ID=...] lua5.4 examples/update_invitation.lua
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local client = common.client()
local ok = true

-- PATCH replaces the roles: list every role the user should end up with.
local inv, res = client:update_invitation(common.group_id,
  { username = common.username, roles = { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" } })
if inv then
  common.step("update by username: " .. common.username .. " -> GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_ONLY",
    inv, res)
else
  ok = false
  common.step("update by username failed", res)
end

inv, res = client:update_invitation_by_id(common.group_id, common.invitation_id, { roles = { "GROUP_OWNER" } },
  { envelope = true })
if inv then
  common.step("update by id: " .. common.invitation_id .. " -> GROUP_OWNER (envelope=true)", inv, res)
else
  ok = false
  common.step("update by id failed", res)
end

-- Bad input never leaves the machine: this fails before any request.
local _, verr = client:update_invitation(common.group_id, { username = common.username, roles = { "GROUP_READONLY" } })
common.step("a typo is caught locally", verr)

client:close()
os.exit(ok and 0 or 1)
