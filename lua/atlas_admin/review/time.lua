-- Atlas's timestamps ("2026-08-10T03:04:53Z", milliseconds or not) as
-- seconds since the epoch, in UTC: os.time reads a date table as local
-- time, so the day number is computed here (the civil-calendar formula).
-- Plain arithmetic: LuaJIT has no // operator.
local M = {}

local floor = math.floor

--- Seconds since 1970-01-01T00:00:00Z, or nil for anything not a timestamp.
function M.epoch(iso)
  if type(iso) ~= "string" then return nil end
  local y, mo, d, h, mi, s = iso:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  local a = floor((14 - mo) / 12)
  local yy, mm = y + 4800 - a, mo + 12 * a - 3
  local jdn = d + floor((153 * mm + 2) / 5) + 365 * yy + floor(yy / 4) - floor(yy / 100) + floor(yy / 400) - 32045
  return (jdn - 2440588) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

--- The timestamp of an epoch, as Atlas writes them.
function M.iso(epoch)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", floor(epoch))
end

--- Whole days from one epoch to another (negative when `to` is earlier).
function M.days(from, to)
  return floor((to - from) / 86400)
end

--- The date part of a timestamp, or "never".
function M.day(iso)
  return type(iso) == "string" and iso:match("^%d%d%d%d%-%d%d%-%d%d") or "never"
end

return M
