-- Lists a project's pending invitations, then one person's.
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/list_invitations.lua
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local client = common.client()
local list, err = client:list_invitations(common.group_id)
if not list then
  common.step("list failed", err)
  os.exit(1)
end
common.step("pending invitations in " .. common.group_id, list)
for _, inv in ipairs(list) do
  -- results are plain tables with the API's field names
  if inv.expiresAt < os.date("!%Y-%m-%dT%H:%M:%SZ") then print("   (" .. inv.username .. "'s invitation has expired)") end
end
local mine = assert(client:list_invitations(common.group_id, { username = common.username }))
common.step("filtered by username " .. common.username, mine)
client:close()
