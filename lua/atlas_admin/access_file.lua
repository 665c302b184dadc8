-- Access files: who may access an organization, as a reviewed YAML or
-- JSON file, and the plain data it stands for.
--
--   atlas.load_access(text_or_path) -> spec | nil, err
--   atlas.dump_access(spec, "yaml" | "json") -> text (deterministic)
--
-- The file (YAML and JSON have the same structure):
--   org: <24 hex>                          required
--   users: { username: [ORG roles] }       optional: org membership and org roles
--   teams: { team name: [usernames] }      optional: team -> members
--   projects:                              optional: project name or id ->
--     <project>: { users: { username: [project roles] }, teams: { team: [project roles] } }
--
-- The spec is the same shape in Lua (usernames and team names as keys,
-- role and member lists as sequences), so anything that produces it (an
-- LDAP export, an HR roster) can feed plan_access.  load_access checks the
-- file's structure (keys, roles, usernames, duplicates, empty lists) and
-- reports every problem at once, each with its path and line; what needs
-- Atlas (does a project exist, is a person in the org) plan_access checks.
--
-- YAML is read through lyaml's event parser (Debian's lua-yaml) rather than
-- lyaml.load: the events carry line numbers, so every problem names its
-- line, and a key given twice is caught instead of silently overwritten.
-- Every scalar is a string (no YAML type guessing: an id of 24 digits stays
-- text, NO stays NO); anchors, aliases and tags are refused (no expansion
-- bombs), as are files over 8 MiB and nesting deeper than 32.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local jsonenc = require "atlas_admin.jsonenc"

local M = {}

M.MAX_BYTES = 8 * 1024 * 1024
M.MAX_DEPTH = 32
M.MAX_PROBLEMS = 50

local TOP_KEYS = { org = true, users = true, teams = true, projects = true }
local PROJECT_KEYS = { users = true, teams = true }

---------------------------------------------------------------------------
-- Reading: text -> a tree of nodes { kind = "map" | "list" | "scalar",
-- value | items | entries, line }.
---------------------------------------------------------------------------

-- lyaml's syntax errors read "<problem> at document: 1, line: 3, column: 1
-- [\nwhile parsing <what> at line: 2, column: 4]" (lines from 1): the
-- problem's line, and the problem with where its construct started.
local function syntax_error(message)
  message = tostring(message)
  local problem, line = message:match("^(.-) at document: %d+, line: (%d+)")
  local context, at = message:match("\n(while %a+ [^\n]-) at line: (%d+)")
  if not problem then return "syntax error: " .. (message:gsub("\n.*", "")), nil end
  return "syntax error: " .. problem .. (context and (" (" .. context .. " that starts on line " .. at .. ")") or ""),
    tonumber(line)
end

local function build_tree(text)
  local ok_lib, yaml = pcall(require, "yaml")
  if not ok_lib then
    return nil, "cannot read YAML: Debian's lua-yaml (lyaml) is not installed (apt-get install lua-yaml)"
  end
  local stack, root, depth = {}, nil, 0
  local pending_key = {}
  local function add(node)
    local parent = stack[#stack]
    if not parent then
      root = root or node
      return
    end
    if parent.kind == "list" then
      parent.items[#parent.items + 1] = node
    elseif pending_key[#stack] == nil then
      if node.kind ~= "scalar" then error({ line = node.line, message = "a key must be plain text" }, 0) end
      pending_key[#stack] = node
    else
      parent.entries[#parent.entries + 1] = { key = pending_key[#stack], value = node }
      pending_key[#stack] = nil
    end
  end
  local ok, err = pcall(function()
    for ev in yaml.parser(text) do
      local line = ev.start_mark and ev.start_mark.line + 1 or nil
      local t = ev.type
      if ev.anchor or t == "ALIAS" then
        error({ line = line, message = "anchors and aliases (&, *) are not allowed in an access file" }, 0)
      end
      if ev.tag then error({ line = line, message = "tags (!) are not allowed in an access file" }, 0) end
      if t == "DOCUMENT_START" and root then
        error({ line = line, message = "an access file holds one document (found a second ---)" }, 0)
      elseif t == "MAPPING_START" or t == "SEQUENCE_START" then
        depth = depth + 1
        if depth > M.MAX_DEPTH then error({ line = line, message = "nested deeper than " .. M.MAX_DEPTH }, 0) end
        local node = t == "MAPPING_START" and { kind = "map", entries = {}, line = line }
          or { kind = "list", items = {}, line = line }
        add(node)
        stack[#stack + 1] = node
      elseif t == "MAPPING_END" or t == "SEQUENCE_END" then
        pending_key[#stack] = nil
        stack[#stack] = nil
        depth = depth - 1
      elseif t == "SCALAR" then
        add({ kind = "scalar", value = ev.value, line = line, plain = ev.style == "PLAIN" })
      end
    end
  end)
  if not ok then
    if type(err) == "table" then return nil, err.message, err.line end
    return nil, syntax_error(err)
  end
  return root
end

---------------------------------------------------------------------------
-- Checking: the tree -> the spec, every problem collected.
---------------------------------------------------------------------------

local Check = {}
Check.__index = Check

-- A core message without its leading "<field>: " (the problem line names the path).
function Check.strip(message, field)
  if message:sub(1, #field) == field then message = message:sub(#field + 1):gsub("^:?%s*", "") end
  return message
end

function Check:problem(path, line, message)
  if #self.problems >= M.MAX_PROBLEMS then return end
  self.problems[#self.problems + 1] = { path = path, line = line, message = message }
end

-- path.key, or path["key"] for a key a dot would make ambiguous.
local function join(path, key)
  if not key:match("^[%w@%._%-+]+$") then return path .. '["' .. key .. '"]' end
  if path == "" then return key end
  return path .. "." .. key
end

-- A scalar's text, or nil with a problem.
function Check:scalar(node, path, what)
  if node.kind ~= "scalar" then
    self:problem(path, node.line, "must be " .. what .. ", not a " .. (node.kind == "map" and "mapping" or "list"))
    return nil
  end
  return node.value
end

-- A YAML null (empty value, ~, null), or an empty Lua table: where a list
-- or a mapping belongs, nothing.
local function is_null(node)
  return node.kind == "empty"
    or (node.kind == "scalar" and node.plain and (node.value == "" or node.value == "~" or node.value == "null"))
end

-- A mapping's entries, keys unique (exactly, or as usernames: without case).
function Check:entries(node, path, what, as_usernames)
  if node.kind == "empty" then return {} end
  if node.kind ~= "map" then
    self:problem(path, node.line, "must be a mapping of " .. what)
    return {}
  end
  local out, seen = {}, {}
  for _, e in ipairs(node.entries) do
    local key = e.key.value
    local norm = as_usernames and key:lower() or key
    if seen[norm] then
      self:problem(join(path, key), e.key.line, (as_usernames and "a person named twice (also line " or
        "named twice (also line ") .. seen[norm] .. (as_usernames and "; usernames compare without case)" or ")"))
    else
      seen[norm] = e.key.line
      out[#out + 1] = e
    end
  end
  return out
end

-- A list of role names of a kind ("org" or "project"), non-empty, unique.
function Check:roles(node, path, kind)
  local what = kind == "org" and "a list of organization roles, e.g. [ORG_MEMBER]"
    or "a list of project roles, e.g. [GROUP_READ_ONLY]"
  if is_null(node) or (node.kind == "list" and #node.items == 0) then
    self:problem(path, node.line, "is an empty role list; to remove someone, delete the line (and plan with prune)")
    return nil
  end
  if node.kind ~= "list" then
    self:problem(path, node.line, "must be " .. what)
    return nil
  end
  local list, ok = {}, true
  for i, item in ipairs(node.items) do
    local v = self:scalar(item, path .. "[" .. i .. "]", "a role name")
    if v then list[i] = v else ok = false end
  end
  if not ok then return nil end
  local good, field, message = core.check_roles(list, path, self.extra, kind)
  if not good then
    local index = tonumber(field:match("%[(%d+)%]$"))
    local at = index and node.items[index] or node
    self:problem(field, at.line, self.strip(message, field))
    return nil
  end
  return list
end

function Check:username(key_node, path)
  local ok, _, message = core.check_username(key_node.value, "the username")
  if not ok then
    self:problem(path, key_node.line, message)
    return false
  end
  return true
end

function Check:team_name(key_node, path)
  local ok, _, message = core.check_team_name(key_node.value, "the team name")
  if not ok then
    self:problem(path, key_node.line, message)
    return false
  end
  return true
end

-- username -> roles
function Check:holders(node, path, kind)
  local out = {}
  if is_null(node) then return out end
  for _, e in ipairs(self:entries(node, path, "usernames to role lists", true)) do
    local p = join(path, e.key.value)
    local roles = self:roles(e.value, p, kind)
    if self:username(e.key, p) and roles then out[e.key.value] = roles end
  end
  return out
end

-- team name -> project roles
function Check:team_roles(node, path)
  local out = {}
  if is_null(node) then return out end
  for _, e in ipairs(self:entries(node, path, "team names to project role lists")) do
    local p = join(path, e.key.value)
    local roles = self:roles(e.value, p, "project")
    if self:team_name(e.key, p) and roles then out[e.key.value] = roles end
  end
  return out
end

-- team name -> members
function Check:teams(node, path)
  local out = {}
  if is_null(node) then return out end
  for _, e in ipairs(self:entries(node, path, "team names to member lists")) do
    local p = join(path, e.key.value)
    local ok_name = self:team_name(e.key, p)
    local members, seen, ok = {}, {}, true
    if is_null(e.value) then
      members = {}
    elseif e.value.kind ~= "list" then
      self:problem(p, e.value.line, "must be a list of usernames (the team's members), e.g. [ana@example.com]")
      ok = false
    else
      for i, item in ipairs(e.value.items) do
        local ip = p .. "[" .. i .. "]"
        local u = self:scalar(item, ip, "a username")
        if u then
          local good, _, message = core.check_username(u, "the username")
          if not good then
            self:problem(ip, item.line, message)
            ok = false
          elseif seen[u:lower()] then
            self:problem(ip, item.line, u .. " is listed twice (also " .. seen[u:lower()] .. "; usernames compare without case)")
            ok = false
          else
            seen[u:lower()] = ip
            members[#members + 1] = u
          end
        else
          ok = false
        end
      end
    end
    if ok_name and ok then out[e.key.value] = members end
  end
  return out
end

function Check:projects(node, path)
  local out = {}
  if is_null(node) then return out end
  for _, e in ipairs(self:entries(node, path, "project names (or ids) to their access")) do
    local p = join(path, e.key.value)
    local project = {}
    if is_null(e.value) then
      self:problem(p, e.value.line, "is empty: give users: and/or teams: (or delete the project's line)")
    else
      for _, pe in ipairs(self:entries(e.value, p, "users: and teams:")) do
        local key = pe.key.value
        if not PROJECT_KEYS[key] then
          self:problem(join(p, key), pe.key.line, "unknown key " .. string.format("%q", key) .. " (a project takes users: and teams:)")
        elseif key == "users" then
          project.users = self:holders(pe.value, join(p, "users"), "project")
        else
          project.teams = self:team_roles(pe.value, join(p, "teams"))
        end
      end
    end
    out[e.key.value] = project
  end
  return out
end

-- One error for every problem: its message has a line per problem,
--   access.yaml:12: projects.prod.users.ana@example.com[1]: unknown project role ...
-- (err.problems: { path, line, message } each; err.field: the first path).
local function problems_error(problems, source)
  -- in file order (a problem without a line first: it is about the whole file)
  for i, pr in ipairs(problems) do pr.order = i end
  table.sort(problems, function(a, b)
    if (a.line or 0) ~= (b.line or 0) then return (a.line or 0) < (b.line or 0) end
    return a.order < b.order
  end)
  for _, pr in ipairs(problems) do pr.order = nil end
  local lines = {}
  for i, pr in ipairs(problems) do
    local where = source and (source .. ":" .. (pr.line or "")) or (pr.line and ("line " .. pr.line) or "")
    lines[i] = (where ~= "" and (where:gsub(":$", "") .. ": ") or "") .. (pr.path ~= "" and (pr.path .. ": ") or "")
      .. pr.message
  end
  local err = errors.validation("access file", #problems == 1 and lines[1]
    or (#problems .. " problems:\n  " .. table.concat(lines, "\n  ")), "load_access")
  err.problems = problems
  err.source = source
  return err
end
M.problems_error = problems_error

-- tree -> spec, or nil, err (every problem)
local function check_tree(root, source, extra)
  local c = setmetatable({ problems = {}, extra = extra }, Check)
  local spec = {}
  if not root or root.kind == "empty" or is_null(root) then
    c:problem("", 1, "the file is empty; it needs at least org: <organization id>")
  elseif root.kind ~= "map" then
    c:problem("", root.line, "must be a mapping with org:, users:, teams: and projects:")
  else
    for _, e in ipairs(c:entries(root, "", "sections")) do
      local key = e.key.value
      if not TOP_KEYS[key] then
        c:problem(key, e.key.line, "unknown key " .. string.format("%q", key) .. " (an access file has org, users, teams "
          .. "and projects)")
      elseif key == "org" then
        local v = c:scalar(e.value, "org", "the organization's id")
        if v then
          local ok, _, message = core.check_id(v, "org")
          if ok then spec.org = v else c:problem("org", e.value.line, Check.strip(message, "org")) end
        end
      elseif key == "users" then
        spec.users = c:holders(e.value, "users", "org")
      elseif key == "teams" then
        spec.teams = c:teams(e.value, "teams")
      else
        spec.projects = c:projects(e.value, "projects")
      end
    end
  end
  if root and root.kind == "map" and not spec.org then
    local reported = false
    for _, pr in ipairs(c.problems) do reported = reported or pr.path == "org" end
    if not reported then c:problem("org", 1, "is required: the organization's id (24 hex digits)") end
  end
  if #c.problems > 0 then return nil, problems_error(c.problems, source) end
  return spec
end

---------------------------------------------------------------------------
-- A spec built in Lua gets the same checks: it is turned into the same
-- tree (no lines) first.
---------------------------------------------------------------------------

-- An empty table is "empty": an empty member list or an empty section,
-- whichever belongs there.  (skip: a top-level key left out, e.g. source.)
local function tree_of(v, depth, skip)
  if depth > M.MAX_DEPTH then error("nested deeper than " .. M.MAX_DEPTH, 0) end
  if type(v) ~= "table" then return { kind = "scalar", value = tostring(v) } end
  if next(v) == nil then return { kind = "empty" } end
  if v[1] ~= nil then
    local items = {}
    for i = 1, #v do items[i] = tree_of(v[i], depth + 1) end
    return { kind = "list", items = items }
  end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= "string" then error("a table with a key that is not a string (" .. tostring(k) .. ")", 0) end
    if k ~= skip then keys[#keys + 1] = k end
  end
  table.sort(keys)
  local entries = {}
  for i, k in ipairs(keys) do entries[i] = { key = { kind = "scalar", value = k }, value = tree_of(v[k], depth + 1) } end
  return { kind = "map", entries = entries }
end

--- Checks a spec table (as load_access returns, or built by a script):
-- returns a clean copy, or nil, err listing every problem.
function M.check(spec, extra_roles)
  if type(spec) ~= "table" then
    return nil, errors.validation("spec", "an access spec must be a table like { org = \"<id>\", users = {...} }",
      "plan_access")
  end
  local ok, tree = pcall(tree_of, spec, 0, "source")
  if not ok then return nil, errors.validation("spec", "the access spec has " .. tostring(tree), "plan_access") end
  local checked, err = check_tree(tree, spec.source, extra_roles)
  if not checked then return nil, err end
  checked.source = spec.source
  return checked
end

---------------------------------------------------------------------------
-- load_access
---------------------------------------------------------------------------

-- A path: one line that names a readable file, or ends like a file name.
local function looks_like_path(s)
  if s == "" or s:find("[\n%z]") then return false end
  local f = io.open(s, "rb")
  if f then
    f:close()
    return true
  end
  return s:match("%.ya?ml$") ~= nil or s:match("%.json$") ~= nil
end

--- Reads an access file (a path) or its text.  Returns the spec, or nil,
-- err whose message lists every problem as "path:line: where: what"
-- (err.problems has them as tables).
function M.load(text_or_path, extra_roles)
  if type(text_or_path) ~= "string" then
    return nil, errors.validation("file", "load_access takes the text of an access file or its path, got "
      .. type(text_or_path), "load_access")
  end
  local text, source = text_or_path, nil
  if looks_like_path(text_or_path) then
    local f, open_err = io.open(text_or_path, "rb")
    if not f then
      return nil, errors.validation(text_or_path, "cannot read it: " .. tostring(open_err):gsub("^[^:]*: ", ""),
        "load_access")
    end
    text = f:read(M.MAX_BYTES + 1) or ""
    f:close()
    source = text_or_path
  end
  if #text > M.MAX_BYTES then
    return nil, problems_error({ { path = "", message = "the file is larger than " .. M.MAX_BYTES
      .. " bytes: not an access file" } }, source)
  end
  if text:find("%z") then
    return nil, problems_error({ { path = "", line = select(2, text:sub(1, text:find("%z")):gsub("\n", "")) + 1,
      message = "the file holds a NUL byte: not a text file" } }, source)
  end
  local root, message, line = build_tree(text)
  if message then return nil, problems_error({ { path = "", line = line, message = message } }, source) end
  local spec, err = check_tree(root, source, extra_roles)
  if not spec then return nil, err end
  spec.source = source
  return spec
end

---------------------------------------------------------------------------
-- dump_access: deterministic (sorted) YAML or JSON.
---------------------------------------------------------------------------

local YAML_WORDS = { ["true"] = true, ["false"] = true, yes = true, no = true, on = true, off = true, null = true,
  y = true, n = true }

-- A scalar as YAML: plain when that cannot be misread, else double-quoted.
local function yaml_scalar(s)
  if s:match("^[%w][%w@%._%-+]*$") and not YAML_WORDS[s:lower()] and not tonumber(s) and not s:match("^[%d%.%-+]+$") then
    return s
  end
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" elseif c == "\n" then return "\\n" end
    return string.format("\\x%02x", c:byte())
  end) .. '"'
end

local function sorted_keys(t, lower)
  local keys = {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if lower and a:lower() ~= b:lower() then return a:lower() < b:lower() end
    return a < b
  end)
  return keys
end

local function sorted_list(list, lower)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  table.sort(out, function(a, b)
    if lower and a:lower() ~= b:lower() then return a:lower() < b:lower() end
    return a < b
  end)
  return out
end

local function flow(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = yaml_scalar(v) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

-- The spec in its canonical order (sorted keys and lists): what both
-- formats write.
local function canonical(spec)
  local out = { org = spec.org }
  if spec.users then
    out.users = {}
    for k, v in pairs(spec.users) do out.users[k] = sorted_list(v) end
  end
  if spec.teams then
    out.teams = {}
    for k, v in pairs(spec.teams) do out.teams[k] = sorted_list(v, true) end
  end
  if spec.projects then
    out.projects = {}
    for name, p in pairs(spec.projects) do
      local q = {}
      for _, section in ipairs { "users", "teams" } do
        if p[section] then
          q[section] = {}
          for k, v in pairs(p[section]) do q[section][k] = sorted_list(v) end
        end
      end
      out.projects[name] = q
    end
  end
  return out
end

local function dump_yaml(spec)
  local c, out = canonical(spec), {}
  local function line(s) out[#out + 1] = s end
  line("org: " .. yaml_scalar(c.org))
  if c.users then
    line("users:" .. (next(c.users) and "" or " {}"))
    for _, u in ipairs(sorted_keys(c.users, true)) do line("  " .. yaml_scalar(u) .. ": " .. flow(c.users[u])) end
  end
  if c.teams then
    line("teams:" .. (next(c.teams) and "" or " {}"))
    for _, t in ipairs(sorted_keys(c.teams)) do line("  " .. yaml_scalar(t) .. ": " .. flow(c.teams[t])) end
  end
  if c.projects then
    line("projects:" .. (next(c.projects) and "" or " {}"))
    for _, name in ipairs(sorted_keys(c.projects)) do
      local p = c.projects[name]
      line("  " .. yaml_scalar(name) .. ":")
      for _, section in ipairs { "users", "teams" } do
        if p[section] then
          line("    " .. section .. ":" .. (next(p[section]) and "" or " {}"))
          for _, k in ipairs(sorted_keys(p[section], section == "users")) do
            line("      " .. yaml_scalar(k) .. ": " .. flow(p[section][k]))
          end
        end
      end
    end
  end
  return table.concat(out, "\n") .. "\n"
end

-- JSON with the sections in file order and everything else sorted (jsonenc
-- sorts keys; an empty section is an empty object here, not a list).
local function dump_json(spec)
  local c = canonical(spec)
  local function obj(t)
    if next(t) == nil then return "{}" end
    return assert(jsonenc.encode(t))
  end
  local parts = { '  "org": ' .. assert(jsonenc.encode(c.org)) }
  if c.users then parts[#parts + 1] = '  "users": ' .. obj(c.users) end
  if c.teams then parts[#parts + 1] = '  "teams": ' .. obj(c.teams) end
  if c.projects then
    local projects = {}
    for _, name in ipairs(sorted_keys(c.projects)) do
      local p, sections = c.projects[name], {}
      for _, section in ipairs { "users", "teams" } do
        if p[section] then sections[#sections + 1] = '"' .. section .. '": ' .. obj(p[section]) end
      end
      projects[#projects + 1] = "    " .. assert(jsonenc.encode(name)) .. ": {" .. table.concat(sections, ", ") .. "}"
    end
    parts[#parts + 1] = '  "projects": ' .. (#projects > 0 and ("{\n" .. table.concat(projects, ",\n") .. "\n  }") or "{}")
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n}\n"
end

--- The spec as a file: "yaml" (the default) or "json"; the same spec always
-- gives the same text (sorted keys and lists).
function M.dump(spec, format)
  if type(spec) ~= "table" or type(spec.org) ~= "string" then
    error("atlas-admin: dump_access takes an access spec (as load_access or export_access returns)", 2)
  end
  format = format or "yaml"
  if format == "yaml" then return dump_yaml(spec) end
  if format == "json" then return dump_json(spec) end
  error("atlas-admin: dump_access writes \"yaml\" or \"json\", not " .. tostring(format), 2)
end

return M
