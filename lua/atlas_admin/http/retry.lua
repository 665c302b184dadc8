-- The retry policy: wraps the one place that sends (Client:_execute), so
-- every call, helper and transport gets the same behaviour.
--
-- Retried (the failures that say "try again later" or "nothing happened"):
--   429 (any RATE_LIMITED* code), 400 INVITATIONS_RATE_LIMITED_IP or
--   RATE_LIMITED_IP (Atlas's invitation limit answers 400, not 429),
--   502, 503, 504, and transport failures where no response arrived
--   (connection refused or reset, a timeout before any response byte).
-- Not retried: everything else (validation, auth, 404, 409, a response
-- that started and then broke, an oversized response).
-- A call that is not idempotent (a POST that creates) is retried only when
-- its request provably never left this machine (err.request_sent == false):
-- a 503 or a lost answer may mean it was created already.
--
-- Waits: Retry-After when the answer has one (seconds or an HTTP-date),
-- capped by retry_max_wait; otherwise exponential backoff with full jitter
-- (a random wait between 0 and min(retry_max_wait, retry_base * 2^(n-1))).
-- No wait may end past retry_deadline seconds after the call started.
local core = require "atlas_admin.core"

local M = {}

M.DEFAULTS = {
  retries = 3,          -- retries after the first attempt; 0 disables
  retry_base = 0.5,     -- seconds: the first backoff's upper bound
  retry_max_wait = 30,  -- seconds: the longest single wait (Retry-After included)
  retry_deadline = 120, -- seconds: no retry once this much time has passed since the call began
}

local RATE_LIMIT_400 = { INVITATIONS_RATE_LIMITED_IP = true, RATE_LIMITED_IP = true }
local RETRY_STATUS = { [502] = true, [503] = true, [504] = true }
-- CURLcodes where no response can have arrived (when response_started is
-- false): couldn't resolve/connect, send/recv failure, got nothing, timeout.
local NO_RESPONSE_CODES = { [6] = true, [7] = true, [28] = true, [52] = true, [55] = true, [56] = true }

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9, Oct = 10,
  Nov = 11, Dec = 12 }

-- Days since 1970-01-01 of a civil date (proleptic Gregorian), so an
-- HTTP-date converts without os.time's local time zone.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

--- Seconds to wait for a Retry-After value: delta-seconds, or an
-- IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT") relative to now (epoch
-- seconds).  nil for anything else.
function M.parse_retry_after(value, now)
  if type(value) ~= "string" then return nil end
  local secs = value:match("^%s*(%d+)%s*$")
  if secs then return tonumber(secs) end
  local d, mon, y, h, mi, s = value:match("^%s*%a%a%a, (%d%d?) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT%s*$")
  if not d or not MONTHS[mon] then return nil end
  local at = days_from_civil(tonumber(y), MONTHS[mon], tonumber(d)) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60
    + tonumber(s)
  local wait = at - (now or os.time())
  return wait > 0 and wait or 0
end

--- Why a failed call may be retried ("rate_limited", "unavailable",
-- "no_response"), or nil when it may not.  prepared: the request (its
-- idempotent flag); err: the error object.
function M.classify(prepared, err)
  if type(err) ~= "table" then return nil end
  if err.kind == "transport" then
    if err.response_started or not NO_RESPONSE_CODES[err.code] then return nil end
    if not prepared.idempotent and err.request_sent ~= false then return nil end
    return "no_response"
  end
  if err.kind ~= "api" or not prepared.idempotent then return nil end
  if err.status == 429 then return "rate_limited" end
  if err.status == 400 and RATE_LIMIT_400[err.errorCode] then return "rate_limited" end
  if RETRY_STATUS[err.status] then return "unavailable" end
  return nil
end

-- Whether this phase of nginx can yield (ngx.sleep works there).
local YIELDING_PHASES = { rewrite = true, access = true, content = true, timer = true, ssl_cert = true,
  ssl_session_fetch = true, ssl_client_hello = true }

--- The default sleep: ngx.sleep where nginx lets a request yield, the C
-- core's nanosleep elsewhere.
function M.default_sleep(seconds)
  local ngx = rawget(_G, "ngx")
  if ngx and ngx.sleep and ngx.get_phase and YIELDING_PHASES[ngx.get_phase()] then return ngx.sleep(seconds) end
  return core.sleep(seconds)
end

--- The wait before attempt n + 1, in seconds.
function M.wait_for(policy, attempt, err)
  local cap = policy.retry_max_wait
  local after = type(err) == "table" and err.retry_after or nil
  if after then return math.min(after, cap), true end
  local bound = math.min(cap, policy.retry_base * 2 ^ (attempt - 1))
  return policy.random() * bound, false
end

--- Runs attempt(obj, prepared) until it succeeds or the policy says stop
-- (a method and its object: no closure per call).  attempt returns the
-- call's results (value, response | nil, err, response).
function M.run(policy, prepared, attempt, obj)
  local started = policy.clock()
  local n = 0
  while true do
    n = n + 1
    local value, res, extra = attempt(obj, prepared)
    if value ~= nil then return value, res, extra end
    local reason = n <= policy.retries and M.classify(prepared, res)
    local wait
    if reason then
      wait = M.wait_for(policy, n, res)
      if policy.clock() - started + wait > policy.retry_deadline then
        reason = nil
        if type(res) == "table" then res.retry_stopped = "deadline" end
      end
    end
    if not reason then
      if type(res) == "table" and n > 1 then
        res.attempts = n
        res.message = res.message .. " (after " .. n .. " attempts)"
      elseif type(res) == "table" then
        res.attempts = 1
      end
      return nil, res, extra
    end
    if policy.on_retry then
      policy.on_retry {
        attempt = n, reason = reason, operation = prepared.operation, wait = wait,
        status = res.status, errorCode = res.errorCode, code = res.code, message = res.message,
      }
    end
    policy.sleep(wait)
  end
end

return M
