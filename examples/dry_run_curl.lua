-- Shows the request a call would send, without sending it, and the same
-- as a curl command line (no secrets in it: it names the environment
-- variables, as Atlas's own samples do).
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/dry_run_curl.lua
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local atlas = require "atlas_admin"
local common = require "common"

local client = common.client()
local req = assert(client:update_invitation(common.group_id,
  { username = common.username, roles = { "GROUP_READ_ONLY" } }, { dry_run = true }))
common.step("the request update_invitation would send", req)
print(atlas.to_curl(req))
client:close()
