-- Updates a pending project invitation by username and then by id, and
-- prints what Atlas answered.  Works against real Atlas or the local server:
--
--   MONGODB_ATLAS_PUBLIC_API_KEY=... MONGODB_ATLAS_PRIVATE_API_KEY=... \
--   ATLAS_GROUP_ID=... ATLAS_INVITE_USERNAME=... ATLAS_INVITATION_ID=... \
--   [MONGODB_ATLAS_BASE_URL=http://127.0.0.1:PORT] lua5.4 examples/update_invitation.lua
local atlas = require "atlas_admin"

local function env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

local auth, err = atlas.digest(env "MONGODB_ATLAS_PUBLIC_API_KEY", env "MONGODB_ATLAS_PRIVATE_API_KEY")
if not auth then
  io.stderr:write(tostring(err), "\n")
  os.exit(2)
end

local client = assert(atlas.client {
  auth = auth,
  base_url = env("MONGODB_ATLAS_BASE_URL", atlas.DEFAULTS.base_url),
  on_warning = function(message) print("  (" .. message .. ")") end,
})
local group_id = env("ATLAS_GROUP_ID", "32b6e34b3d91647abb20e7b8")
local username = env("ATLAS_INVITE_USERNAME", "hello@example.com")
local invitation_id = env("ATLAS_INVITATION_ID", "602eb7429955214668d5b025")

local function show(title, inv, res)
  print(title)
  if not inv then
    print("  failed: " .. tostring(res))
    return false
  end
  print(string.format("  invitation %s for %s in %s (%s)", inv.id, inv.username, inv.groupId, tostring(inv.groupName)))
  print("  roles now: " .. table.concat(inv.roles, ", "))
  print(string.format("  HTTP %d, rate limit remaining %s, expires %s", res.status,
    tostring(res.headers["ratelimit-remaining"]), tostring(inv.expiresAt)))
  return true
end

local ok = true
-- PATCH replaces the roles: list every role the user should end up with.
ok = show("Update by username: " .. username .. " -> GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_ONLY",
  client:update_invitation(group_id, { username = username, roles = { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" } })) and ok
ok = show("Update by id: " .. invitation_id .. " -> GROUP_OWNER (envelope=true)",
  client:update_invitation_by_id(group_id, invitation_id, { roles = { "GROUP_OWNER" } }, { envelope = true })) and ok

-- Bad input never leaves the machine: this fails before any request.
local _, verr = client:update_invitation(group_id, { username = username, roles = { "GROUP_READONLY" } })
print("A typo is caught locally:\n  " .. tostring(verr))

client:close()
os.exit(ok and 0 or 1)
