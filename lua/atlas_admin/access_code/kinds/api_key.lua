-- Kind api_key: an organization API key (by its description) and its
-- organization roles (the file's api_keys:).  Its access list entries are
-- kind api_key_access, its project roles kind project_api_key; all three
-- are made by identity.lua from the type below.
local identity = require "atlas_admin.access_code.kinds.identity"

local T = {
  kind = "api_key", label = "API key", plural = "API keys", section = "api_keys",
  model = "api_keys", index = "api_key", fields = { roles = "roles", access_list = "addresses" },
  create = function(org, name, roles) return { "create_api_key", org, { desc = name, roles = roles } } end,
  -- what a create's answer gives: the id, the secret object, a public part for the file name
  created = function(value) return value.id, value.privateKey, value.publicKey end,
  file_name = function(name, public) return "api_key." .. name .. "." .. tostring(public) end,
  update = function(org, id, roles) return { "update_api_key", org, id, { roles = roles } } end,
  delete = function(org, id) return { "delete_api_key", org, id } end,
  add_access = function(org, id, entries) return { "add_api_key_access_list", org, id, entries } end,
  remove_access = function(org, id, address) return { "remove_api_key_access_entry", org, id, address } end,
  assign = function(gid, id, roles) return { "assign_api_key", gid, id, roles } end,
  update_project = function(gid, id, roles) return { "update_project_api_key", gid, id, { roles = roles } } end,
  unassign = function(gid, id) return { "unassign_api_key", gid, id } end,
}

local K = identity.org_kind(T)
K.type = T
return K
