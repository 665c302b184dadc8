-- The official OpenAPI excerpts (../shared/reference/*.yaml, a sibling of
-- the clone) read through lyaml, and a small JSON Schema check of a
-- decoded request body against an operation's request-body schema:
-- required fields, types, enums, arrays' items (minItems, uniqueItems),
-- properties the schema does not name or marks readOnly, $ref within the
-- document, allOf (every branch) and oneOf/anyOf (shallowly: at least one
-- branch).  Formats and patterns are not checked (the C core checks ids
-- and usernames itself).
--
--   local oa = require "openapi_check"
--   local docs = oa.load()                           -- every excerpt, or an error naming the missing dir
--   local ops = oa.operations(docs, "PATCH", "/groups/{groupId}/teams/{teamId}")
--   local problems = oa.check(ops[1].doc, ops[1].schema, decoded_body)   -- {} when it conforms
local lyaml = require "lyaml"
local local_server = require "local_server"

local M = {}

M.PREFIX = "/api/atlas/v2"

-- The reference: ATLAS_ADMIN_REFERENCE if set, else ../shared/reference
-- beside the project root (as CI lays it out), else beside the checkout
-- this one was cloned from (a scratch clone of a working tree).
local function has_yaml(dir)
  local p = io.popen("ls -1 '" .. dir .. "' 2>/dev/null")
  local found = false
  for name in p:lines() do found = found or name:match("%.yaml$") ~= nil end
  p:close()
  return found
end

function M.reference_dir()
  local env = os.getenv("ATLAS_ADMIN_REFERENCE")
  if env and env ~= "" then return env end
  local beside = local_server.root .. "/../shared/reference"
  if has_yaml(beside) then return beside end
  local p = io.popen("git -C '" .. local_server.root .. "' config --get remote.origin.url 2>/dev/null")
  local origin = p:read("*l")
  p:close()
  if origin and origin:sub(1, 1) == "/" and has_yaml(origin .. "/../shared/reference") then
    return origin .. "/../shared/reference"
  end
  return beside
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("*a")
  f:close()
  return text
end

--- Every *.yaml excerpt: { { file, doc }, ... }.  Raises, naming the
-- directory, when it is missing or holds none.
function M.load()
  local dir = M.reference_dir()
  local p = io.popen("ls -1 '" .. dir .. "' 2>/dev/null")
  local names = {}
  for name in p:lines() do
    if name:match("%.yaml$") then names[#names + 1] = name end
  end
  p:close()
  if #names == 0 then
    error("conformance: no OpenAPI excerpts (*.yaml) in " .. dir .. ": the official reference must be checked out "
      .. "as ../shared/reference beside the project (as in CI)", 2)
  end
  table.sort(names)
  local docs = {}
  for _, name in ipairs(names) do
    local doc = lyaml.load(assert(read(dir .. "/" .. name)))
    assert(type(doc) == "table" and type(doc.paths) == "table", name .. ": not an OpenAPI document")
    docs[#docs + 1] = { file = name, doc = doc }
  end
  return docs
end

-- "/groups/{groupId}/teams/{teamId}" and "/groups/{g}/teams/{t}" are one template.
local function template_key(path)
  return (path:gsub("{[^}]*}", "{}"))
end
M.template_key = template_key

--- The operations of every document at method and path (a template under
-- /api/atlas/v2): { { file, doc, operation_id, schema | nil }, ... }; schema
-- is the request body's (its first media type).
function M.operations(docs, method, path)
  local want, out = template_key(M.PREFIX .. path), {}
  for _, d in ipairs(docs) do
    for p, item in pairs(d.doc.paths) do
      local op = template_key(p) == want and item[method:lower()]
      if op then
        local schema
        if type(op.requestBody) == "table" and type(op.requestBody.content) == "table" then
          local types = {}
          for media in pairs(op.requestBody.content) do types[#types + 1] = media end
          table.sort(types)
          if types[1] then schema = op.requestBody.content[types[1]].schema end
        end
        out[#out + 1] = { file = d.file, doc = d.doc, operation_id = op.operationId, schema = schema }
      end
    end
  end
  return out
end

local function resolve(doc, schema, seen)
  while type(schema) == "table" and schema["$ref"] do
    local ref = schema["$ref"]
    if seen[ref] then error("conformance: $ref loop at " .. ref) end
    seen[ref] = true
    local node = doc
    assert(ref:sub(1, 2) == "#/", "only $refs within the document are supported: " .. ref)
    for part in ref:sub(3):gmatch("[^/]+") do
      node = type(node) == "table" and node[part:gsub("~1", "/"):gsub("~0", "~")] or nil
    end
    if node == nil then error("conformance: unresolved $ref " .. ref) end
    schema = node
  end
  return schema
end

-- lua-cjson decodes [] and {} alike (Debian's has no array metatable), so
-- a table is an array when its keys are exactly 1..n, an object when it
-- has a key that is not; the empty table is either.
local function is_array(v)
  if type(v) ~= "table" then return false end
  local n = 0
  for k in pairs(v) do
    if type(k) ~= "number" or k < 1 or k % 1 ~= 0 then return false end
    n = n + 1
  end
  return n == #v
end

local function type_ok(v, t)
  if t == "object" then return type(v) == "table" and (next(v) == nil or not is_array(v)) end
  if t == "array" then return is_array(v) end
  if t == "string" then return type(v) == "string" end
  if t == "boolean" then return type(v) == "boolean" end
  if t == "number" then return type(v) == "number" end
  if t == "integer" then return type(v) == "number" and v == math.floor(v) end
  return true
end

local function json_type(v)
  if type(v) == "table" and next(v) ~= nil and is_array(v) then return "array" end
  if type(v) == "table" then return "object" end
  return type(v)
end

local check

-- Every property named by the schema or its allOf branches.
local function known_properties(doc, schema, into)
  schema = resolve(doc, schema, {})
  for name, prop in pairs(schema.properties or {}) do into[name] = resolve(doc, prop, {}) end
  for _, branch in ipairs(schema.allOf or {}) do known_properties(doc, branch, into) end
  return into
end

-- partial: schema is one branch of an allOf/oneOf, so the fields it does
-- not name may be another branch's.
check = function(doc, schema, v, path, out, partial)
  schema = resolve(doc, schema, {})
  if type(schema) ~= "table" then return end
  local function problem(msg) out[#out + 1] = (path == "" and "body" or path) .. ": " .. msg end
  for _, branch in ipairs(schema.allOf or {}) do check(doc, branch, v, path, out, true) end
  local alternatives = schema.oneOf or schema.anyOf
  if alternatives then
    local any = false
    for _, branch in ipairs(alternatives) do
      local sub = {}
      check(doc, branch, v, path, sub, true)
      if #sub == 0 then any = true break end
    end
    if not any then problem("matches none of the schema's oneOf/anyOf branches") end
  end
  if schema.type and not type_ok(v, schema.type) then
    problem("must be " .. schema.type .. ", got " .. json_type(v))
    return
  end
  if schema.enum then
    local found = false
    for _, e in ipairs(schema.enum) do if e == v then found = true break end end
    if not found then problem(string.format("%q is not one of the schema's enum values", tostring(v))) end
  end
  if is_array(v) and schema.type ~= "object" then
    if schema.minItems and #v < schema.minItems then problem("has " .. #v .. " items, fewer than " .. schema.minItems) end
    if schema.uniqueItems then
      local seen = {}
      for i, item in ipairs(v) do
        if type(item) ~= "table" then
          if seen[item] then problem("item " .. i .. " repeats item " .. seen[item] .. " (uniqueItems)") end
          seen[item] = i
        end
      end
    end
    if schema.items then
      for i, item in ipairs(v) do check(doc, schema.items, item, path .. "[" .. i .. "]", out) end
    end
  end
  if type(v) == "table" and (next(v) == nil or not is_array(v))
    and (schema.type == "object" or schema.properties or schema.required) then
    for _, name in ipairs(schema.required or {}) do
      if v[name] == nil then problem("required field " .. name .. " is missing") end
    end
    local props = known_properties(doc, schema, {})
    local names = {}
    for name in pairs(v) do names[#names + 1] = tostring(name) end
    table.sort(names)
    for _, name in ipairs(names) do
      local prop = props[name]
      local where = path == "" and name or (path .. "." .. name)
      if prop == nil then
        if not partial and next(props) ~= nil and not schema.additionalProperties then
          out[#out + 1] = where .. ": the schema has no such field"
        end
      elseif prop.readOnly then
        out[#out + 1] = where .. ": the schema marks it readOnly (a response field, never sent)"
      else
        check(doc, prop, v[name], where, out)
      end
    end
  end
end

--- The problems of a body decoded by lua-cjson against a schema of doc:
-- a list of "path: what" strings, empty when it conforms.
function M.check(doc, schema, body)
  local out = {}
  check(doc, schema, body, "", out)
  return out
end

return M
