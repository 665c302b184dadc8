-- Checks client options and per-call options.  Returns the normalised
-- settings, or nil, err (kind "validation") naming the option and the fix.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local operations = require "atlas_admin.http.operations"
local suggest = require "atlas_admin.util.suggest"

local M = {}

M.DEFAULTS = {
  base_url = "https://cloud.mongodb.com",
  api_version = "2023-01-01",
  timeout = 30,
  connect_timeout = 10,
  max_response_bytes = 8 * 1024 * 1024,
  max_header_bytes = 64 * 1024,
  low_speed_limit = 1,
  low_speed_time = 30,
}

local function bad(field, message)
  return nil, errors.validation(field, message, "client")
end

-- What an option's value may be: the words for it and the check.  Every
-- options table of every public method is checked against these (M.check).
local function whole(v, lo, hi)
  return type(v) == "number" and v == math.floor(v) and v >= lo and v <= hi
end
M.MAX_CONCURRENCY = 64
local KINDS = {
  boolean = { "true or false", function(v) return type(v) == "boolean" end },
  retries = { "a whole number from 0 (no retries) to 20", function(v) return whole(v, 0, 20) end },
  seconds = { "a number of seconds from 0.001 to 31536000 (a year)",
    function(v) return type(v) == "number" and v >= 0.001 and v <= 31536000 end },
  concurrency = { "a whole number from 1 to " .. M.MAX_CONCURRENCY, function(v) return whole(v, 1, M.MAX_CONCURRENCY) end },
  count = { "a whole number of at least 0", function(v) return whole(v, 0, 1e9) end },
  rate = { "a positive number of requests per second, or nil for no limit",
    function(v) return type(v) == "number" and v > 0 and v < math.huge end },
  callback = { "a function", function(v) return type(v) == "function" end },
  directory = { "the path of a directory", function(v) return type(v) == "string" and v ~= "" and not v:find("%z") end },
  projects = { "a non-empty list of project names or ids", function(v)
    if type(v) ~= "table" or #v == 0 then return false end
    for k, name in pairs(v) do
      if type(k) ~= "number" or type(name) ~= "string" or name == "" then return false end
    end
    return true
  end },
  rules = { "a table like { inactive_user = { days = 60 }, expiring_secret = false }",
    function(v) return type(v) == "table" end },
  statuses = { "\"all\" or a list of statuses like { \"ACTIVE\", \"PENDING\" }",
    function(v) return v == "all" or type(v) == "table" end },
}

local function check_base_url(v)
  if type(v) ~= "string" then return bad("base_url", "base_url must be a string like \"https://cloud.mongodb.com\"") end
  local scheme, rest = v:match("^(%a[%w+.-]*)://(.*)$")
  if not scheme or (scheme:lower() ~= "https" and scheme:lower() ~= "http") then
    return bad("base_url", "base_url must start with https:// (or http:// for a local server)")
  end
  local authority = rest:match("^([^/?#]*)")
  if authority == "" then return bad("base_url", "base_url has no host") end
  if authority:find("@", 1, true) then
    return bad("base_url", "base_url must not carry credentials (user:password@); pass them with auth")
  end
  if rest:find("[?#%s%c]") then
    return bad("base_url", "base_url must be a plain URL without query, fragment or spaces")
  end
  return (v:gsub("/+$", ""))
end

local function is_version_date(v)
  return type(v) == "string" and (v:match("^%d%d%d%d%-%d%d%-%d%d$") or v:match("^%d%d%d%d%-%d%d%-%d%d%.upcoming$")) ~= nil
end

-- Media-type versions per resource.  api_version (the seeds' option) sets
-- the invitation calls' version only: the Cloud Users calls exist at
-- another date, and sending one resource's date to the other gets a 406.
-- api_versions = { invitations = ..., users = ... } sets either.
local function check_api_versions(opts)
  local versions = {}
  for resource, r in pairs(operations.resources) do versions[resource] = r.default_version end
  local given = opts.api_versions
  if given ~= nil then
    if type(given) ~= "table" then
      return bad("api_versions", "api_versions must be a table like { invitations = \"2023-01-01\", users = \"2025-02-19\" }")
    end
    local names = {}
    for resource in pairs(operations.resources) do names[#names + 1] = resource end
    for k, v in pairs(given) do
      local r = operations.resources[k]
      if not r then return bad("api_versions." .. tostring(k), suggest.unknown("resource", k, names)) end
      if not (is_version_date(v) or (v == "v1.0" and r.v1)) then
        return bad("api_versions." .. k, "api_versions." .. k .. " must be a version date like \""
          .. r.default_version .. "\" (the default)" .. (r.v1 and " or \"v1.0\"" or ""))
      end
      versions[k] = v
    end
  end
  if opts.api_version ~= nil then
    local v = opts.api_version
    if not (is_version_date(v) or v == "v1.0") then
      return bad("api_version", "api_version must be a version date like \"2023-01-01\" (the default) or \"v1.0\"")
    end
    if given and given.invitations and given.invitations ~= v then
      return bad("api_version", "api_version and api_versions.invitations disagree; set one of them")
    end
    versions.invitations = v
  end
  return versions
end

-- A number of seconds libcurl can honour: at least 1 ms (libcurl reads a
-- timeout of 0 ms as "no timeout", so a smaller value would silently mean
-- forever) and at most a year.
local function seconds(field, v)
  if not KINDS.seconds[2](v) then return bad(field, field .. " must be " .. KINDS.seconds[1] .. ", got " .. tostring(v)) end
  return v
end

-- A byte count within [min, max].
local function byte_count(field, v, min, max)
  if type(v) ~= "number" or v ~= v or v < min or v > max or v ~= math.floor(v) then
    return bad(field, string.format("%s must be a whole number of bytes from %d to %d, got %s", field, min, max,
      tostring(v)))
  end
  return v
end

local function optional_path(field, v, what)
  if v == nil then return true end
  if type(v) ~= "string" or v == "" or v:find("%z") then
    return bad(field, field .. " must be the path of " .. what)
  end
  return v
end

local function check_extra_roles(v)
  if type(v) ~= "table" then
    return bad("extra_roles", "extra_roles must be a list of role names, e.g. { \"GROUP_REPLICA_SET_MANAGER\" }")
  end
  local set, n = {}, 0
  for k in pairs(v) do
    if type(k) ~= "number" then return bad("extra_roles", "extra_roles must be a list, not a table with named keys") end
    n = n + 1
  end
  for i = 1, n do
    local role = v[i]
    if type(role) ~= "string" or not role:match("^[A-Z][A-Z0-9_]*$") then
      return bad("extra_roles[" .. i .. "]", "extra_roles[" .. i .. "] must be an upper-case role name like GROUP_REPLICA_SET_MANAGER")
    end
    set[role] = true
  end
  return set
end

local CLIENT_KEYS = {
  auth = true, base_url = true, api_version = true, api_versions = true, timeout = true, connect_timeout = true,
  ca_file = true, envelope = true, pretty = true, extra_roles = true, on_warning = true,
  max_response_bytes = true, max_header_bytes = true, low_speed_limit = true, low_speed_time = true,
  ca_path = true, proxy = true, trace = true, legacy_invitations = true, user_agent = true,
  token_refresh_margin = true, token_store = true, clock = true,
  retries = true, retry_base = true, retry_max_wait = true, retry_deadline = true, on_retry = true,
  sleep = true, random = true, allow_insecure_http = true, transport = true, shared_dict = true, audit = true,
}

local function unknown_key(t, known, what)
  for k in pairs(t) do
    if not known[k] then
      local names = {}
      for name in pairs(known) do names[#names + 1] = name end
      return tostring(k), suggest.unknown(what, k, names)
    end
  end
end

-- Returns settings { auth, auth_kind, base_url, api_version, timeout, ... }.
function M.client(opts)
  if type(opts) ~= "table" then
    return bad("options", "atlas.client takes a table of options, e.g. atlas.client{ auth = atlas.digest(public, private) }")
  end
  local field, message = unknown_key(opts, CLIENT_KEYS, "client option")
  if field then return bad(field, message) end

  local s = {}
  s.auth_kind = core.credential_kind(opts.auth)
  if not s.auth_kind then
    return bad("auth", "auth is required: atlas.digest(public_key, private_key), atlas.bearer(token) "
      .. "or atlas.service_account(client_id, client_secret)" .. (opts.auth == nil
        and " (those return nil, err when a key is missing, e.g. an unset environment variable: check err)"
        or " (got a " .. type(opts.auth) .. ")"))
  end
  s.auth = opts.auth

  local err
  s.base_url, err = check_base_url(opts.base_url == nil and M.DEFAULTS.base_url or opts.base_url)
  if not s.base_url then return nil, err end
  s.api_versions, err = check_api_versions(opts)
  if not s.api_versions then return nil, err end
  s.api_version = s.api_versions.invitations -- shown by tostring(client)
  for _, f in ipairs { "timeout", "connect_timeout" } do
    s[f], err = seconds(f, opts[f] == nil and M.DEFAULTS[f] or opts[f])
    if not s[f] then return nil, err end
  end
  s.max_response_bytes, err = byte_count("max_response_bytes",
    opts.max_response_bytes == nil and M.DEFAULTS.max_response_bytes or opts.max_response_bytes, 1024, 2 ^ 30)
  if not s.max_response_bytes then return nil, err end
  s.max_header_bytes, err = byte_count("max_header_bytes",
    opts.max_header_bytes == nil and M.DEFAULTS.max_header_bytes or opts.max_header_bytes, 1024, 16 * 2 ^ 20)
  if not s.max_header_bytes then return nil, err end
  -- Low-speed abort: fewer than low_speed_limit bytes/s for low_speed_time
  -- seconds ends the call (a trickling server cannot hold it to the end
  -- of a long timeout).
  s.low_speed_time, err = seconds("low_speed_time",
    opts.low_speed_time == nil and math.min(s.timeout, M.DEFAULTS.low_speed_time) or opts.low_speed_time)
  if not s.low_speed_time then return nil, err end
  s.low_speed_limit, err = byte_count("low_speed_limit",
    opts.low_speed_limit == nil and M.DEFAULTS.low_speed_limit or opts.low_speed_limit, 0, 1e9)
  if not s.low_speed_limit then return nil, err end
  s.ca_path, err = optional_path("ca_path", opts.ca_path, "a directory of hashed CA certificates (c_rehash)")
  if not s.ca_path then return nil, err end
  if s.ca_path == true then s.ca_path = nil end
  if opts.proxy ~= nil then
    local p = opts.proxy
    if type(p) ~= "string" or not p:match("^%a[%w+.-]*://[^%s%c]+$") then
      return bad("proxy", "proxy must be a URL like \"http://proxy.example:3128\" (or socks5h://...)")
    end
    s.proxy = p
  end

  for _, f in ipairs { "envelope", "pretty" } do
    if opts[f] ~= nil and type(opts[f]) ~= "boolean" then return bad(f, f .. " must be true or false") end
    s[f] = opts[f] == true
  end
  if opts.ca_file ~= nil then
    if type(opts.ca_file) ~= "string" then return bad("ca_file", "ca_file must be the path of a PEM file of trusted CAs") end
    local f = io.open(opts.ca_file, "r")
    if not f then return bad("ca_file", "ca_file " .. string.format("%q", opts.ca_file) .. " cannot be opened") end
    f:close()
    s.ca_file = opts.ca_file
  end
  if opts.extra_roles ~= nil then
    s.extra_roles_set, err = check_extra_roles(opts.extra_roles)
    if not s.extra_roles_set then return nil, err end
  end
  if opts.on_warning ~= nil and opts.on_warning ~= false and type(opts.on_warning) ~= "function" then
    return bad("on_warning", "on_warning must be a function(message, info), or false to silence warnings")
  end
  s.on_warning = opts.on_warning
  if opts.trace ~= nil and opts.trace ~= false and opts.trace ~= true and type(opts.trace) ~= "function" then
    return bad("trace", "trace must be a function(event), or true to print each HTTP exchange on stderr")
  end
  if opts.trace then s.trace = opts.trace end
  if opts.legacy_invitations ~= nil and type(opts.legacy_invitations) ~= "boolean" then
    return bad("legacy_invitations", "legacy_invitations must be true (the default: also look at pending "
      .. "invitations) or false (migration to Cloud users finished)")
  end
  s.legacy_invitations = opts.legacy_invitations
  if opts.user_agent ~= nil and (type(opts.user_agent) ~= "string" or opts.user_agent:find("[%c]")) then
    return bad("user_agent", "user_agent must be a string like \"my-tool/1.2\" (it is appended to ours)")
  end
  s.user_agent_suffix = opts.user_agent
  if opts.token_refresh_margin ~= nil then
    local m = opts.token_refresh_margin
    if type(m) ~= "number" or m ~= m or m < 0 or m == math.huge then
      return bad("token_refresh_margin", "token_refresh_margin must be a number of seconds >= 0")
    end
    s.token_refresh_margin = m
  end
  if opts.token_store ~= nil then
    local ts = opts.token_store
    if type(ts) ~= "table" or type(ts.load) ~= "function" or type(ts.save) ~= "function" then
      return bad("token_store", "token_store must be a table { load = function() ... end, save = function(token) ... end }")
    end
    s.token_store = ts
  end
  if opts.clock ~= nil and type(opts.clock) ~= "function" then
    return bad("clock", "clock must be a function returning the time in seconds (e.g. ngx.now)")
  end
  s.clock = opts.clock

  -- The retry policy (retry.lua has the defaults and what is retried).
  local retry = require "atlas_admin.http.retry"
  s.retries, err = M.retries("retries", opts.retries == nil and retry.DEFAULTS.retries or opts.retries, "client")
  if not s.retries then return nil, err end
  for _, f in ipairs { "retry_base", "retry_max_wait", "retry_deadline" } do
    s[f], err = seconds(f, opts[f] == nil and retry.DEFAULTS[f] or opts[f])
    if not s[f] then return nil, err end
  end
  for _, f in ipairs { "on_retry", "sleep", "random" } do
    if opts[f] ~= nil and type(opts[f]) ~= "function" then
      return bad(f, f .. " must be a function" .. (f == "sleep" and "(seconds) (the default sleeps with nanosleep, "
        .. "or ngx.sleep under OpenResty)" or f == "random" and "() returning a number in [0, 1)" or "(info)"))
    end
    s[f] = opts[f]
  end

  -- OpenResty: which send path (ngx/init.lua), and the dict that shares
  -- service-account tokens between workers.
  if opts.transport ~= nil and opts.transport ~= "auto" and opts.transport ~= "libcurl" and opts.transport ~= "cosocket" then
    return bad("transport", "transport must be \"auto\" (the default: cosockets where nginx lets a request yield, "
      .. "libcurl elsewhere), \"cosocket\" or \"libcurl\"")
  end
  if opts.transport == "cosocket" and not require("atlas_admin.ngx").ngx() then
    return bad("transport", "transport \"cosocket\" needs OpenResty (nginx with the Lua module)")
  end
  s.transport = opts.transport or "auto"
  if opts.shared_dict ~= nil then
    if type(opts.shared_dict) ~= "string" or not opts.shared_dict:match("^[%w_]+$") then
      return bad("shared_dict", "shared_dict must be the name of a lua_shared_dict, e.g. \"atlas_tokens\"")
    end
    s.shared_dict = opts.shared_dict
  end

  -- Credentials never travel in clear text to another machine.
  if opts.allow_insecure_http ~= nil and type(opts.allow_insecure_http) ~= "boolean" then
    return bad("allow_insecure_http", "allow_insecure_http must be true or false")
  end
  local scheme, authority = s.base_url:match("^(%a+)://([^/]*)")
  local host = authority:match("^%[([^%]]*)%]") or authority:match("^([^:]*)")
  if scheme:lower() == "http" and not opts.allow_insecure_http and not M.is_loopback(host) then
    return bad("base_url", "base_url " .. s.base_url .. " is plain http:// to a host that is not this machine: "
      .. "credentials would cross the network unencrypted; use https://, or set allow_insecure_http = true if "
      .. "you really mean it")
  end
  -- The audit trail (audit.lua): a function, or a JSON Lines file opened
  -- now for appending, so a path that cannot be written fails here (last:
  -- nothing after it can fail and leave the file open).
  if opts.audit ~= nil then
    local sink, problem = require("atlas_admin.http.audit").sink(opts.audit)
    if not sink then return bad("audit", problem) end
    s.audit_sink = sink
  end
  return s
end

--- true for a host name that is this machine (127.0.0.0/8, ::1, localhost).
function M.is_loopback(host)
  host = tostring(host):lower()
  return host == "localhost" or host == "::1" or host:match("^127%.%d+%.%d+%.%d+$") ~= nil
end

--- A retry count: a whole number from 0 to 20.
function M.retries(field, v, operation)
  if not KINDS.retries[2](v) then
    return nil, errors.validation(field, field .. " must be " .. KINDS.retries[1], operation)
  end
  return v
end

-- The per-call options every plain call takes (one per operation row),
-- and so the page iterators and the invitation-role helpers, which pass
-- them on to their calls.
local CALL = { envelope = "boolean", pretty = "boolean", dry_run = "boolean", retries = "retries",
  retry_deadline = "seconds", warn = "boolean", decode = "boolean" }

-- The overrides of the owner guards (owner_guards.lua names them).
local OVERRIDES = {}
-- the owner guards' overrides (converge/owner_guards.lua names the same two;
-- spec/unit/options_spec.lua holds them equal: this layer cannot require that one)
for _, option in ipairs { "allow_no_org_owner", "allow_no_project_owner" } do OVERRIDES[option] = "boolean" end

local BATCH = { concurrency = "concurrency", max_per_second = "rate", progress = "callback", stop_on_error = "boolean",
  keep_responses = "boolean" }

local function with(base, extra)
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end
local GUARDED = with(OVERRIDES, { dry_run = "boolean" })

--- The options of every public method that takes an options table: method
-- -> { option name -> kind }.  spec/safety/options_spec.lua walks every
-- public method with an options (or filter) parameter and fails when one
-- is missing here.
M.METHODS = {
  set_project_roles = { dry_run = "boolean" },
  project_access = { statuses = "statuses" }, -- its filter
  set_org_roles = GUARDED,
  offboard = GUARDED,
  set_team_members = { dry_run = "boolean", allow_no_project_owner = "boolean" },
  set_team_project_roles = { dry_run = "boolean", allow_no_project_owner = "boolean" },
  org_access = { projects = "projects" },
  export_access = { projects = "projects" },
  plan_access = with(OVERRIDES, { prune = "boolean", max_removals = "count", concurrency = "concurrency",
    allow_in_use = "boolean" }),
  apply_access = with(OVERRIDES, { prune = "boolean", max_removals = "count", concurrency = BATCH.concurrency,
    max_per_second = BATCH.max_per_second, progress = BATCH.progress, confirm = "callback", allow_in_use = "boolean",
    secrets_dir = "directory" }),
  batch = BATCH,
  access_review = { rules = "rules" }, -- each rule's own options: review/init.lua
  close = { revoke = "boolean" },
  project_users = CALL, org_users = CALL, add_invitation_roles = CALL, remove_invitation_roles = CALL,
}
for name in pairs(operations.rows) do M.METHODS[name] = CALL end

-- The known names of a method's options, sorted (for the messages).
local function sorted_names(spec)
  local names = {}
  for k in pairs(spec) do names[#names + 1] = k end
  table.sort(names)
  return names
end
-- (made when a message needs them, once per spec: most methods share CALL)
local NAMES = setmetatable({}, { __mode = "k" })
local function names_of(spec)
  local names = NAMES[spec]
  if not names then
    names = sorted_names(spec)
    NAMES[spec] = names
  end
  return names
end

-- Checks each name and value of opts against spec (names: its sorted
-- names; label: what an unknown name is called in the message).
local function check_table(spec, label, opts, operation)
  for k, v in pairs(opts) do
    local kind = spec[k]
    if not kind then return nil, errors.validation(tostring(k), suggest.unknown(label, k, names_of(spec)), operation) end
    if not KINDS[kind][2](v) then
      return nil, errors.validation(k, k .. " must be " .. KINDS[kind][1] .. ", got " .. tostring(v), operation)
    end
  end
  return opts
end

--- Checks the options table of a public method against M.METHODS: nil is
-- fine; an unknown name is refused with a suggestion, a wrong value with
-- what it must be.  Returns opts (or an empty table for nil) | nil, err
-- (kind "validation", field the option).  Nothing is sent before this.
-- what: the word for the table in messages ("options", "filter").
function M.check(method, opts, what)
  local spec = M.METHODS[method]
  if not spec then error("atlas-admin: options.check: no options table for " .. tostring(method), 2) end
  if opts == nil then return {} end
  what = what or "options"
  if type(opts) ~= "table" then
    return nil, errors.validation(what, what .. " must be a table like { " .. names_of(spec)[1] .. " = ... }, got "
      .. type(opts), method)
  end
  return check_table(spec, method .. (what == "options" and " option" or " " .. what .. " key"), opts, method)
end

-- Per-call options: nil or a table of boolean flags.  dry_run = true makes
-- a call validate and return the request it would send, sending nothing;
-- warn = false keeps this call's deprecation notice back (the helpers'
-- own reads of legacy invitations: they stop by themselves at the sunset);
-- decode = false answers a success with Atlas's JSON text as it came
-- (an app that passes the answer on does not pay for a table it never reads).
-- No options (most calls) are one shared empty table: nothing writes to it.
local NO_OPTIONS = setmetatable({}, { __newindex = function() error("atlas-admin: the call options are read-only", 2) end })
M.NO_OPTIONS = NO_OPTIONS

function M.call(opts, operation)
  if opts == nil then return NO_OPTIONS end
  if type(opts) ~= "table" then
    return nil, errors.validation("options", "call options must be a table like { envelope = true }", operation)
  end
  return check_table(CALL, "call option", opts, operation)
end

return M
