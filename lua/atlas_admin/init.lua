--- atlas-admin: a client for the MongoDB Atlas Administration API's
-- project-invitation calls.
--
--   local atlas = require "atlas_admin"
--   local client = assert(atlas.client{ auth = atlas.digest(public_key, private_key) })
--   local inv, res = client:update_invitation(group_id, { username = "a@example.com", roles = { "GROUP_READ_ONLY" } })
--
-- Runtime failures return nil, err (see atlas_admin.errors); misuse raises.
local core = require "atlas_admin.core"
local client = require "atlas_admin.client"
local errors = require "atlas_admin.errors"
local options = require "atlas_admin.options"

local atlas = {
  _VERSION = client.VERSION,
  VERSION = client.VERSION,
  DEFAULTS = options.DEFAULTS,
  --- The project roles this version knows (a list of strings).
  PROJECT_ROLES = core.project_roles(),
}

local function credential(kind, id, secret)
  local cred, field, message = core.credential(kind, id, secret)
  if not cred then return nil, errors.validation(field, message, kind) end
  return cred
end

--- API key credentials (HTTP Digest): public key as user, private key as password.
function atlas.digest(public_key, private_key)
  return credential("digest", public_key, private_key)
end

--- A ready access token, sent as Authorization: Bearer.
function atlas.bearer(token)
  return credential("bearer", nil, token)
end

--- Service account credentials (OAuth 2.0 client credentials): the client
-- fetches, caches and refreshes access tokens itself.
function atlas.service_account(client_id, client_secret)
  return credential("service_account", client_id, client_secret)
end

--- Creates a client, or returns nil, err when an option is wrong.
function atlas.client(opts)
  local settings, err = options.client(opts)
  if not settings then return nil, err end
  return client.new(settings)
end

--- Creates a client from the environment variables the official tools use.
-- Precedence: a service account (MONGODB_ATLAS_CLIENT_ID + _CLIENT_SECRET),
-- then an access token (MONGODB_ATLAS_ACCESS_TOKEN), then API keys
-- (MONGODB_ATLAS_PUBLIC_API_KEY + _PRIVATE_API_KEY).  MONGODB_ATLAS_BASE_URL
-- sets base_url unless opts has one.  opts.env (a table) replaces the
-- process environment, for tests and embedders.
function atlas.client_from_env(opts)
  return require("atlas_admin.env").client(atlas, opts)
end

--- true when v is an error object returned by this library.
atlas.is_error = errors.is_error

return atlas
