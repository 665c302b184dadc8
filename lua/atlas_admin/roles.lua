--- Project roles and common role sets (plain Lua, no I/O).
--
--   local roles = require "atlas_admin.roles"
--   client:update_invitation(gid, { username = u, roles = roles.DATA_READ_WRITE })
--   roles.union(roles.READ_ONLY, { roles.BACKUP_MANAGER_ROLE })
--
-- Constants: roles.GROUP_OWNER, roles.GROUP_READ_ONLY, ... (the eleven).
-- Sets: roles.READ_ONLY, roles.DATA_READ_ONLY, ... (see SET_NAMES).
--
-- Why "frozen" is done this way: a set must stay a plain sequence (so
-- ipairs, # and lua-cjson work on it under Lua 5.4 and LuaJIT alike), and
-- a plain table cannot refuse `t[1] = x` (a __newindex guard only sees
-- new keys, and LuaJIT's table.insert bypasses it).  So no shared set is
-- ever handed out: each read of roles.READ_ONLY builds a fresh sequence.
-- A caller may change what it got; nobody else sees the change.
local core = require "atlas_admin.core"

local M = {}

--- The eleven project roles this version knows, as a fresh sequence.
local ALL = core.project_roles()

-- One line each on what a role allows, after Atlas's documentation of
-- project roles.  Every project role also grants Project Read Only.
local DESCRIPTIONS = {
  GROUP_OWNER = "Project Owner: full control of the project: its clusters, settings, data, database users and "
    .. "who has access (invitations and roles)",
  GROUP_CLUSTER_MANAGER = "Project Cluster Manager: create, scale, pause, resume and terminate clusters, plus "
    .. "Project Read Only",
  GROUP_DATA_ACCESS_ADMIN = "Project Data Access Admin: read and write data and manage indexes through the Data "
    .. "Explorer, view and manage database users' data access, plus Project Read Only",
  GROUP_DATA_ACCESS_READ_WRITE = "Project Data Access Read/Write: read and write data and create or drop indexes "
    .. "through the Data Explorer, plus Project Read Only",
  GROUP_DATA_ACCESS_READ_ONLY = "Project Data Access Read Only: read data and view indexes through the Data "
    .. "Explorer, plus Project Read Only",
  GROUP_DATABASE_ACCESS_ADMIN = "Project Database Access Admin: manage database users and custom database roles, "
    .. "without access to the data itself, plus Project Read Only",
  GROUP_BACKUP_MANAGER = "Project Backup Manager: manage backups: snapshots, restores and backup policies, plus "
    .. "Project Read Only",
  GROUP_OBSERVABILITY_VIEWER = "Project Observability Viewer: view metrics, logs, alerts and performance data, "
    .. "without access to the data itself",
  GROUP_SEARCH_INDEX_EDITOR = "Project Search Index Editor: create, edit and delete Atlas Search indexes, plus "
    .. "Project Read Only",
  GROUP_STREAM_PROCESSING_OWNER = "Project Stream Processing Owner: create and manage Atlas Stream Processing "
    .. "workspaces and their connections, and the project's databases and database users",
  GROUP_READ_ONLY = "Project Read Only: view the project's clusters, settings, alerts and metrics; no data "
    .. "access and no changes",
}

-- Named sets for common needs.  Each names the smallest role that does
-- the job (they all include Project Read Only).
local SETS = {
  READ_ONLY = { "GROUP_READ_ONLY" },
  DATA_READ_ONLY = { "GROUP_DATA_ACCESS_READ_ONLY" },
  DATA_READ_WRITE = { "GROUP_DATA_ACCESS_READ_WRITE" },
  DATA_ACCESS_ADMIN = { "GROUP_DATA_ACCESS_ADMIN" },
  DATABASE_ACCESS_ADMIN = { "GROUP_DATABASE_ACCESS_ADMIN" },
  CLUSTER_MANAGER = { "GROUP_CLUSTER_MANAGER" },
  BACKUP_MANAGER = { "GROUP_BACKUP_MANAGER" },
  OBSERVABILITY_VIEWER = { "GROUP_OBSERVABILITY_VIEWER" },
  SEARCH_INDEX_EDITOR = { "GROUP_SEARCH_INDEX_EDITOR" },
  STREAM_PROCESSING_OWNER = { "GROUP_STREAM_PROCESSING_OWNER" },
  PROJECT_OWNER = { "GROUP_OWNER" },
  -- An operator: runs clusters and backups, reads data.
  OPERATOR = { "GROUP_CLUSTER_MANAGER", "GROUP_BACKUP_MANAGER", "GROUP_DATA_ACCESS_READ_ONLY" },
  -- An application developer: reads and writes data, edits search indexes.
  DEVELOPER = { "GROUP_DATA_ACCESS_READ_WRITE", "GROUP_SEARCH_INDEX_EDITOR" },
}

--- The names of the named sets, sorted.
M.SET_NAMES = {}
for name in pairs(SETS) do M.SET_NAMES[#M.SET_NAMES + 1] = name end
table.sort(M.SET_NAMES)

-- The role constants: roles.GROUP_OWNER == "GROUP_OWNER".
for _, role in ipairs(ALL) do M[role] = role end

local function copy(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  return out
end

local function check_list(v, what)
  if type(v) ~= "table" then
    error("atlas-admin: roles." .. what .. " expects lists of role names, got " .. type(v), 3)
  end
end

--- Roles that are in any of the lists, in first-seen order, each once.
function M.union(...)
  local out, seen = {}, {}
  for i = 1, select("#", ...) do
    local list = select(i, ...)
    check_list(list, "union")
    for _, r in ipairs(list) do
      if not seen[r] then
        seen[r] = true
        out[#out + 1] = r
      end
    end
  end
  return out
end

--- Roles of a that are not in b, in a's order.
function M.minus(a, b)
  check_list(a, "minus")
  check_list(b, "minus")
  local drop, out = {}, {}
  for _, r in ipairs(b) do drop[r] = true end
  for _, r in ipairs(a) do
    if not drop[r] then out[#out + 1] = r end
  end
  return out
end

--- true when set holds role.
function M.has(set, role)
  check_list(set, "has")
  for _, r in ipairs(set) do
    if r == role then return true end
  end
  return false
end

--- true when a and b hold the same roles, whatever the order (and
-- however often a role is repeated).
function M.equal(a, b)
  check_list(a, "equal")
  check_list(b, "equal")
  local in_a, in_b = {}, {}
  for _, r in ipairs(a) do in_a[r] = true end
  for _, r in ipairs(b) do
    if not in_a[r] then return false end
    in_b[r] = true
  end
  for r in pairs(in_a) do
    if not in_b[r] then return false end
  end
  return true
end

--- One line on what a role allows, or nil, message for an unknown role.
function M.describe(role)
  local d = DESCRIPTIONS[role]
  if d then return d end
  local hint = type(role) == "string" and core.suggest_role(role)
  return nil, "unknown project role " .. string.format("%q", tostring(role))
    .. (hint and ("; did you mean " .. hint .. "?") or "")
end

--- The eleven project roles, a fresh sequence.
function M.all()
  return copy(ALL)
end

-- Named sets are built fresh on each read (see the note at the top).
return setmetatable(M, {
  __index = function(_, name)
    local set = SETS[name]
    if set then return copy(set) end
    return nil
  end,
  __newindex = function(_, name)
    error("atlas-admin: roles." .. tostring(name) .. " cannot be set: the roles module is read-only", 2)
  end,
})
