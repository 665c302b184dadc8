-- How the programmatic identities print in a REPL and in the CLI's table
-- output (show.lua presentations): one line per API key, service account,
-- secret, project assignment or access-list entry.  A secret Atlas showed
-- once is never printed: its object says <redacted> by itself, and these
-- lines only say that one is there.
local core = require "atlas_admin.core"
local show = require "atlas_admin.util.show"

local M = {}

local function day(iso)
  return type(iso) == "string" and iso:match("^(%d%d%d%d%-%d%d%-%d%d)") or nil
end

-- An API key's roles hold org roles ({ orgId, roleName }) and project
-- roles ({ groupId, roleName }): "ORG_MEMBER; 2 projects".
local function key_roles(k)
  local org, projects, n = {}, {}, 0
  for _, r in ipairs(type(k.roles) == "table" and k.roles or {}) do
    if type(r) == "table" and r.groupId then
      if not projects[r.groupId] then n = n + 1 end
      projects[r.groupId] = true
    elseif type(r) == "table" then
      org[#org + 1] = tostring(r.roleName)
    end
  end
  return (#org > 0 and table.concat(org, ", ") or "no org roles") .. "; " .. n .. (n == 1 and " project" or " projects")
end

local function names(list)
  local out = {}
  for i, v in ipairs(type(list) == "table" and list or {}) do out[i] = tostring(v) end
  return #out > 0 and table.concat(out, ", ") or "no roles"
end

local function secret_note(v)
  return core.credential_kind(v) == "created_secret" and ", secret <redacted> (:reveal() or :write_file(path))" or ""
end

local function key_line(k)
  return string.format("API key %s %s %q: %s%s", tostring(k.id), tostring(k.publicKey), tostring(k.desc),
    key_roles(k), k.privateKey ~= nil and secret_note(k.privateKey) or "")
end

local function secret_line(s)
  local parts = { "secret " .. tostring(s.id) }
  if day(s.expiresAt) then parts[#parts + 1] = "expires " .. day(s.expiresAt) end
  if day(s.lastUsedAt) then parts[#parts + 1] = "last used " .. day(s.lastUsedAt) end
  return table.concat(parts, ", ") .. secret_note(s.secret)
end

local function account_line(a)
  local secrets = type(a.secrets) == "table" and a.secrets or {}
  local s = string.format("service account %s %q: %s; %d %s", tostring(a.clientId), tostring(a.name), names(a.roles),
    #secrets, #secrets == 1 and "secret" or "secrets")
  for _, sec in ipairs(secrets) do
    if core.credential_kind(sec.secret) == "created_secret" then s = s .. secret_note(sec.secret) end
  end
  return s
end

local function entry_line(e)
  local last = day(e.lastUsed or e.lastUsedAt)
  return tostring(e.cidrBlock or e.ipAddress) .. (last and (" (last used " .. last .. ")") or " (never used)")
end

local function list_format(noun, plural, line)
  return function(list)
    local out = { #list .. " " .. (#list == 1 and noun or plural) }
    for _, item in ipairs(list) do out[#out + 1] = "  " .. line(item) end
    return table.concat(out, "\n")
  end
end

local FORMATS = {
  api_key = key_line,
  service_account = account_line,
  account_secret = secret_line,
  account_project = function(p) return "project " .. tostring(p.groupId) .. ": " .. names(p.roles) end,
  access_entry = entry_line,
}
FORMATS.api_key_list = list_format("API key", "API keys", key_line)
FORMATS.service_account_list = list_format("service account", "service accounts", account_line)
FORMATS.account_project_list = list_format("project", "projects", FORMATS.account_project)
FORMATS.access_entry_list = list_format("access-list entry", "access-list entries", entry_line)

for kind, format in pairs(FORMATS) do show.format(kind, format) end

M.FORMATS = FORMATS
return M
