-- Service accounts (media type 2024-08-05): the organization's accounts,
-- their secrets, IP access lists and roles in projects.  One thin method
-- per row of operations.lua; bodies are checked in C before any request.
--
-- An account: { clientId (mdb_sa_id_ + 24 hex), name (1..64, NOT unique),
-- description, roles (org roles; in a project listing, its project
-- roles), createdAt, secrets = { { id, createdAt, expiresAt, lastUsedAt,
-- maskedSecretValue } } }.  A secret's value comes back once, when the
-- account or the secret is created: as a secret object
-- (api/created_secret.lua).
local access_address = require "atlas_admin.api.access_address"
local created_secret = require "atlas_admin.api.created_secret"
local pages = require "atlas_admin.http.pages"
local show = require "atlas_admin.util.show"
require "atlas_admin.api.identity_show" -- the presentations of the rows' results

local M = {}

local dry = pages.is_dry_run

-- The secret of a new account: the entry of its secrets list that holds one.
local function new_secret_entry(account)
  for _, s in ipairs(type(account.secrets) == "table" and account.secrets or {}) do
    if type(s) == "table" and s.secret ~= nil then return s end
  end
  return { secret = nil }
end

function M.install(Client, check_self)
  --- Every service account of the organization, following the pages.
  -- filter: { include_system_managed = true } lists system-managed ones too.
  function Client:list_service_accounts(org_id, filter, opts)
    check_self(self, "list_service_accounts")
    local all, res, failed = pages.list_all(self, "list_service_accounts", { org_id }, filter, opts)
    if not all or dry(opts) then return all, res, failed end
    return show.attach(all, "service_account_list"), res
  end

  function Client:get_service_account(org_id, client_id, opts)
    check_self(self, "get_service_account")
    return self:_call("get_service_account", { org_id, client_id }, nil, opts)
  end

  --- Creates an account: { name, description, roles = { org roles },
  -- secretExpiresAfterHours } (201).  Returns it with its first secret's
  -- value as a secret object: account.secrets[1].secret (:reveal(),
  -- :write_file(path)).
  function Client:create_service_account(org_id, body, opts)
    check_self(self, "create_service_account")
    local ok, err = created_secret.check_options(opts, "create_service_account")
    if not ok then return nil, err end
    local account, res, failed = self:_call("create_service_account", { org_id }, body, opts)
    if not account or dry(opts) then return account, res, failed end
    local _, missing = created_secret.attach(new_secret_entry(account), "secret", res, "create_service_account")
    if missing then return nil, missing, res end
    return account, res
  end

  --- Changes { name, description, roles } (at least one; roles replace its
  -- org roles).
  function Client:update_service_account(org_id, client_id, body, opts)
    check_self(self, "update_service_account")
    return self:_call("update_service_account", { org_id, client_id }, body, opts)
  end

  --- Deletes the account: out of every project, its tokens stop working.
  function Client:delete_service_account(org_id, client_id, opts)
    check_self(self, "delete_service_account")
    return self:_call("delete_service_account", { org_id, client_id }, nil, opts)
  end

  --- The projects the account has roles in: { { groupId, roles } }.
  function Client:service_account_projects(org_id, client_id, opts)
    check_self(self, "service_account_projects")
    local all, res, failed = pages.list_all(self, "service_account_projects", { org_id, client_id }, nil, opts)
    if not all or dry(opts) then return all, res, failed end
    return show.attach(all, "account_project_list"), res
  end

  --- A new secret: { secretExpiresAfterHours = N } (201; Atlas allows two
  -- per account).  Returns { id, createdAt, expiresAt, secret = secret object }.
  function Client:create_service_account_secret(org_id, client_id, body, opts)
    check_self(self, "create_service_account_secret")
    local ok, err = created_secret.check_options(opts, "create_service_account_secret")
    if not ok then return nil, err end
    local secret, res, failed = self:_call("create_service_account_secret", { org_id, client_id }, body, opts)
    if not secret or dry(opts) then return secret, res, failed end
    local _, missing = created_secret.attach(secret, "secret", res, "create_service_account_secret")
    if missing then return nil, missing, res end
    return secret, res
  end

  --- Deletes a secret (by its id): it gets no more tokens.
  function Client:delete_service_account_secret(org_id, client_id, secret_id, opts)
    check_self(self, "delete_service_account_secret")
    return self:_call("delete_service_account_secret", { org_id, client_id, secret_id }, nil, opts)
  end

  -- The account's IP access list (at most 200 entries).
  access_address.install(Client, check_self, { list = "list_service_account_access_list",
    add = "add_service_account_access_list", remove = "remove_service_account_access_entry" })

  --- The accounts with roles in a project (roles: theirs there), following
  -- the pages.  filter: { include_system_managed = true }.
  function Client:list_project_service_accounts(group_id, filter, opts)
    check_self(self, "list_project_service_accounts")
    local all, res, failed = pages.list_all(self, "list_project_service_accounts", { group_id }, filter, opts)
    if not all or dry(opts) then return all, res, failed end
    return show.attach(all, "service_account_list"), res
  end

  function Client:get_project_service_account(group_id, client_id, opts)
    check_self(self, "get_project_service_account")
    return self:_call("get_project_service_account", { group_id, client_id }, nil, opts)
  end

  --- Gives an account roles in a project (POST ...:invite): roles = { project roles }.
  function Client:assign_service_account(group_id, client_id, roles, opts)
    check_self(self, "assign_service_account")
    return self:_call("assign_service_account", { group_id, client_id }, { roles = roles }, opts)
  end

  --- Changes the account in a project: { roles, name, description } (at
  -- least one; roles replace its roles there).
  function Client:update_project_service_account(group_id, client_id, body, opts)
    check_self(self, "update_project_service_account")
    return self:_call("update_project_service_account", { group_id, client_id }, body, opts)
  end

  --- Takes the account out of a project: it stays in the organization and
  -- its credentials stay active.
  function Client:unassign_service_account(group_id, client_id, opts)
    check_self(self, "unassign_service_account")
    return self:_call("unassign_service_account", { group_id, client_id }, nil, opts)
  end
end

M.METHODS = { "list_service_accounts", "get_service_account", "create_service_account", "update_service_account",
  "delete_service_account", "service_account_projects", "create_service_account_secret",
  "delete_service_account_secret", "list_service_account_access_list", "add_service_account_access_list",
  "remove_service_account_access_entry", "list_project_service_accounts", "get_project_service_account",
  "assign_service_account", "update_project_service_account", "unassign_service_account" }

return M
