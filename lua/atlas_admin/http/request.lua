-- Builds a prepared request: plain data, no I/O, no secrets.
--
--   { url, body [, query, envelope, dry_run, quiet, text, retries, retry_deadline] }
--   and, through its metatable (shared by the operation's calls):
--   { operation, resource, method, result, presents, idempotent, headers, header_lines,
--     query = "", envelope = false, text = false, quiet = false, dry_run = false, path_at }
-- The path (for messages, audit records) is read from the URL when asked
-- for: errors.request_path(prepared).
-- (header_lines: the headers as CRLF-joined "Name: value" lines, what the
-- transports send; headers: the same as a table, for people and traces;
-- nothing writes to a prepared request's operation fields)
--
-- Authorization is not part of it: the transport adds it (digest through
-- libcurl, bearer from the credential), so a prepared request can be shown
-- in a dry run or a trace as it is.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local suggest = require "atlas_admin.util.suggest"

local M = {}

M.DEFAULT_API_VERSION = "2023-01-01"

-- Media type and path prefix for an api_version ("v1.0" or a date).
function M.versioning(api_version)
  if api_version == "v1.0" then
    return "/api/atlas/v1.0", "application/json"
  end
  return "/api/atlas/v2", "application/vnd.atlas." .. api_version .. "+json"
end

-- Path parameters that are not ids: how each is checked.  Ids are 24 hex
-- digits once checked, so they need no escaping; a team name may hold
-- anything printable and is percent-encoded (a "/" in it stays one segment).
local PARAMS = {
  teamName = function(value, param)
    local ok, field, message = core.check_team_name(value, param)
    if not ok then return nil, field, message end
    return core.url_escape(value)
  end,
}

local check_id = core.check_id
local NO_OPTIONS = require("atlas_admin.http.options").NO_OPTIONS
local id_path = core.id_path -- checks the ids and joins the path in one call

local function check_id_param(value, param)
  local ok, field, message = check_id(value, param)
  if not ok then return nil, field, message end
  return value
end

-- Cloud user statuses a listing can filter on (the spec's enum).
M.USER_STATUSES = { "ACTIVE", "PENDING", "INVITATION_EXPIRED", "INVITATION_REJECTED" }
local STATUS_SET = {}
for _, s in ipairs(M.USER_STATUSES) do STATUS_SET[s] = true end

local function integer_in(v, low, high)
  return type(v) == "number" and v == math.floor(v) and v >= low and v <= high
end

-- Checks one filter value; returns the list of query values or nil, field, message.
local FILTER_KINDS = {
  email = function(v, key)
    local ok, field, message = core.check_username(v, key)
    if not ok then return nil, field, message end
    return { v }
  end,
  id = function(v, key)
    local ok, field, message = core.check_id(v, key)
    if not ok then return nil, field, message end
    return { v }
  end,
  -- a name to search for (e.g. a project name prefix)
  text = function(v, key)
    if type(v) ~= "string" or v == "" or #v > 256 or v:find("%c") then
      return nil, key, key .. " must be a non-empty string without control characters (at most 256 bytes)"
    end
    return { v }
  end,
  boolean = function(v, key)
    if type(v) ~= "boolean" then return nil, key, key .. " must be true or false" end
    return { tostring(v) }
  end,
  statuses = function(v, key)
    local msg = key .. " must be a list of statuses from " .. table.concat(M.USER_STATUSES, ", ")
      .. ', e.g. { "ACTIVE", "PENDING" }'
    if type(v) ~= "table" or #v == 0 then return nil, key, msg end
    local seen, values = {}, {}
    for k in pairs(v) do
      if not integer_in(k, 1, #v) then return nil, key, msg end
    end
    for i, s in ipairs(v) do
      local field = key .. "[" .. i .. "]"
      if not STATUS_SET[s] then
        local hint = type(s) == "string" and suggest.closest(s:upper(), M.USER_STATUSES)
        return nil, field, field .. ": " .. string.format("%q", tostring(s)) .. " is not a status; "
          .. (hint and ("did you mean " .. hint .. "? ") or "") .. "use one of " .. table.concat(M.USER_STATUSES, ", ")
      end
      if seen[s] then return nil, field, field .. ": " .. s .. " is listed twice" end
      seen[s] = true
      values[#values + 1] = s
    end
    return values
  end,
  page_size = function(v, key)
    if not integer_in(v, 1, 500) then return nil, key, key .. " must be a whole number from 1 to 500" end
    return { string.format("%d", v) }
  end,
  page = function(v, key)
    if not integer_in(v, 1, 2 ^ 31 - 1) then return nil, key, key .. " must be a whole number of at least 1" end
    return { string.format("%d", v) }
  end,
}

-- Validates a filter table against the operation's filters; returns the
-- query parts (escaped "param=value" strings) or nil, err.
local function build_filters(op, name, filter)
  local parts = {}
  if filter == nil then return parts end
  local known = {}
  for _, f in ipairs(op.filters or {}) do known[f.key] = f end
  if type(filter) ~= "table" then
    local keys = {}
    for _, f in ipairs(op.filters or {}) do keys[#keys + 1] = f.key end
    return nil, errors.validation("filter", "the filter must be a table like { " .. (keys[1] or "?")
      .. " = ... }, got " .. type(filter), name)
  end
  for k in pairs(filter) do
    if not known[k] then
      local keys = {}
      for _, f in ipairs(op.filters or {}) do keys[#keys + 1] = f.key end
      return nil, errors.validation(tostring(k), suggest.unknown("filter", k, keys), name)
    end
  end
  for _, f in ipairs(op.filters) do
    local v = filter[f.key]
    if v ~= nil then
      local values, field, message = FILTER_KINDS[f.kind](v, f.key)
      if not values then return nil, errors.validation(field, message, name) end
      for _, value in ipairs(values) do
        parts[#parts + 1] = f.param .. "=" .. core.url_escape(value)
      end
    end
  end
  return parts
end

-- Merges per-call flags over the client's defaults, in the order the
-- operation lists them; only true flags are sent (false is the API's default).
local function add_flags(parts, op, call_opts, defaults)
  local flags = {}
  for _, flag in ipairs(op.query) do
    local v = call_opts[flag]
    if v == nil then v = defaults[flag] end
    flags[flag] = v == true
    if v == true then parts[#parts + 1] = flag .. "=true" end
  end
  return flags
end

-- The path builder of an operation: args -> path | nil, err.  The usual
-- shapes (up to two ids: nearly every call) are one call into the C core
-- (checks and join); the rest go through the general loop.
local function path_builder(name, prefix, pieces, params, tail)
  local ids_only = true
  for _, p in ipairs(params) do
    if p.check ~= check_id_param then ids_only = false end
  end
  if #params == 0 then
    local path = prefix .. tail
    return function() return path end
  elseif ids_only and #params == 1 then
    local head, i1, n1 = prefix .. pieces[1], params[1].index, params[1].name
    return function(args)
      local path, field, message = id_path(head, args[i1], n1, tail)
      if not path then return nil, errors.validation(field, message, name) end
      return path
    end
  elseif ids_only and #params == 2 then
    local head, mid = prefix .. pieces[1], pieces[2]
    local i1, n1, i2, n2 = params[1].index, params[1].name, params[2].index, params[2].name
    return function(args)
      local path, field, message = id_path(head, args[i1], n1, mid, args[i2], n2, tail)
      if not path then return nil, errors.validation(field, message, name) end
      return path
    end
  end
  return function(args)
    local path = prefix
    for i, p in ipairs(params) do
      local segment, field, message = p.check(args[p.index], p.name)
      if not segment then return nil, errors.validation(field, message, name) end
      path = path .. pieces[i] .. segment
    end
    return path .. tail
  end
end

--- What a call of an operation needs that depends only on the operation
-- and the client: its path split into literal pieces and parameters (with
-- their checkers), the URL's prefix, the header tables (shared by every
-- call: nothing writes to them), the flags' defaults.  The client keeps one
-- per operation (Client:_compiled), so a call does only its own work.
function M.compile(name, op, settings)
  local prefix, media_type = M.versioning(settings.api_versions[op.resource])
  local pieces, params = {}, {}
  local at = 1
  for before, param, after in op.path:gmatch("()({%w+})()") do
    pieces[#pieces + 1] = op.path:sub(at, before - 1)
    local pname = param:sub(2, -2)
    local index
    for i, p in ipairs(op.params) do
      if p == pname then index = i end
    end
    params[#params + 1] = { index = index, name = pname, check = PARAMS[pname] or check_id_param }
    at = after
  end
  local tail = op.path:sub(at)
  local default_query = {}
  for _, flag in ipairs(op.query) do
    if settings[flag] == true then default_query[#default_query + 1] = flag .. "=true" end
  end
  -- Headers: a table for people (dry runs, traces), and the same as
  -- CRLF-joined lines, what the transports send: a transport keeps what it
  -- built from an unchanged string (the libcurl header list), so a call
  -- builds none.  A call sends Content-Type when its operation has a body.
  local headers, header_lines = { Accept = media_type }, "Accept: " .. media_type
  if op.body then
    headers["Content-Type"] = media_type
    header_lines = header_lines .. "\r\nContent-Type: " .. media_type
  end
  local operation_fields = {
    operation = name, resource = op.resource, method = op.method, result = op.result, presents = op.presents,
    idempotent = op.idempotent, headers = headers, header_lines = header_lines, dry_run = false,
    query = "", envelope = false, text = false, quiet = false,
    -- where the path begins in the URL (errors.request_path: a request's
    -- path is read from its URL when a message needs it)
    path_at = #settings.base_url + 1,
  }
  return {
    -- a prepared request's metatable: the operation's fields, shared
    prepared_mt = { __index = operation_fields },
    name = name, op = op, method = op.method, resource = op.resource, result = op.result, presents = op.presents,
    idempotent = op.idempotent, schema = op.body and core.body_schema(op.body), base = settings.base_url .. prefix, prefix = prefix,
    -- the URL's path part, with its ids checked and the base URL in front
    build_url = path_builder(name, settings.base_url .. prefix, pieces, params, tail),
    -- the query when the call passes no filter and no flag of its own
    default_query = table.concat(default_query, "&"),
  }
end

-- true when the call's options set none of the query flags.
local function flags_default(op, call_opts)
  for _, flag in ipairs(op.query) do
    if call_opts[flag] ~= nil then return false end
  end
  return true
end

--- The prepared request of a call of a compiled operation.  settings: the
-- client's; args: path parameters in order; body: the request table or
-- nil; call_opts: checked per-call options; filter: the caller's filter
-- table or nil.  Returns the prepared request or nil, err.
function M.prepare_compiled(c, settings, args, body, call_opts, filter)
  local url, err = c.build_url(args)
  if not url then return nil, err end

  local encoded
  if c.schema then
    -- validated and encoded in one call into the C core
    local ok, field_or_json, message = core.check_body(c.schema, body, settings.extra_roles_set)
    if not ok then return nil, errors.validation(field_or_json, message, c.name) end
    encoded = field_or_json
  end

  local query, envelope
  if filter == nil and (call_opts == NO_OPTIONS or flags_default(c.op, call_opts)) then
    query, envelope = c.default_query, settings.envelope == true
  else
    local parts
    parts, err = build_filters(c.op, c.name, filter)
    if not parts then return nil, err end
    envelope = add_flags(parts, c.op, call_opts, settings).envelope
    query = table.concat(parts, "&")
  end
  -- What is the call's own (two fields: a small table); the operation's
  -- fields are read through the compiled operation's metatable.
  local prepared = setmetatable({
    url = query ~= "" and url .. "?" .. query or url,
    body = encoded,
  }, c.prepared_mt)
  -- (query = "" and envelope = false come from the operation's fields)
  if query ~= "" then prepared.query = query end
  if envelope then prepared.envelope = true end
  if call_opts ~= NO_OPTIONS then
    if call_opts.dry_run then prepared.dry_run = true end
    if call_opts.warn == false then prepared.quiet = true end
    if call_opts.decode == false then
      -- the answer's JSON text is the result: the envelope's status would
      -- have to be decoded, and a page has to be decoded to follow the next
      if envelope then
        return nil, errors.validation("decode", "decode = false returns Atlas's JSON text as it came; it cannot "
          .. "be used with envelope = true (the envelope's status is in the JSON)", c.name)
      end
      if c.result == "page" then
        return nil, errors.validation("decode", "decode = false is for calls answered in one response; "
          .. c.name .. " follows the pages, which needs each page decoded", c.name)
      end
      prepared.text = true
    end
    if call_opts.retries then prepared.retries = call_opts.retries end
    if call_opts.retry_deadline then prepared.retry_deadline = call_opts.retry_deadline end
  end
  return prepared
end

--- The prepared request of one call (compiling the operation on the way;
-- the client keeps compiled operations instead).
function M.prepare(name, op, settings, args, body, call_opts, filter)
  return M.prepare_compiled(M.compile(name, op, settings), settings, args, body, call_opts, filter)
end

return M
