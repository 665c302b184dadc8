-- Service-account tokens shared by every nginx worker through a
-- lua_shared_dict (client option shared_dict = "name"): one token for all
-- workers, and only one worker fetches a new one at a time; the others
-- wait for it (polling the dict, not Atlas).
--
-- The dict necessarily holds the token as a string (shared dicts store
-- strings): keep it in a dict only your own code reads.
local M = {}

local POLL = 0.02 -- seconds between looks while another worker fetches

local function key_of(settings)
  return "atlas_admin:token:" .. tostring(settings.auth:id()) .. "@" .. settings.base_url
end

--- The shared token if it is fresh enough (refresh_at in the future):
-- access_token, expires_at | nil.
function M.lookup(dict, settings, now, margin_of)
  local v = dict:get(key_of(settings))
  if type(v) ~= "string" then return nil end
  local expires_at, token = v:match("^([%d.]+)|(.+)$")
  expires_at = tonumber(expires_at)
  if not expires_at or now >= expires_at - margin_of(expires_at - now) then return nil end
  return token, expires_at
end

--- Stores a new token for every worker until it expires.
function M.store(dict, settings, token, expires_at, now)
  local ttl = expires_at - now
  if ttl > 0 then dict:set(key_of(settings), string.format("%.3f|%s", expires_at, token), ttl) end
end

--- Forgets the shared token (the server refused it).
function M.forget(dict, settings)
  dict:delete(key_of(settings))
end

--- Takes the fetch lock (true) or reports that another worker holds it.
-- The lock expires by itself after lock_ttl seconds (a worker that died
-- while fetching cannot block the others).
function M.lock(dict, settings, lock_ttl)
  return dict:add(key_of(settings) .. ":lock", true, lock_ttl) == true
end

function M.unlock(dict, settings)
  dict:delete(key_of(settings) .. ":lock")
end

--- Waits (ngx.sleep) until another worker's token appears or the lock is
-- gone.  Returns access_token, expires_at | nil.
function M.wait(dict, settings, deadline, clock, margin_of)
  local ngx = rawget(_G, "ngx")
  while clock() < deadline do
    ngx.sleep(POLL)
    local token, expires_at = M.lookup(dict, settings, clock(), margin_of)
    if token then return token, expires_at end
    if not dict:get(key_of(settings) .. ":lock") then return nil end
  end
  return nil
end

return M
