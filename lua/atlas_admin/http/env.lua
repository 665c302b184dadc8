-- atlas.client_from_env: credentials and base URL from the environment
-- variables the Atlas CLI, the Go SDK and Terraform already use.
local errors = require "atlas_admin.errors"

local M = {}

M.VARIABLES = {
  "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET", "MONGODB_ATLAS_ACCESS_TOKEN",
  "MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY", "MONGODB_ATLAS_BASE_URL",
}

function M.client(atlas, opts)
  if opts ~= nil and type(opts) ~= "table" then
    return nil, errors.validation("options", "client_from_env takes an optional table of client options", "client_from_env")
  end
  local options = {}
  for k, v in pairs(opts or {}) do options[k] = v end
  local env = options.env
  options.env = nil
  if env ~= nil and type(env) ~= "table" then
    return nil, errors.validation("env", "env must be a table of variable names to values", "client_from_env")
  end
  local function get(name)
    local v
    if env then v = env[name] else v = os.getenv(name) end
    if v == "" then return nil end
    return v
  end

  if options.auth == nil then
    local cred, err
    if get "MONGODB_ATLAS_CLIENT_ID" or get "MONGODB_ATLAS_CLIENT_SECRET" then
      cred, err = atlas.service_account(get "MONGODB_ATLAS_CLIENT_ID", get "MONGODB_ATLAS_CLIENT_SECRET")
    elseif get "MONGODB_ATLAS_ACCESS_TOKEN" then
      cred, err = atlas.bearer(get "MONGODB_ATLAS_ACCESS_TOKEN")
    elseif get "MONGODB_ATLAS_PUBLIC_API_KEY" or get "MONGODB_ATLAS_PRIVATE_API_KEY" then
      cred, err = atlas.digest(get "MONGODB_ATLAS_PUBLIC_API_KEY", get "MONGODB_ATLAS_PRIVATE_API_KEY")
    else
      return nil, errors.validation("auth", "no Atlas credentials in the environment: set MONGODB_ATLAS_CLIENT_ID "
        .. "and MONGODB_ATLAS_CLIENT_SECRET (service account), or MONGODB_ATLAS_ACCESS_TOKEN, or "
        .. "MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY", "client_from_env")
    end
    if not cred then return nil, err end
    options.auth = cred
  end
  if options.base_url == nil then options.base_url = get "MONGODB_ATLAS_BASE_URL" end
  return atlas.client(options)
end

return M
