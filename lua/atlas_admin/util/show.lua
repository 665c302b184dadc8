--- How results look in a REPL and in print(): results stay plain tables
-- (pairs, #, lua-cjson all work as before); they only gain a metatable
-- with __tostring.  Cloud users carry personal data (names, a mobile
-- number, a country): their one-line form shows id, username, status and
-- roles only.
local M = {}

local function roles_of(t)
  if type(t.roles) ~= "table" then return "no roles" end
  local names = {}
  for i, r in ipairs(t.roles) do names[i] = tostring(r) end
  return #names > 0 and table.concat(names, ", ") or "no roles"
end

local function day(iso)
  return type(iso) == "string" and iso:match("^(%d%d%d%d%-%d%d%-%d%d)") or nil
end

-- "(expires 2026-12-22)", or "(expired 2026-11-14)" for a date in the past.
local function expiry(iso, prefix)
  local d = day(iso)
  if not d then return "" end
  local past = iso < os.date("!%Y-%m-%dT%H:%M:%SZ")
  return " (" .. (prefix or "") .. (past and "expired " or "expires ") .. d .. ")"
end

local FORMATS = {}

function FORMATS.invitation(inv)
  local s = string.format("invitation %s %s in %s: %s", tostring(inv.id), tostring(inv.username),
    tostring(inv.groupId), roles_of(inv))
  return s .. expiry(inv.expiresAt)
end

function FORMATS.user(u)
  local s = string.format("user %s %s %s: %s", tostring(u.id), tostring(u.username),
    tostring(u.orgMembershipStatus or "?"), roles_of(u))
  return s .. expiry(u.invitationExpiresAt, "invitation ")
end

function FORMATS.access(a)
  local s = string.format("%s %s %s %s: %s", tostring(a.kind), tostring(a.id), tostring(a.username),
    tostring(a.status or "?"), roles_of(a))
  return s .. expiry(a.expires_at)
end

local function count(n, noun, plural)
  return n .. " " .. (n == 1 and noun or plural or noun .. "s")
end

local function org_roles_of(u)
  local r = type(u.roles) == "table" and u.roles.orgRoles
  if type(r) ~= "table" or #r == 0 then return "no org roles" end
  local names = {}
  for i, x in ipairs(r) do names[i] = tostring(x) end
  return table.concat(names, ", ")
end

-- "2 projects, 1 team": what an org user reaches besides the org roles.
local function reach_of(u)
  local assignments = type(u.roles) == "table" and type(u.roles.groupRoleAssignments) == "table"
    and #u.roles.groupRoleAssignments or 0
  local teams = type(u.teamIds) == "table" and #u.teamIds or 0
  return count(assignments, "project") .. ", " .. count(teams, "team")
end

-- An organization user: id, username, status, org roles and what else
-- they hold (no personal data).
function FORMATS.org_user(u)
  local s = string.format("org user %s %s %s: %s; %s", tostring(u.id), tostring(u.username),
    tostring(u.orgMembershipStatus or "?"), org_roles_of(u), reach_of(u))
  return s .. expiry(u.invitationExpiresAt, "invitation ")
end

function FORMATS.team(t)
  local s = string.format("team %s %s", tostring(t.id), tostring(t.name))
  if type(t.usernames) == "table" then s = s .. " (" .. count(#t.usernames, "member") .. ")" end
  return s
end

function FORMATS.team_role(t)
  return string.format("team %s: %s", tostring(t.teamId), roles_of({ roles = t.roleNames }))
end

function FORMATS.project(p)
  return string.format("project %s %s (org %s)", tostring(p.id), tostring(p.name), tostring(p.orgId))
end

-- A list: a count line, then one row per item, every column aligned
-- (the last one is left ragged).  row(item) returns the item's cells.
local function list_format(noun, row, plural)
  return function(list)
    local n = #list
    if n == 0 then return count(0, noun, plural) end
    local rows, widths = {}, {}
    for i, item in ipairs(list) do
      local cells = row(item)
      rows[i] = cells
      for c = 1, #cells - 1 do
        if #cells[c] > (widths[c] or 0) then widths[c] = #cells[c] end
      end
    end
    local out = { count(n, noun, plural) }
    for _, cells in ipairs(rows) do
      local line = {}
      for c = 1, #cells - 1 do line[c] = cells[c] .. string.rep(" ", widths[c] - #cells[c]) end
      line[#cells] = cells[#cells]
      out[#out + 1] = "  " .. table.concat(line, "  ")
    end
    return table.concat(out, "\n")
  end
end

FORMATS.invitation_list = list_format("invitation", function(inv)
  return { tostring(inv.id), tostring(inv.username), roles_of(inv) .. expiry(inv.expiresAt) }
end)

FORMATS.user_list = list_format("user", function(u)
  return { tostring(u.id), tostring(u.username), tostring(u.orgMembershipStatus or "?"), roles_of(u) }
end)

FORMATS.org_user_list = list_format("org user", function(u)
  return { tostring(u.id), tostring(u.username), tostring(u.orgMembershipStatus or "?"),
    org_roles_of(u) .. "; " .. reach_of(u) }
end)

FORMATS.team_list = list_format("team", function(t)
  return { tostring(t.id), tostring(t.name) }
end)

FORMATS.team_role_list = list_format("project team", function(t)
  return { tostring(t.teamId), roles_of({ roles = t.roleNames }) }
end)

FORMATS.project_list = list_format("project", function(p)
  return { tostring(p.id), tostring(p.name) }
end)

-- Cloud users and legacy invitations in one table: kind, id, username,
-- status and roles each in their own column whatever the kind's length.
FORMATS.access_list = list_format("person", function(a)
  return { tostring(a.kind), tostring(a.id), tostring(a.username), tostring(a.status or "?"),
    roles_of(a) .. expiry(a.expires_at) }
end, "people")

function FORMATS.response(r)
  local h = type(r.headers) == "table" and r.headers or {}
  local s = "response " .. tostring(r.status)
  if r.envelope_status then s = s .. " (envelope " .. tostring(r.envelope_status) .. ")" end
  s = s .. ", " .. #tostring(r.body or "") .. " bytes"
  if h["ratelimit-remaining"] then s = s .. ", rate limit remaining " .. h["ratelimit-remaining"] end
  if h["retry-after"] then s = s .. ", retry after " .. h["retry-after"] end
  if h["sunset"] then s = s .. ", sunset " .. h["sunset"] end
  return s
end

function FORMATS.request(req)
  return "dry run: " .. tostring(req.method) .. " " .. tostring(req.url)
    .. (req.body and (" " .. req.body) or "") .. "  (atlas.to_curl(req) for a curl command line)"
end

local METATABLES = {}
for kind, format in pairs(FORMATS) do
  METATABLES[kind] = { __tostring = format, __name = "atlas." .. kind }
end

local RESPONSE_MT = METATABLES.response

--- Adds a presentation kind (modules that own a kind of value, such as
-- plans or the org access model, register its format here).
function M.format(kind, format)
  FORMATS[kind] = format
  METATABLES[kind] = { __tostring = format, __name = "atlas." .. kind }
end

--- Gives value the presentation of kind ("invitation", "user", "access",
-- their "_list" forms, "response", "request"), unless it already has a
-- metatable.  Returns value.
function M.attach(value, kind)
  if type(value) == "table" and getmetatable(value) == nil and METATABLES[kind] then
    setmetatable(value, METATABLES[kind])
  end
  return value
end

--- The kind of a result table, if show gave it one.
function M.kind_of(value)
  local mt = type(value) == "table" and getmetatable(value)
  if not mt then return nil end
  for kind, m in pairs(METATABLES) do
    if m == mt then return kind end
  end
  return nil
end

--- Presents a call's result and response (called by the client): each
-- operation row says what one result is (its `presents`); a list gets
-- the list form, a page's results the item form.
-- value and response are the parse's own, fresh tables: the common
-- shapes set their metatables directly, without attach's checks.
function M.result(prepared, value, response)
  setmetatable(response, RESPONSE_MT)
  local kind = prepared.presents
  if not kind or prepared.text then return value end -- (text: decode = false)
  local result = prepared.result
  if result == "object" then
    setmetatable(value, METATABLES[kind])
  elseif result == "list" then
    for _, item in ipairs(value) do M.attach(item, kind) end
    M.attach(value, kind .. "_list")
  elseif result == "page" then
    for _, item in ipairs(value.results) do M.attach(item, kind) end
  else
    M.attach(value, kind)
  end
  return value
end

return M
