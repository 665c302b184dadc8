-- Organization API keys (media type 2023-01-01): the keys, their IP access
-- lists and their roles in projects.  One thin method per row of
-- operations.lua; bodies are checked in C (src/body.c) before any request.
--
-- A key: { id (24 hex: the apiUserId of the paths, never the 8-character
-- publicKey), desc, publicKey, privateKey, roles = { { orgId | groupId,
-- roleName } } }: one listing shows every key's org roles and project
-- roles.  create_api_key's answer is the only one with the whole private
-- key: it comes back as a secret object (api/created_secret.lua).
local access_address = require "atlas_admin.api.access_address"
local core = require "atlas_admin.core"
local created_secret = require "atlas_admin.api.created_secret"
local errors = require "atlas_admin.errors"
local pages = require "atlas_admin.http.pages"
local show = require "atlas_admin.util.show"
require "atlas_admin.api.identity_show" -- the presentations of the rows' results

local M = {}

local dry = pages.is_dry_run

function M.install(Client, check_self)
  --- Every API key of the organization, following the pages.
  function Client:list_api_keys(org_id, opts)
    check_self(self, "list_api_keys")
    local all, res, failed = pages.list_all(self, "list_api_keys", { org_id }, nil, opts)
    if not all or dry(opts) then return all, res, failed end
    return show.attach(all, "api_key_list"), res
  end

  function Client:get_api_key(org_id, api_user_id, opts)
    check_self(self, "get_api_key")
    return self:_call("get_api_key", { org_id, api_user_id }, nil, opts)
  end

  --- Creates a key: { desc = "1..250 characters", roles = { org roles } }.
  -- Returns the key with key.privateKey a secret object (shown once by
  -- Atlas: key.privateKey:reveal(), key.privateKey:write_file(path)).
  function Client:create_api_key(org_id, body, opts)
    check_self(self, "create_api_key")
    local ok, err = created_secret.check_options(opts, "create_api_key")
    if not ok then return nil, err end
    local key, res, failed = self:_call("create_api_key", { org_id }, body, opts)
    if not key or dry(opts) then return key, res, failed end
    local _, missing = created_secret.attach(key, "privateKey", res, "create_api_key")
    if missing then return nil, missing, res end
    return key, res
  end

  --- Changes a key's desc and/or org roles ({ desc, roles }: the roles
  -- replace its org roles; its project roles stay).
  function Client:update_api_key(org_id, api_user_id, body, opts)
    check_self(self, "update_api_key")
    return self:_call("update_api_key", { org_id, api_user_id }, body, opts)
  end

  --- Deletes a key from the organization and every project (204).
  function Client:delete_api_key(org_id, api_user_id, opts)
    check_self(self, "delete_api_key")
    return self:_call("delete_api_key", { org_id, api_user_id }, nil, opts)
  end

  -- The key's IP access list (lastUsed is the only "last used" Atlas keeps
  -- for a key; Atlas refuses to remove the address the calling key uses).
  access_address.install(Client, check_self, { list = "list_api_key_access_list", add = "add_api_key_access_list",
    remove = "remove_api_key_access_entry" })

  --- The keys with roles in a project, following the pages (each shows
  -- all its roles in the organization).
  function Client:list_project_api_keys(group_id, opts)
    check_self(self, "list_project_api_keys")
    local all, res, failed = pages.list_all(self, "list_project_api_keys", { group_id }, nil, opts)
    if not all or dry(opts) then return all, res, failed end
    return show.attach(all, "api_key_list"), res
  end

  --- Gives a key of the organization roles in a project: roles = { project
  -- roles } (204).  A key the project has already is refused by Atlas
  -- (API_KEY_ALREADY_IN_GROUP): change its roles with update_project_api_key.
  function Client:assign_api_key(group_id, api_user_id, roles, opts)
    check_self(self, "assign_api_key")
    local ok, field, message = core.check_roles(roles, "roles", self._settings.extra_roles_set, "project")
    if not ok then return nil, errors.validation(field, message, "assign_api_key") end
    return self:_call("assign_api_key", { group_id, api_user_id }, { { roles = roles } }, opts)
  end

  --- Replaces a key's roles in a project: { roles = {...}, desc = ... }
  -- (at least one of the two).  Returns the key.
  function Client:update_project_api_key(group_id, api_user_id, body, opts)
    check_self(self, "update_project_api_key")
    return self:_call("update_project_api_key", { group_id, api_user_id }, body, opts)
  end

  --- Takes a key out of a project (it stays in the organization).
  function Client:unassign_api_key(group_id, api_user_id, opts)
    check_self(self, "unassign_api_key")
    return self:_call("unassign_api_key", { group_id, api_user_id }, nil, opts)
  end
end

M.METHODS = { "list_api_keys", "get_api_key", "create_api_key", "update_api_key", "delete_api_key",
  "list_api_key_access_list", "add_api_key_access_list", "remove_api_key_access_entry", "list_project_api_keys",
  "assign_api_key", "update_project_api_key", "unassign_api_key" }

return M
