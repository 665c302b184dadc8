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
local jsonenc = require "atlas_admin.util.jsonenc"
local kinds = require "atlas_admin.access_code.kinds"

local M = {}

M.MAX_BYTES = 8 * 1024 * 1024
M.MAX_DEPTH = 32
M.MAX_PROBLEMS = 50

-- Where each holder of a spec was written: spec -> { [path] = line }, kept
-- beside the spec (weak keys) so that the spec stays plain data.
local LINES = setmetatable({}, { __mode = "k" })

--- The line of a holder's path ("projects.prod.users.ana@example.com",
-- "teams.dba[2]") in the file a spec was loaded from, or nil.
function M.line_of(spec, path)
  local lines = LINES[spec]
  return lines and lines[path]
end

-- The file's sections, each a kind's (kinds/*.lua section), in file order:
-- at the top (beside org: and projects:) and inside each project.  Nothing
-- else in this file names a section.
local TOP, IN_PROJECT, TOP_BY, PROJECT_BY = {}, {}, {}, {}
for _, kind in ipairs(kinds.LIST) do
  local section = kind.section
  if section and section.at == "top" then
    TOP[#TOP + 1], TOP_BY[section.key] = section, section
  elseif section then
    IN_PROJECT[#IN_PROJECT + 1], PROJECT_BY[section.key] = section, section
  end
end
M.SECTIONS = { top = TOP, project = IN_PROJECT }

-- "users, teams and projects" (suffix: after each name, e.g. ":")
local function keys_text(names, suffix)
  local shown = {}
  for i, name in ipairs(names) do shown[i] = name .. (suffix or "") end
  return table.concat(shown, ", ", 1, #shown - 1) .. " and " .. shown[#shown]
end
local function section_keys(sections)
  local out = {}
  for i, section in ipairs(sections) do out[i] = section.key end
  return out
end
local TOP_NAMES = section_keys(TOP)
table.insert(TOP_NAMES, 1, "org")
TOP_NAMES[#TOP_NAMES + 1] = "projects"
local TOP_TEXT = keys_text(TOP_NAMES)
local PROJECT_TEXT = keys_text(section_keys(IN_PROJECT), ":")

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

-- A section or list written but left without a value (YAML null: every
-- entry commented out, or `~`) is refused: with prune it would mean
-- "remove everything it manages".  An explicit empty one ({} or []) is a
-- decision and is taken as written.  Returns true when node was null.
function Check:null_section(node, path, what, explicit)
  if node.kind == "scalar" and is_null(node) then
    self:problem(path, node.line, "is empty (a null: were its entries commented out?); with prune that would remove "
      .. "every " .. what .. ". Delete the line to leave them unmanaged, or write " .. explicit .. " if you mean none")
    return true
  end
  return false
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
    if v then
      list[i] = v
      -- each role alone first, so every bad role of the list is reported
      local good, _, message = core.check_roles({ v }, path, self.extra, kind)
      if not good then
        local field = path .. "[" .. i .. "]"
        self:problem(field, item.line, self.strip(message:gsub("%[1%]", "[" .. i .. "]", 1), field))
        ok = false
      end
    else
      ok = false
    end
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

-- holder (username or team name) -> roles (of section.roles: "org" or "project")
-- (plain: the path as planning names it, for the lines map)
function Check:roles_map(section, node, path, plain)
  local out = {}
  if self:null_section(node, path, section.what, "{}") then return nil end
  local usernames = section.keys == "username"
  for _, e in ipairs(self:entries(node, path, (usernames and "usernames" or "team names") .. " to role lists", usernames)) do
    local p = join(path, e.key.value)
    self.lines[(plain or path) .. "." .. e.key.value] = e.key.line
    local roles = self:roles(e.value, p, section.roles)
    local named = usernames and self:username(e.key, p) or (not usernames and self:team_name(e.key, p))
    if named and roles then out[e.key.value] = roles end
  end
  return out
end

-- team name -> members
function Check:members_map(section, node, path)
  local out = {}
  if self:null_section(node, path, section.what, "{}") then return nil end
  for _, e in ipairs(self:entries(node, path, "team names to member lists")) do
    local p = join(path, e.key.value)
    self.lines[path .. "." .. e.key.value] = e.key.line
    local ok_name = self:team_name(e.key, p)
    local members, seen, ok = {}, {}, true
    if self:null_section(e.value, p, "member of the team", "[]") then
      ok = false
    elseif e.value.kind == "empty" then
      members = {}
    elseif e.value.kind ~= "list" then
      self:problem(p, e.value.line, "must be a list of usernames (the team's members), e.g. [ana@example.com]")
      ok = false
    else
      for i, item in ipairs(e.value.items) do
        local ip = p .. "[" .. i .. "]"
        local u = self:scalar(item, ip, "a username")
        if u then
          self.lines[path .. "." .. e.key.value .. "[" .. i .. "]"] = item.line
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

-- A section of the file, as its shape says.
-- name -> { roles = [...], access_list = [addresses], ... } (an API key or
-- a service account: section.fields says which keys an entry takes)
function Check:identity_map(section, node, path)
  local out = {}
  if self:null_section(node, path, section.what, "{}") then return nil end
  for _, e in ipairs(self:entries(node, path, "names to { roles, access_list }")) do
    local p = join(path, e.key.value)
    self.lines[path .. "." .. e.key.value] = e.key.line
    local ok_name = core.check_team_name(e.key.value, "the name")
    if not ok_name then
      local _, _, message = core.check_team_name(e.key.value, "the name")
      self:problem(p, e.key.line, message)
    end
    local entry, ok = {}, ok_name
    if e.value.kind ~= "map" then
      self:problem(p, e.value.line, "must be a mapping like { roles: [ORG_MEMBER], access_list: [10.0.0.0/8] }")
      ok = false
    else
      for _, f in ipairs(self:entries(e.value, p, "fields")) do
        local key, fp = f.key.value, join(p, f.key.value)
        local want = section.fields[key]
        if not want then
          local names = {}
          for k in pairs(section.fields) do names[#names + 1] = k end
          table.sort(names)
          self:problem(fp, f.key.line, "unknown key " .. string.format("%q", key) .. " (an entry takes "
            .. table.concat(names, ", ") .. ")")
          ok = false
        elseif want == "roles" then
          entry.roles = self:roles(f.value, fp, section.roles)
          ok = ok and entry.roles ~= nil
        elseif want == "addresses" then
          entry.access_list = self:addresses(f.value, fp)
          ok = ok and entry.access_list ~= nil
        else -- hours
          local v = self:scalar(f.value, fp, "a number of hours")
          local n = tonumber(v)
          if not n or n ~= math.floor(n) or n < 8 or n > 8760 then
            self:problem(fp, f.value.line, "must be a whole number of hours from 8 to 8760 (Atlas's bounds)")
            ok = false
          else
            entry[key] = v
          end
        end
      end
      if not entry.roles and ok then
        self:problem(p, e.value.line, "needs roles: (its organization roles, e.g. [ORG_MEMBER])")
        ok = false
      end
    end
    if ok then out[e.key.value] = entry end
  end
  return out
end

-- A list of IP addresses and CIDR blocks (an access list; [] is none).
function Check:addresses(node, path)
  if self:null_section(node, path, "access list entry", "[]") then return nil end
  if node.kind == "empty" then return {} end
  if node.kind ~= "list" then
    self:problem(path, node.line, "must be a list of IP addresses or CIDR blocks, e.g. [10.0.0.0/8, 192.0.2.10]")
    return nil
  end
  local out, seen, ok = {}, {}, true
  for i, item in ipairs(node.items) do
    local ip = path .. "[" .. i .. "]"
    local v = self:scalar(item, ip, "an IP address or CIDR block")
    if v then
      local good, _, message = core.check_access_address(v, ip)
      if not good then
        self:problem(ip, item.line, self.strip(message, ip))
        ok = false
      elseif seen[v] then
        self:problem(ip, item.line, v .. " is listed twice")
        ok = false
      else
        seen[v] = true
        out[#out + 1] = v
      end
    else
      ok = false
    end
  end
  return ok and out or nil
end

function Check:section(section, node, path, plain)
  if section.shape == "members" then return self:members_map(section, node, path) end
  if section.shape == "identity" then return self:identity_map(section, node, path) end
  return self:roles_map(section, node, path, plain)
end

function Check:projects(node, path)
  local out = {}
  if self:null_section(node, path, "project's people and teams", "{}") then return nil end
  for _, e in ipairs(self:entries(node, path, "project names (or ids) to their access")) do
    local p = join(path, e.key.value)
    self.lines[path .. "." .. e.key.value] = e.key.line
    local project = {}
    if is_null(e.value) then
      self:problem(p, e.value.line, "is empty: give " .. PROJECT_TEXT .. " (or delete the project's line)")
    else
      for _, pe in ipairs(self:entries(e.value, p, PROJECT_TEXT)) do
        local key = pe.key.value
        if not PROJECT_BY[key] then
          self:problem(join(p, key), pe.key.line, "unknown key " .. string.format("%q", key)
            .. " (a project takes " .. PROJECT_TEXT .. ")")
        else
          project[key] = self:section(PROJECT_BY[key], pe.value, join(p, key), "projects." .. e.key.value .. "." .. key)
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
  local c = setmetatable({ problems = {}, extra = extra, lines = {} }, Check)
  local spec = {}
  if not root or root.kind == "empty" or is_null(root) then
    c:problem("", 1, "the file is empty; it needs at least org: <organization id>")
  elseif root.kind ~= "map" then
    c:problem("", root.line, "must be a mapping with " .. keys_text(TOP_NAMES, ":"))
  else
    for _, e in ipairs(c:entries(root, "", "sections")) do
      local key = e.key.value
      if key ~= "org" and key ~= "projects" and not TOP_BY[key] then
        c:problem(key, e.key.line, "unknown key " .. string.format("%q", key) .. " (an access file has " .. TOP_TEXT .. ")")
      elseif key == "org" then
        local v = c:scalar(e.value, "org", "the organization's id")
        if v then
          local ok, _, message = core.check_id(v, "org")
          if ok then spec.org = v else c:problem("org", e.value.line, Check.strip(message, "org")) end
        end
      elseif key == "projects" then
        spec.projects = c:projects(e.value, "projects")
      else
        spec[key] = c:section(TOP_BY[key], e.value, key)
      end
    end
  end
  if root and root.kind == "map" and not spec.org then
    local reported = false
    for _, pr in ipairs(c.problems) do reported = reported or pr.path == "org" end
    if not reported then c:problem("org", 1, "is required: the organization's id (24 hex digits)") end
  end
  if #c.problems > 0 then return nil, problems_error(c.problems, source) end
  -- where each holder is written (path -> line), for the problems planning finds
  LINES[spec] = c.lines
  return spec
end

---------------------------------------------------------------------------
-- A spec built in Lua gets the same checks: it is turned into the same
-- tree (no lines) first.
---------------------------------------------------------------------------

-- An empty table is "empty": an empty member list or an empty section,
-- whichever belongs there.  (skip: a top-level key left out, e.g. source.)
local NO_SKIP = {}
local NOT_SECTIONS = { source = true } -- what load_access adds beside the file's sections

local function tree_of(v, depth, skip)
  if depth > M.MAX_DEPTH then error("nested deeper than " .. M.MAX_DEPTH, 0) end
  if type(v) ~= "table" then return { kind = "scalar", value = tostring(v) } end
  if next(v) == nil then return { kind = "empty" } end
  if v[1] ~= nil then
    local items = {}
    for i = 1, #v do items[i] = tree_of(v[i], depth + 1, NO_SKIP) end
    return { kind = "list", items = items }
  end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= "string" then error("a table with a key that is not a string (" .. tostring(k) .. ")", 0) end
    if not skip[k] then keys[#keys + 1] = k end
  end
  table.sort(keys)
  local entries = {}
  for i, k in ipairs(keys) do entries[i] = { key = { kind = "scalar", value = k }, value = tree_of(v[k], depth + 1, NO_SKIP) } end
  return { kind = "map", entries = entries }
end

--- Checks a spec table (as load_access returns, or built by a script):
-- returns a clean copy, or nil, err listing every problem.
function M.check(spec, extra_roles)
  if type(spec) ~= "table" then
    return nil, errors.validation("spec", "an access spec must be a table like { org = \"<id>\", users = {...} }",
      "plan_access")
  end
  local ok, tree = pcall(tree_of, spec, 0, NOT_SECTIONS)
  if not ok then return nil, errors.validation("spec", "the access spec has " .. tostring(tree), "plan_access") end
  local checked, err = check_tree(tree, spec.source, extra_roles)
  if not checked then return nil, err end
  checked.source = spec.source
  LINES[checked] = LINES[spec] -- lines are the file's, not the table's: kept from load_access
  return checked
end

---------------------------------------------------------------------------
-- load_access
---------------------------------------------------------------------------

-- The line of the first escape that stands for a NUL (\0, \x00, \u0000,
-- \U00000000 after an odd number of backslashes), or nil.  lyaml hands a
-- value over as a C string, which such an escape would cut short before any
-- check could see it.
local NUL_ESCAPES = { "()(\\+)0", "()(\\+)x00", "()(\\+)u0000", "()(\\+)U00000000" }
local function nul_escape_line(text)
  local first
  for _, pattern in ipairs(NUL_ESCAPES) do
    for at, slashes in text:gmatch(pattern) do
      if #slashes % 2 == 1 and (not first or at < first) then first = at end
    end
  end
  if first then return select(2, text:sub(1, first):gsub("\n", "")) + 1 end
end

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
  local escaped = nul_escape_line(text)
  if escaped then
    return nil, problems_error({ { path = "", line = escaped, message = "a NUL escape (\\0, \\x00, \\u0000) in a "
      .. "quoted value: names cannot hold a NUL (YAML would cut the name there, and \"frank@example.com\\0...\" would "
      .. "read as frank)" } }, source)
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

-- A section's values in canonical order: member lists without case.
local function canonical_section(section, map)
  local out = {}
  for k, v in pairs(map) do
    if section.shape == "identity" then
      local entry = {}
      for field, value in pairs(v) do entry[field] = type(value) == "table" and sorted_list(value) or value end
      out[k] = entry
    else
      out[k] = sorted_list(v, section.shape == "members")
    end
  end
  return out
end

-- An identity's entry as a YAML flow mapping: { roles: [...], access_list: [...] }.
local function flow_entry(section, entry)
  local fields = {}
  for field in pairs(section.fields) do fields[#fields + 1] = field end
  table.sort(fields, function(a, b) return (a == "roles" and "" or a) < (b == "roles" and "" or b) end)
  local parts = {}
  for _, field in ipairs(fields) do
    local v = entry[field]
    if v ~= nil then parts[#parts + 1] = field .. ": " .. (type(v) == "table" and flow(v) or yaml_scalar(v)) end
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

-- The spec in its canonical order (sorted keys and lists): what both
-- formats write.
local function canonical(spec)
  local out = { org = spec.org }
  for _, section in ipairs(TOP) do
    if spec[section.key] then out[section.key] = canonical_section(section, spec[section.key]) end
  end
  if spec.projects then
    out.projects = {}
    for name, p in pairs(spec.projects) do
      local q = {}
      for _, section in ipairs(IN_PROJECT) do
        if p[section.key] then q[section.key] = canonical_section(section, p[section.key]) end
      end
      out.projects[name] = q
    end
  end
  return out
end

local function dump_yaml(spec)
  local c, out = canonical(spec), {}
  local function line(s) out[#out + 1] = s end
  local function section_lines(section, map, indent)
    line(indent .. section.key .. ":" .. (next(map) and "" or " {}"))
    for _, k in ipairs(sorted_keys(map, section.keys == "username")) do
      line(indent .. "  " .. yaml_scalar(k) .. ": " .. (section.shape == "identity" and flow_entry(section, map[k])
        or flow(map[k])))
    end
  end
  line("org: " .. yaml_scalar(c.org))
  for _, section in ipairs(TOP) do
    if c[section.key] then section_lines(section, c[section.key], "") end
  end
  if c.projects then
    line("projects:" .. (next(c.projects) and "" or " {}"))
    for _, name in ipairs(sorted_keys(c.projects)) do
      local p = c.projects[name]
      line("  " .. yaml_scalar(name) .. ":")
      for _, section in ipairs(IN_PROJECT) do
        if p[section.key] then section_lines(section, p[section.key], "    ") end
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
  for _, section in ipairs(TOP) do
    if c[section.key] then parts[#parts + 1] = '  "' .. section.key .. '": ' .. obj(c[section.key]) end
  end
  if c.projects then
    local projects = {}
    for _, name in ipairs(sorted_keys(c.projects)) do
      local p, sections = c.projects[name], {}
      for _, section in ipairs(IN_PROJECT) do
        if p[section.key] then sections[#sections + 1] = '"' .. section.key .. '": ' .. obj(p[section.key]) end
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
