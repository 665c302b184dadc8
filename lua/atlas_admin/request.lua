-- Builds a prepared request: plain data, no I/O, no secrets.
--
--   { operation, method, path, query, url, headers, body, envelope }
--
-- Authorization is not part of it: the transport adds it (digest through
-- libcurl, bearer from the credential), so a prepared request can be shown
-- in a dry run or a trace as it is.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"

local M = {}

M.DEFAULT_API_VERSION = "2023-01-01"

-- Media type and path prefix for an api_version ("v1.0" or a date).
function M.versioning(api_version)
  if api_version == "v1.0" then
    return "/api/atlas/v1.0", "application/json"
  end
  return "/api/atlas/v2", "application/vnd.atlas." .. api_version .. "+json"
end

-- Checks path parameters; returns the expanded path or nil, err.
local function expand_path(op, name, args)
  local path, problem
  path = op.path:gsub("{(%w+)}", function(param)
    if problem then return "" end
    local value
    for i, p in ipairs(op.params) do
      if p == param then value = args[i] end
    end
    local ok, field, message = core.check_id(value, param)
    if not ok then
      problem = errors.validation(field, message, name)
      return ""
    end
    return value
  end)
  if problem then return nil, problem end
  return path
end

-- Encodes the body's fields in the operation's order.  Each value goes
-- through cjson; only the object's braces and commas are joined here.
local function encode_body(op, body, json)
  local parts = {}
  for _, field in ipairs(op.body_fields) do
    local value = body[field]
    if value ~= nil then
      local encoded, err = json.encode(value)
      if not encoded then return nil, err end
      parts[#parts + 1] = json.encode(field) .. ":" .. encoded
    end
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Merges per-call flags over the client's defaults, in the order the
-- operation lists them; only true flags are sent (false is the API's default).
local function build_query(op, call_opts, defaults)
  local parts, flags = {}, {}
  for _, flag in ipairs(op.query) do
    local v = call_opts[flag]
    if v == nil then v = defaults[flag] end
    flags[flag] = v == true
    if v == true then parts[#parts + 1] = flag .. "=true" end
  end
  return table.concat(parts, "&"), flags
end

-- settings: { base_url, api_version, extra_roles_set, envelope, pretty, json }
-- args: path parameters in order; body: request table; call_opts: checked flags.
function M.prepare(name, op, settings, args, body, call_opts)
  local path, err = expand_path(op, name, args)
  if not path then return nil, err end

  local encoded
  if op.body then
    local ok, field, message = core.check_body(op.body, body, settings.extra_roles_set)
    if not ok then return nil, errors.validation(field, message, name) end
    encoded, err = encode_body(op, body, settings.json)
    if not encoded then return nil, errors.validation("body", "cannot encode body: " .. tostring(err), name) end
  end

  local prefix, media_type = M.versioning(settings.api_version)
  local query, flags = build_query(op, call_opts, settings)
  local headers = { Accept = media_type }
  if encoded then headers["Content-Type"] = media_type end
  path = prefix .. path
  return {
    operation = name,
    method = op.method,
    path = path,
    query = query,
    url = settings.base_url .. path .. (query ~= "" and "?" .. query or ""),
    headers = headers,
    body = encoded,
    envelope = flags.envelope or false,
  }
end

return M
