-- The client: holds one transport (one libcurl handle), the settings and a
-- private JSON instance, and runs each call as a pipeline of plain steps:
--   prepare (validate + build, no I/O) -> execute (send) -> parse.
local cjson_safe = require "cjson.safe"
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local methods = require "atlas_admin.http.methods"
local ngx_support = require "atlas_admin.ngx"
local operations = require "atlas_admin.http.operations"
local options = require "atlas_admin.http.options"
local request = require "atlas_admin.http.request"
local response = require "atlas_admin.http.response"
local retry = require "atlas_admin.http.retry"
local show = require "atlas_admin.util.show"
local sunset = require "atlas_admin.http.sunset"
local warnings = require "atlas_admin.http.warnings"

local VERSION = "0.1.0"
local NO_OPTIONS = options.NO_OPTIONS

local Client = {}
Client.__index = Client

local M = { VERSION = VERSION, Client = Client }

-- Misuse (wrong self, closed client) raises: it is a bug in the caller's
-- code, not a runtime condition to handle.
local function check_self(self, method)
  if getmetatable(self) ~= Client then
    error("atlas-admin: call it as client:" .. method .. "(...), with a colon", 3)
  end
  if self._closed then
    error("atlas-admin: client:" .. method .. "() called on a closed client", 3)
  end
end

-- A libcurl transport with the client's settings: the client's own, and
-- one per extra concurrent slot of a batch (batch.lua).
local function libcurl_transport(settings, ua)
  return core.transport({
    timeout = settings.timeout,
    connect_timeout = settings.connect_timeout,
    ca_file = settings.ca_file,
    ca_path = settings.ca_path,
    proxy = settings.proxy,
    max_response_bytes = settings.max_response_bytes,
    max_header_bytes = settings.max_header_bytes,
    low_speed_limit = settings.low_speed_limit,
    low_speed_time = settings.low_speed_time,
    trace = settings.trace ~= nil,
    user_agent = ua,
  }, settings.auth)
end

-- settings: the output of options.client()
function M.new(settings)
  local json = cjson_safe.new()
  json.decode_max_depth(64) -- Atlas objects are shallow; a deep body is hostile
  settings.json = json
  -- (libcurl formats the line on every request, byte by byte: kept short;
  -- atlas.libcurl_version says which libcurl this is)
  local ua = "atlas-admin-lua/" .. VERSION
  if settings.user_agent_suffix then ua = ua .. " " .. settings.user_agent_suffix end
  local transport = libcurl_transport(settings, ua)
  local client = setmetatable({
    _settings = settings,
    _transport = transport,
    _user_agent = ua,
    -- inside nginx: the cosocket transport for phases that can yield
    _cosocket = ngx_support.cosocket_transport(settings, ua),
    _json = json,
    _closed = false,
    -- digest: the transports whose handle has authenticated once (its nonce works)
    _digest_ready = setmetatable({}, { __mode = "k" }),
    -- a batch in progress: coroutine -> the item's binding (batch.lua)
    _bindings = setmetatable({}, { __mode = "k" }),
    -- operation name -> what its calls share (request.compile)
    _compiled = {},
  }, Client)
  if settings.auth_kind == "service_account" then
    client._tokens = require("atlas_admin.http.token").new(settings, function() return (client:_transport_for()) end, json)
  end
  client._audit = settings.audit_sink
  return client
end

-- Another libcurl transport like the client's own (a batch slot).
function Client:_new_libcurl_transport()
  return libcurl_transport(self._settings, self._user_agent)
end

-- A batch item's coroutine sends through its binding (batch.lua): set
-- (binding nil: cleared) and cleared all when the batch ends.
function Client:_bind(co, binding)
  self._bindings[co] = binding
end

function Client:_unbind_all()
  for co in pairs(self._bindings) do self._bindings[co] = nil end
end

-- The batch binding of the running coroutine, when it is a batch item.
-- (The send step asks next(self._bindings) first: no batch is running
-- for nearly every call, and that costs no call.)
function Client:_binding()
  local co = coroutine.running()
  return co and self._bindings[co] or nil
end

-- Builds the request for an operation without sending it.  What depends
-- only on the operation and this client is compiled once (request.compile).
function Client:_prepare(name, args, body, call_opts, filter)
  local compiled = self._compiled[name]
  if not compiled then
    compiled = request.compile(name, operations.rows[name], self._settings)
    self._compiled[name] = compiled
  end
  local flags = NO_OPTIONS
  if call_opts ~= nil then
    local err
    flags, err = options.call(call_opts, name)
    if not flags then return nil, err end
  end
  return request.prepare_compiled(compiled, self._settings, args, body, flags, filter)
end

-- The transport for this request: libcurl, or under OpenResty the
-- cosocket transport where the phase lets a request yield (never block
-- the worker); the transport option can force either (ngx/init.lua).  A
-- batch item sends through its binding (batch.lua).
-- Returns the transport and the handle whose digest state it uses (a
-- batch binding names its slot's).  wait: the send step's call, where a
-- batch item waits for its turn (every item is validated, run up to its
-- first send, before the batch sends anything, tokens included).
function Client:_transport_for(wait)
  local binding = next(self._bindings) ~= nil and self:_binding()
  if binding then -- a batch item: its slot, over libcurl multi
    if wait then binding:ready() end
    return binding, binding.handle or binding
  end
  local transport = self._transport
  if self._cosocket and ngx_support.pick(self._settings) == "cosocket" then transport = self._cosocket end
  return transport, transport
end

-- The one send step: authorize, send, and on a 401 for a service-account
-- token that was cached before this call (expired or revoked early) fetch
-- one new token and resend once.  Returns the transport's answer:
--   status, headers, body, info | nil, err (an error object)
-- The retry policy wraps _execute (which calls this); the nginx transport
-- and the batch plug in under it.
function Client:_send(prepared)
  local transport, handle = self._transport, self._transport
  if self._cosocket or next(self._bindings) ~= nil then transport, handle = self:_transport_for(true) end
  -- The bearer credential: none for digest (libcurl answers the
  -- challenge), the fixed token, or the service account's cached token.
  local bearer, cached = nil, false
  if self._tokens then
    bearer, cached = self._tokens:get()
    if not bearer then return nil, cached end -- the token request failed (cached is its error)
  elseif self._settings.auth_kind == "bearer" then
    bearer = self._settings.auth
  end
  local status, headers, body, info = self:_transfer(transport, prepared, bearer)
  if status == 401 and self._tokens and cached then
    self._tokens:invalidate()
    local err
    bearer, err = self._tokens:get()
    if not bearer then return nil, err end
    status, headers, body, info = self:_transfer(transport, prepared, bearer)
  elseif status == 401 and self._settings.auth_kind == "digest" and self._digest_ready[handle] then
    -- A 401 without stale=true on a nonce that worked before: libcurl has
    -- taken the fresh challenge's nonce, so answer it once.  A handle that
    -- never authenticated (a wrong key) is not resent: reported after
    -- exactly one challenge, never looped.  A 401 is refused before any
    -- processing, so resending is safe for every method.
    status, headers, body, info = self:_transfer(transport, prepared, bearer)
  end
  if status and status ~= 401 and not self._digest_ready[handle] and self._settings.auth_kind == "digest" then
    self._digest_ready[handle] = true
  end
  if not status then
    local err = errors.transport(headers, body, prepared)
    if type(info) == "table" then
      err.request_sent, err.response_started = info.request_sent, info.response_started
    end
    return nil, err
  end
  return status, headers, body, info
end

-- One transfer on a transport, its trace delivered.
function Client:_transfer(transport, prepared, bearer)
  local status, headers, body, info = transport:send(prepared.method, prepared.url,
    prepared.header_lines or prepared.headers, prepared.body, bearer, not prepared.idempotent)
  if self._settings.trace then require("atlas_admin.http.trace").deliver(self._settings.trace, prepared.operation, info) end
  return status, headers, body, info
end

-- The retry policy for one call: the client's settings, with the call's
-- own retries / retry_deadline when it gave them.  A plain call outside a
-- batch (most calls) shares the client's policy, made once.
function Client:_retry_policy(prepared)
  local s = self._settings
  local binding = next(self._bindings) ~= nil and self:_binding()
  if not binding and not prepared.retries and not prepared.retry_deadline then
    if not self._policy then
      self._policy = {
        retries = s.retries, retry_deadline = s.retry_deadline, retry_base = s.retry_base,
        retry_max_wait = s.retry_max_wait, on_retry = s.on_retry, sleep = s.sleep or retry.default_sleep,
        random = s.random or math.random, clock = core.monotonic,
      }
    end
    return self._policy
  end
  return {
    retries = prepared.retries or s.retries,
    retry_deadline = prepared.retry_deadline or s.retry_deadline,
    retry_base = s.retry_base, retry_max_wait = s.retry_max_wait,
    on_retry = s.on_retry, sleep = self:_sleep_function(),
    random = s.random or math.random, clock = core.monotonic,
  }
end

-- How this call waits between attempts: a batch item yields to the batch
-- (its wait does not hold up the other items); otherwise the sleep option
-- or the default (nanosleep, or ngx.sleep where nginx can yield).
function Client:_sleep_function()
  local binding = self:_binding()
  if binding then return function(seconds) binding:sleep(seconds) end end
  return self._settings.sleep or retry.default_sleep
end

-- Sends a prepared request under the retry policy: result, response or
-- nil, err[, response] (err.attempts says how many attempts were made).
function Client:_execute(prepared)
  return retry.run(self:_retry_policy(prepared), prepared, self._execute_once, self)
end

-- One attempt: send, warn about deprecation, classify the answer.
function Client:_execute_once(prepared)
  local status, headers, body = self:_send(prepared)
  if not status then return nil, headers end
  local on_warning = self._settings.on_warning
  if on_warning ~= false and (headers.deprecation or headers.sunset) and not prepared.quiet then
    warnings.check(on_warning, prepared, headers)
  end
  local value, res, extra = response.parse(prepared, status, headers, body, self._json, self._settings.auth_kind)
  if value ~= nil then return show.result(prepared, value, res), res end
  return nil, sunset.check(self, prepared, res), show.attach(extra, "response")
end

-- What a dry run returns: the request as it would go out, with the
-- credential shown as <redacted> (and its kind, for to_curl).
local function dry_run_request(prepared, auth_kind)
  local headers = {}
  for k, v in pairs(prepared.headers) do headers[k] = v end
  headers.Authorization = "<redacted>"
  return show.attach({
    operation = prepared.operation, method = prepared.method, url = prepared.url,
    headers = headers, body = prepared.body, auth = auth_kind,
  }, "request")
end

-- Runs one operation: args are the path parameters in order, body the
-- request table (or nil), call_opts the per-call options, filter the
-- query filter table (list calls).
function Client:_call(name, args, body, call_opts, filter)
  local prepared, err = self:_prepare(name, args, body, call_opts, filter)
  if not prepared then return nil, err end
  if prepared.dry_run then return dry_run_request(prepared, self._settings.auth_kind) end
  if not self._audit or prepared.method == "GET" then
    -- Client:_execute, written out: most calls share the client's policy
    local policy = self._policy
    if not policy or prepared.retries or prepared.retry_deadline or next(self._bindings) ~= nil then
      policy = self:_retry_policy(prepared)
    end
    return retry.run(policy, prepared, self._execute_once, self)
  end
  -- A write: one audit record with what was asked and what came of it.
  local value, res, failed = self:_execute(prepared)
  local context = self:_audit_context()
  local record = require("atlas_admin.http.audit").record(prepared, operations.rows[name], args, body, value ~= nil, res,
    failed, context and context.before, context and context.org)
  local ok, problem = pcall(self._audit.write, record)
  if not ok then
    -- The write was made (or failed) at Atlas; only its record is missing.
    -- Never a raise here: the caller must learn what was done.
    return nil, errors.refused("audit", "the " .. (value ~= nil and "write was made" or "write failed")
      .. " but its audit record could not be written (" .. errors.one_line(problem) .. "); stopping",
      prepared.operation, { written = value ~= nil, method = prepared.method, path = errors.request_path(prepared) })
  end
  return value, res, failed
end

-- Writes an event of the caller's (e.g. an apply starting) to the audit
-- trail, if there is one: true, or nil, err (kind "audit").  Used before a
-- run of writes, so a trail that cannot take a record stops it before the
-- first write.
function Client:_audit_event(record)
  if not self._audit then return true end
  local ok, problem = pcall(self._audit.write, record)
  if ok then return true end
  return nil, errors.refused("audit", "the audit trail cannot take a record (" .. errors.one_line(problem)
    .. "); nothing was written", record.operation, { written = false })
end

-- Calls method with what the writer knew before (for its audit record):
-- a helper's step (converge/steps.lua) says what it read first.
function Client:_with_audit_context(context, method, ...)
  self._audit_now = context
  local result, err, res = self[method](self, ...)
  self._audit_now = nil
  return result, err, res
end

-- What the writer knew before a write, for its audit record: set by an
-- access plan's apply for each batch item (its binding), or around a call.
function Client:_audit_context()
  local binding = self:_binding()
  if binding and binding.audit then return binding.audit end
  return self._audit_now
end

--- Revokes the service account's current token (POST /api/oauth/revoke).
-- Returns true (also when no token is held) or nil, err.
function Client:revoke_token()
  check_self(self, "revoke_token")
  if not self._tokens then return true end
  return self._tokens:revoke()
end

--- Releases the connection and the libcurl handle.  Idempotent.
-- close{ revoke = true } first revokes a service account's token; the
-- client is closed even when revoking fails (the error is returned).
function Client:close(opts)
  if getmetatable(self) ~= Client then error("atlas-admin: call it as client:close()", 2) end
  if opts ~= nil then
    local checked, problem = options.check("close", opts)
    if not checked then return nil, problem end -- a misspelled revoke must not close without revoking
  end
  if self._closed then return true end
  local ok, err = true, nil
  if type(opts) == "table" and opts.revoke and self._tokens then
    ok, err = self._tokens:revoke()
  end
  self._closed = true
  if self._audit then self._audit.close() end
  self._transport:close()
  local batch = package.loaded["atlas_admin.http.batch"] -- loaded only if a batch ever ran
  if batch then batch.close(self) end
  if self._cosocket then self._cosocket:close() end
  if not ok then return nil, err end
  return true
end

function Client:is_closed()
  if getmetatable(self) ~= Client then error("atlas-admin: call it as client:is_closed()", 2) end
  return self._closed
end

function Client:__tostring()
  local s = self._settings
  return string.format("atlas.client(%s, api %s, %s%s)", s.base_url, s.api_version,
    tostring(s.auth), self._closed and ", closed" or "")
end

M.check_self = check_self

-- Every public method: the operation rows' calls, installed by the api/
-- module of each resource, and the helpers (methods.lua says which module
-- installs what, and what loads lazily).
for _, module in ipairs(methods.CALL_MODULES) do require(module).install(Client, check_self) end

local LAZY_METHODS = {}
for _, h in ipairs(methods.HELPERS) do
  if h.lazy then LAZY_METHODS[h.module] = h.methods end
end
M.LAZY_METHODS = LAZY_METHODS

for module, names in pairs(LAZY_METHODS) do
  for _, method in ipairs(names) do
    local stub
    stub = function(...)
      require(module).install(Client, check_self)
      local real = Client[method]
      if real == stub then error("atlas-admin: " .. module .. " did not install client:" .. method, 2) end
      return real(...)
    end
    Client[method] = stub
  end
end

return M
