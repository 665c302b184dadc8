-- The module's side of bench/callgrind.sh: n + 1 update_invitation_by_id
-- calls on one client (the first is the handshake), the same request as
-- bench/raw_libcurl.c.
--   lua5.4 bench/calls.lua URL N digest PUBLIC PRIVATE | lua5.4 bench/calls.lua URL N bearer TOKEN
local atlas = require "atlas_admin"

local url, n, kind = arg[1], tonumber(arg[2]), arg[3]
local auth = kind == "bearer" and assert(atlas.bearer(arg[4])) or assert(atlas.digest(arg[4], arg[5]))
local client = assert(atlas.client { auth = auth, base_url = url, on_warning = false })
local gid, iid, body = "32b6e34b3d91647abb20e7b8", "602eb7429955214668d5b025", { roles = { "GROUP_OWNER" } }
for _ = 0, n do assert(client:update_invitation_by_id(gid, iid, body)) end
client:close()
