-- Service-account access tokens: fetched with the OAuth 2.0 client
-- credentials flow, cached per client, refreshed ahead of expiry, optionally
-- persisted through a caller's token_store so short scripts do not spend one
-- of the account's 100 live tokens per run.
--
-- The token endpoint's answer is parsed in C straight into a bearer
-- credential (a C object); the transport reads the token from there.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local shared = require "atlas_admin.ngx.tokens"
local trace = require "atlas_admin.http.trace"

local M = {}

local Tokens = {}
Tokens.__index = Tokens

M.DEFAULT_MARGIN = 60

-- settings: the client's settings (auth, base_url, token_refresh_margin,
-- token_store, shared_dict, clock); transport_for: a function returning
-- the transport to use now (libcurl, or nginx cosockets where the phase
-- lets a request yield); json: the client's cjson.
function M.new(settings, transport_for, json)
  return setmetatable({
    settings = settings, transport_for = transport_for, json = json,
    clock = settings.clock or os.time,
    bearer = nil,       -- credential of the current token
    expires_at = nil,   -- wall-clock seconds (the store shares tokens across processes)
    refresh_at = nil,
  }, Tokens)
end

local function token_request(path)
  return { operation = "oauth_token", method = "POST", path = path }
end

-- An error from the token endpoint, with OAuth's error/error_description
-- and an explanation of Atlas's token limits.
local function token_error(status, headers, raw, json, path)
  local body = json.decode(raw or "")
  if type(body) ~= "table" then body = {} end
  local e = errors.api("auth", status, nil, raw, headers["content-type"], token_request(path))
  e.error = type(body.error) == "string" and body.error or nil
  e.error_description = type(body.error_description) == "string" and body.error_description or nil
  e.errorCode = e.error
  if e.error_description then e.message = errors.one_line(e.error_description) end
  local retry = headers["retry-after"] and tonumber(headers["retry-after"]:match("%d+"))
  e.retry_after = retry
  if status == 429 then
    e.hint = "Atlas allows about 10 token requests a minute per service account; retry after "
      .. tostring(retry or "a while") .. " s, and keep tokens with the token_store option"
  elseif status == 403 and e.error == "access_denied" then
    e.hint = "a service account can hold at most 100 live tokens; reuse tokens (token_store), revoke "
      .. "them when done (client:close{ revoke = true }) or wait for them to expire (1 hour)"
  elseif status == 401 or status == 400 then
    e.hint = "check the service account's client id and secret (MONGODB_ATLAS_CLIENT_ID / MONGODB_ATLAS_CLIENT_SECRET)"
  end
  return e
end

-- bearer: a bearer credential (C object); expires_at: wall-clock seconds.
-- Refresh ahead, but never spend more than half a token's life unused.
function Tokens:_margin(lifetime)
  local margin = self.settings.token_refresh_margin or M.DEFAULT_MARGIN
  if margin > lifetime / 2 then margin = lifetime / 2 end
  return margin
end

function Tokens:_adopt(bearer, expires_at)
  local lifetime = expires_at - self.clock()
  self.bearer, self.expires_at, self.refresh_at = bearer, expires_at, expires_at - self:_margin(lifetime)
end

function Tokens:_fresh_enough()
  return self.bearer ~= nil and self.clock() < self.refresh_at
end

-- Asks the token endpoint for a new token.  Returns true or nil, err.
-- The core parses the answer in C and hands back the token as a bearer
-- credential: without a token_store the token never becomes a Lua string.
-- With one, the core also returns it as a string (keep = true), because
-- the store must be able to write it somewhere.
function Tokens:fetch(keep_for_workers)
  local s = self.settings
  local path = "/api/oauth/token"
  local keep = s.token_store ~= nil or keep_for_workers == true
  local status, headers, raw, info, tok = self.transport_for():oauth(s.base_url .. path, s.auth, "token", nil, keep)
  trace.deliver(s.trace, "oauth_token", info) -- info is the 4th value on success and on failure
  if not status then return nil, errors.transport(headers, raw, token_request(path)) end
  if status ~= 200 then return nil, token_error(status, headers, raw, self.json, path) end
  if type(tok) ~= "table" or (tok.token_type and tostring(tok.token_type):lower() ~= "bearer") then
    return nil, errors.api("auth", status, nil, "token response without a usable access_token/expires_in",
      "application/json", token_request(path))
  end
  local expires_at = self.clock() + tok.expires_in
  self:_adopt(tok.bearer, expires_at)
  self.fetched = (self.fetched or 0) + 1
  if s.token_store and s.token_store.save then
    -- The caller asked to keep tokens; a failing store must not fail the call.
    pcall(s.token_store.save, { access_token = tok.access_token, expires_at = expires_at,
      client_id = s.auth:id(), base_url = s.base_url })
  end
  return true, nil, tok.access_token, expires_at
end

-- The lua_shared_dict of the shared_dict option, inside nginx; else nil.
function Tokens:_shared_dict()
  local name = self.settings.shared_dict
  local ngx = name and rawget(_G, "ngx")
  return ngx and ngx.shared and ngx.shared[name] or nil
end

-- A token through the dict shared by all workers: the one there, or one
-- fetched by this worker while it holds the lock, or the one another
-- worker fetched while this one waited.  Returns true | nil, err.
function Tokens:_through_shared(dict)
  local s, ngx = self.settings, rawget(_G, "ngx")
  local margin_of = function(lifetime) return self:_margin(lifetime) end
  local token, expires_at = shared.lookup(dict, s, self.clock(), margin_of)
  if not token and not shared.lock(dict, s, s.timeout + 1) then
    token, expires_at = shared.wait(dict, s, ngx.now() + s.timeout + 1, ngx.now, margin_of)
  end
  if token then
    local bearer = core.credential("bearer", nil, token)
    if bearer then
      self:_adopt(bearer, expires_at)
      return true
    end
  end
  local ok, err, fetched, fetched_expiry = self:fetch(true)
  if ok then shared.store(dict, s, fetched, fetched_expiry, self.clock()) end
  shared.unlock(dict, s)
  if not ok then return nil, err end
  return true
end

-- Loads a token a previous process saved, if it is still good and for this
-- account and server.
function Tokens:_load()
  local s = self.settings
  if not (s.token_store and s.token_store.load) then return false end
  local ok, t = pcall(s.token_store.load)
  if not ok or type(t) ~= "table" or type(t.access_token) ~= "string" or type(t.expires_at) ~= "number" then
    return false
  end
  if (t.client_id and t.client_id ~= s.auth:id()) or (t.base_url and t.base_url ~= s.base_url) then return false end
  local bearer = core.credential("bearer", nil, t.access_token)
  if not bearer then return false end
  self:_adopt(bearer, t.expires_at)
  if not self:_fresh_enough() then
    self.bearer = nil
    return false
  end
  return true
end

-- The bearer credential to send now, fetching a token when there is none
-- or it is about to expire.  Returns bearer, was_cached | nil, err.
function Tokens:get()
  if self:_fresh_enough() then return self.bearer, true end
  if not self.bearer and not self.loaded_once then
    self.loaded_once = true
    if self:_load() then return self.bearer, true end
  end
  local dict = self:_shared_dict()
  local ok, err
  if dict then ok, err = self:_through_shared(dict) else ok, err = self:fetch() end
  if not ok then return nil, err end
  return self.bearer, false
end

-- Forgets the current token (after the server refused it).
function Tokens:invalidate()
  self.bearer, self.expires_at, self.refresh_at = nil, nil, nil
  local dict = self:_shared_dict()
  if dict then shared.forget(dict, self.settings) end
end

-- Revokes the current token at the server.  Returns true (also when there
-- is no token) or nil, err.
function Tokens:revoke()
  if not self.bearer then return true end
  local s = self.settings
  local path = "/api/oauth/revoke"
  local status, headers, raw, info = self.transport_for():oauth(s.base_url .. path, s.auth, "revoke", self.bearer)
  trace.deliver(s.trace, "oauth_revoke", info)
  if not status then return nil, errors.transport(headers, raw, token_request(path)) end
  if status ~= 200 and status ~= 204 then return nil, token_error(status, headers, raw, self.json, path) end
  self:invalidate()
  return true
end

return M
