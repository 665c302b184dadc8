-- Deterministic JSON: objects with sorted keys, an empty table as [].
-- Request bodies, the CLI's JSON output and access files written as JSON
-- go through here, so the same data always gives the same bytes (stable
-- dry runs, traces, diffs and tests).  Strings and numbers are encoded by
-- lua-cjson; only the structure is walked here.
--
-- Why [] for every empty table: Debian's lua-cjson 2.1.0 has no
-- empty-array marker and writes {}, and in everything this module encodes
-- an empty table is an empty list (teamIds, usernames, a plan, a report's
-- projects...); validation refuses empty objects where one could occur.
local cjson_safe = require "cjson.safe"

local M = {}

local default_json = cjson_safe.new()

local function is_list(v)
  return v[1] ~= nil
end

local function encode_value(v, json, out, depth)
  if depth > 64 then return nil, "nested too deeply" end
  if type(v) ~= "table" then
    local encoded, err = json.encode(v)
    if not encoded then return nil, err end
    out[#out + 1] = encoded
    return true
  end
  if next(v) == nil then
    out[#out + 1] = "[]"
    return true
  end
  if is_list(v) then
    if type(v[1]) == "string" and type(v[#v]) == "string" then -- names, ids: cjson does a flat list in one go
      local encoded = json.encode(v)
      if encoded and not encoded:find("^{") then
        out[#out + 1] = encoded
        return true
      end
    end
    out[#out + 1] = "["
    for i = 1, #v do
      if i > 1 then out[#out + 1] = "," end
      local ok, err = encode_value(v[i], json, out, depth + 1)
      if not ok then return nil, err end
    end
    out[#out + 1] = "]"
    return true
  end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= "string" and type(k) ~= "number" then return nil, "a key of type " .. type(k) end
    keys[#keys + 1] = tostring(k)
  end
  table.sort(keys)
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    local value = v[k]
    if value == nil then value = v[tonumber(k)] end
    out[#out + 1] = (i > 1 and "," or "") .. json.encode(k) .. ":"
    local ok, err = encode_value(value, json, out, depth + 1)
    if not ok then return nil, err end
  end
  out[#out + 1] = "}"
  return true
end

--- The JSON text of value, or nil, err.  json: a cjson.safe instance
-- (the client's), or a private one.
function M.encode(value, json)
  local out = {}
  local ok, err = encode_value(value, json or default_json, out, 0)
  if not ok then return nil, err end
  -- lua-cjson 2.1.0 writes / as \/ (valid, and noisy in paths and names);
  -- cjson never writes a bare /, so each \/ is exactly one escaped slash.
  return (table.concat(out):gsub("\\/", "/"))
end

return M
