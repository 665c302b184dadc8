-- Kind service_account: an organization service account (by its name) and
-- its organization roles (the file's service_accounts:).  Its access list
-- entries are kind service_account_access, its project roles kind
-- project_service_account; all three are made by identity.lua from the
-- type below.  A new account's secret lives secret_expires_after_hours
-- (the file's, default 2160: 90 days; Atlas allows 8 to 8760).
local identity = require "atlas_admin.access_code.kinds.identity"

local DEFAULT_HOURS = 2160

local T = {
  kind = "service_account", label = "service account", plural = "service accounts", section = "service_accounts",
  model = "service_accounts", index = "service_account",
  fields = { roles = "roles", access_list = "addresses", secret_expires_after_hours = "hours" },
  create = function(org, name, roles, entry)
    return { "create_service_account", org, { name = name, description = name, roles = roles,
      secretExpiresAfterHours = tonumber(entry and entry.secret_expires_after_hours) or DEFAULT_HOURS } }
  end,
  created = function(value)
    local secret = type(value.secrets) == "table" and value.secrets[1]
    return value.clientId, secret and secret.secret, value.clientId
  end,
  file_name = function(name, client_id) return "service_account." .. name .. "." .. tostring(client_id) end,
  update = function(org, id, roles) return { "update_service_account", org, id, { roles = roles } } end,
  delete = function(org, id) return { "delete_service_account", org, id } end,
  add_access = function(org, id, entries) return { "add_service_account_access_list", org, id, entries } end,
  remove_access = function(org, id, address) return { "remove_service_account_access_entry", org, id, address } end,
  assign = function(gid, id, roles) return { "assign_service_account", gid, id, roles } end,
  update_project = function(gid, id, roles)
    return { "update_project_service_account", gid, id, { roles = roles } }
  end,
  unassign = function(gid, id) return { "unassign_service_account", gid, id } end,
}

local K = identity.org_kind(T)
K.type = T
return K
