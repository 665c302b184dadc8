-- atlas-admin's commands for the organization's programmatic identities,
-- one row each (parser.lua builds argparse's commands from the rows; init.lua
-- runs them; a row's run(client, out, a, call_opts) returns the exit code):
--
--   atlas-admin api-keys list|create|set-roles|unassign|delete|access-list --org ID ...
--   atlas-admin service-accounts list|create|set-roles|unassign|delete|new-secret|access-list --org ID ...
--
-- A created secret (an API key's private key, a service account's secret)
-- is shown by Atlas once.  create and new-secret print it only with
-- --show-secret, or write it with --secret-file FILE (a new file, mode 0600,
-- never over an existing one); without either they refuse before any
-- request, naming both.  Nothing else ever prints it: results are printed
-- from a copy where the secret object stands as <redacted>.
local atlas = require "atlas_admin"
local output = require "atlas_admin.cli.output"

local M = {}

-- Options, by the name a row lists (org, project, org_role and dry_run are
-- cli/org.lua's).
M.OPTIONS = {
  key_id = function(cmd) cmd:option("--id --apiUserId", "The API key's id (24 hex digits; not its public key)."):argname("ID") end,
  client_id = function(cmd)
    cmd:option("--id --clientId", "The service account's client id (mdb_sa_id_ and 24 hex digits)."):argname("ID")
  end,
  key_desc = function(cmd) cmd:option("--desc", "The API key's description (1 to 250 characters)."):argname("TEXT") end,
  account_name = function(cmd)
    cmd:option("--name", "The service account's name (1 to 64 letters, digits, spaces, - _ . , ')."):argname("NAME")
  end,
  account_description = function(cmd)
    cmd:option("--description", "The service account's description (1 to 250 characters, as --name)."):argname("TEXT")
  end,
  identity_role = function(cmd)
    cmd:option("--role", "A role: organization roles (ORG_...), or project roles (GROUP_...) with --project "
      .. "(repeat for several; the identity ends with exactly these)."):count("*"):argname("R")
  end,
  secret_hours = function(cmd)
    cmd:option("--secret-hours", "How long the secret lives, in hours (the organization's settings cap it).")
      :argname("N"):convert(tonumber)
  end,
  show_secret = function(cmd)
    cmd:flag("--show-secret", "Print the new secret (Atlas shows it once; nothing else prints it).")
  end,
  secret_file = function(cmd)
    cmd:option("--secret-file", "Write the new secret to FILE (created with mode 0600; an existing file is refused).")
      :argname("FILE")
  end,
  access_add = function(cmd)
    cmd:option("--add", "Add an address or CIDR block to the access list (repeatable)."):count("*"):argname("ADDRESS")
  end,
  access_remove = function(cmd)
    cmd:option("--remove", "Remove an address or CIDR block from the access list (repeatable)."):count("*")
      :argname("ADDRESS")
  end,
}

local function usage(out, message)
  return out:error({ kind = "validation", field = "arguments", message = message }, output.EXIT.usage)
end

-- The first missing one of the named options, as a usage message.
local function missing(a, ...)
  for _, spec in ipairs { ... } do
    local v = a[spec[1]]
    if v == nil or (type(v) == "table" and #v == 0) then return "give " .. spec[2] end
  end
end

local function dry_opts(a)
  return a.dry_run and { dry_run = true } or nil
end

local function print_dry(out, req)
  out.stdout:write(atlas.to_curl(req), "\n")
  return output.EXIT.ok
end

-- A command that makes a secret must be told where it goes, before any
-- request: the answer is the only time Atlas shows it.
local function secret_destination(a, what)
  if a.dry_run then return nil end
  if not a.show_secret and not a.secret_file then
    return what .. " returns a secret Atlas shows only once: give --secret-file FILE (written with mode 0600) "
      .. "or --show-secret (printed once)"
  end
  if a.secret_file then
    local f = io.open(a.secret_file, "rb")
    if f then
      f:close()
      return "--secret-file " .. a.secret_file .. " exists: the secret is only ever written to a new file; "
        .. "choose another path"
    end
  end
end

-- A copy of a result for printing: plain tables, every secret object as
-- <redacted> (or its value, when show is set: --show-secret).
local function printable(value, show)
  if atlas.is_created_secret(value) then
    return show and value:reveal() or "<redacted>"
  end
  if type(value) ~= "table" then return value end
  local copy = {}
  for k, v in pairs(value) do copy[k] = printable(v, show) end
  return copy
end

-- Prints a created identity or secret and puts its secret where asked.
-- holder[field] is the secret object; label names the result in JSON.
local function deliver_secret(out, a, result, holder, field, label, created)
  local secret = holder and holder[field]
  if not atlas.is_created_secret(secret) then
    return out:error({ kind = "api", message = created .. " but Atlas's answer carried no secret" })
  end
  local written
  if a.secret_file then
    local ok, err = secret:write_file(a.secret_file)
    if not ok then
      out:error({ kind = "api", message = created .. " but its secret could not be saved (" .. err .. "); it is "
        .. "not shown again: delete it or make a new secret" })
      return output.EXIT.api
    end
    written = a.secret_file
  end
  if out.format == "json" then
    local value = printable(result, a.show_secret)
    out:json { [label] = value, secret_file = written }
  else
    -- (the result's line tells a Lua user how to read the secret: here the options did)
    out.stdout:write((tostring(result):gsub(" %(:reveal%(%) or :write_file%(path%)%)", "")), "\n")
    if a.show_secret then out.stdout:write("secret (shown once): ", secret:reveal(), "\n") end
    if written then out.stdout:write("secret written to ", written, " (mode 0600)\n") end
  end
  return output.EXIT.ok
end

-- The access list after --add and --remove (or as it is, without either).
local function access_list(client, out, a, list_fn, add_fn, remove_fn, id)
  for _, address in ipairs(a.remove or {}) do
    local ok, err = client[remove_fn](client, a.org, id, address, dry_opts(a))
    if not ok then return out:error(err) end
    if a.dry_run then print_dry(out, ok) end
  end
  if a.add and #a.add > 0 then
    local entries = {}
    for i, address in ipairs(a.add) do
      entries[i] = address:find("/", 1, true) and { cidrBlock = address } or { ipAddress = address }
    end
    local list, err = client[add_fn](client, a.org, id, entries, dry_opts(a))
    if not list then return out:error(err) end
    if a.dry_run then return print_dry(out, list) end
  end
  if a.dry_run then return output.EXIT.ok end
  local list, err = client[list_fn](client, a.org, id)
  if not list then return out:error(err) end
  out:result(list, true)
  return output.EXIT.ok
end

-- set-roles in a project: the roles replace the identity's roles there; an
-- identity without any there is assigned (Atlas refuses to assign a key twice).
local function set_project_roles(out, a, has_roles, assign, update)
  local present, err = has_roles()
  if present == nil then return out:error(err) end
  local result
  if present then result, err = update() else result, err = assign() end
  if not result then return out:error(err) end
  if a.dry_run then return print_dry(out, result) end
  out:done((present and "replaced the roles of " or "assigned ") .. a.id .. " in project " .. a.project .. ": "
    .. table.concat(a.role, ", "), { id = a.id, groupId = a.project, roles = a.role, assigned = not present })
  return output.EXIT.ok
end

local function key_in_project(client, a)
  local key, err = client:get_api_key(a.org, a.id)
  if not key then return nil, err end
  for _, r in ipairs(key.roles or {}) do
    if r.groupId == a.project then return true end
  end
  return false
end

local function account_in_project(client, a)
  local account, err = client:get_project_service_account(a.project, a.id)
  if account then return true end
  if type(err) == "table" and err.status == 404 then return false end
  return nil, err
end

local function deleted(out, a, what, ok, err)
  if not ok then return out:error(err) end
  if a.dry_run then return print_dry(out, ok) end
  out:done(what, { id = a.id, done = true })
  return output.EXIT.ok
end

M.COMMANDS = {
  -- API keys ------------------------------------------------------------
  { path = { "api-keys", "list" }, description = "List the organization's API keys (or a project's, with --project).",
    options = { "org", "project" },
    run = function(client, out, a)
      if not a.project then
        local problem = missing(a, { "org", "--org ID (or --project ID)" })
        if problem then return usage(out, problem) end
      end
      local list, err
      if a.project then list, err = client:list_project_api_keys(a.project) else list, err = client:list_api_keys(a.org) end
      if not list then return out:error(err) end
      out:result(list, true)
      return output.EXIT.ok
    end },
  { path = { "api-keys", "create" },
    description = "Create an API key with --desc and org --role(s); its private key goes to --secret-file or, "
      .. "with --show-secret, the screen (once).",
    options = { "org", "key_desc", "org_role", "secret_file", "show_secret", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "desc", "--desc TEXT" },
        { "role", "at least one --role (an organization role; repeat it for several)" })
        or secret_destination(a, "api-keys create")
      if problem then return usage(out, problem) end
      local key, err = client:create_api_key(a.org, { desc = a.desc, roles = a.role }, dry_opts(a))
      if not key then return out:error(err) end
      if a.dry_run then return print_dry(out, key) end
      return deliver_secret(out, a, key, key, "privateKey", "apiKey", "API key " .. tostring(key.id) .. " was created")
    end },
  { path = { "api-keys", "set-roles" },
    description = "Give the key exactly the --role(s): its org roles, or with --project its roles in that project "
      .. "(assigning it there when it has none).",
    options = { "org", "project", "key_id", "identity_role", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "id", "--id ID" }, { "role", "at least one --role" })
      if problem then return usage(out, problem) end
      if a.project then
        return set_project_roles(out, a, function() return key_in_project(client, a) end,
          function() return client:assign_api_key(a.project, a.id, a.role, dry_opts(a)) end,
          function() return client:update_project_api_key(a.project, a.id, { roles = a.role }, dry_opts(a)) end)
      end
      local key, err = client:update_api_key(a.org, a.id, { roles = a.role }, dry_opts(a))
      if not key then return out:error(err) end
      if a.dry_run then return print_dry(out, key) end
      out:result(key)
      return output.EXIT.ok
    end },
  { path = { "api-keys", "unassign" }, description = "Take the key out of --project (it stays in the organization).",
    options = { "project", "key_id", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "project", "--project ID" }, { "id", "--id ID" })
      if problem then return usage(out, problem) end
      local ok, err = client:unassign_api_key(a.project, a.id, dry_opts(a))
      return deleted(out, a, "unassigned API key " .. a.id .. " from project " .. a.project, ok, err)
    end },
  { path = { "api-keys", "delete" }, description = "Delete the key from the organization and every project.",
    options = { "org", "key_id", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "id", "--id ID" })
      if problem then return usage(out, problem) end
      local ok, err = client:delete_api_key(a.org, a.id, dry_opts(a))
      return deleted(out, a, "deleted API key " .. a.id, ok, err)
    end },
  { path = { "api-keys", "access-list" },
    description = "Show the key's IP access list, after --add and --remove if given.",
    options = { "org", "key_id", "access_add", "access_remove", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "id", "--id ID" })
      if problem then return usage(out, problem) end
      return access_list(client, out, a, "list_api_key_access_list", "add_api_key_access_list",
        "remove_api_key_access_entry", a.id)
    end },

  -- Service accounts -----------------------------------------------------
  { path = { "service-accounts", "list" },
    description = "List the organization's service accounts (or a project's, with --project).",
    options = { "org", "project" },
    run = function(client, out, a)
      if not a.project then
        local problem = missing(a, { "org", "--org ID (or --project ID)" })
        if problem then return usage(out, problem) end
      end
      local list, err
      if a.project then
        list, err = client:list_project_service_accounts(a.project)
      else
        list, err = client:list_service_accounts(a.org)
      end
      if not list then return out:error(err) end
      out:result(list, true)
      return output.EXIT.ok
    end },
  { path = { "service-accounts", "create" },
    description = "Create a service account (--name, --description, org --role(s), --secret-hours); its secret "
      .. "goes to --secret-file or, with --show-secret, the screen (once).",
    options = { "org", "account_name", "account_description", "org_role", "secret_hours", "secret_file", "show_secret",
      "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "name", "--name NAME" },
        { "description", "--description TEXT" }, { "role", "at least one --role (an organization role)" },
        { "secret_hours", "--secret-hours N" }) or secret_destination(a, "service-accounts create")
      if problem then return usage(out, problem) end
      local account, err = client:create_service_account(a.org, { name = a.name, description = a.description,
        roles = a.role, secretExpiresAfterHours = a.secret_hours }, dry_opts(a))
      if not account then return out:error(err) end
      if a.dry_run then return print_dry(out, account) end
      local holder
      for _, s in ipairs(account.secrets or {}) do
        if atlas.is_created_secret(s.secret) then holder = s end
      end
      return deliver_secret(out, a, account, holder, "secret", "serviceAccount",
        "service account " .. tostring(account.clientId) .. " was created")
    end },
  { path = { "service-accounts", "new-secret" },
    description = "Make a new secret for the account (Atlas allows two); it goes to --secret-file or, with "
      .. "--show-secret, the screen (once).",
    options = { "org", "client_id", "secret_hours", "secret_file", "show_secret", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "id", "--id CLIENT_ID" },
        { "secret_hours", "--secret-hours N" }) or secret_destination(a, "service-accounts new-secret")
      if problem then return usage(out, problem) end
      local secret, err = client:create_service_account_secret(a.org, a.id,
        { secretExpiresAfterHours = a.secret_hours }, dry_opts(a))
      if not secret then return out:error(err) end
      if a.dry_run then return print_dry(out, secret) end
      return deliver_secret(out, a, secret, secret, "secret", "secret",
        "secret " .. tostring(secret.id) .. " of " .. a.id .. " was created")
    end },
  { path = { "service-accounts", "set-roles" },
    description = "Give the account exactly the --role(s): its org roles, or with --project its roles in that "
      .. "project (assigning it there when it has none).",
    options = { "org", "project", "client_id", "identity_role", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "id", "--id CLIENT_ID" }, { "role", "at least one --role" })
      if not problem and not a.project then problem = missing(a, { "org", "--org ID (or --project ID)" }) end
      if problem then return usage(out, problem) end
      if a.project then
        return set_project_roles(out, a, function() return account_in_project(client, a) end,
          function() return client:assign_service_account(a.project, a.id, a.role, dry_opts(a)) end,
          function() return client:update_project_service_account(a.project, a.id, { roles = a.role }, dry_opts(a)) end)
      end
      local account, err = client:update_service_account(a.org, a.id, { roles = a.role }, dry_opts(a))
      if not account then return out:error(err) end
      if a.dry_run then return print_dry(out, account) end
      out:result(account)
      return output.EXIT.ok
    end },
  { path = { "service-accounts", "unassign" },
    description = "Take the account out of --project (it stays in the organization, its credentials active).",
    options = { "project", "client_id", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "project", "--project ID" }, { "id", "--id CLIENT_ID" })
      if problem then return usage(out, problem) end
      local ok, err = client:unassign_service_account(a.project, a.id, dry_opts(a))
      return deleted(out, a, "unassigned service account " .. a.id .. " from project " .. a.project, ok, err)
    end },
  { path = { "service-accounts", "delete" },
    description = "Delete the account (out of every project; its tokens stop working).",
    options = { "org", "client_id", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "id", "--id CLIENT_ID" })
      if problem then return usage(out, problem) end
      local ok, err = client:delete_service_account(a.org, a.id, dry_opts(a))
      return deleted(out, a, "deleted service account " .. a.id, ok, err)
    end },
  { path = { "service-accounts", "access-list" },
    description = "Show the account's IP access list, after --add and --remove if given.",
    options = { "org", "client_id", "access_add", "access_remove", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "id", "--id CLIENT_ID" })
      if problem then return usage(out, problem) end
      return access_list(client, out, a, "list_service_account_access_list", "add_service_account_access_list",
        "remove_service_account_access_entry", a.id)
    end },
}

return M
