--- atlas-admin: manages who may access MongoDB Atlas, through the Atlas
-- Administration API.  A client (atlas.client, atlas.client_from_env) has
-- the calls for a project's invitations and Cloud users, the organization's
-- users, teams and project teams; desired-state helpers on top of them
-- (set_project_roles, set_org_roles, set_team_members, offboard...); one read
-- model of the organization (org_access, who_can_access); and access as code
-- (atlas.load_access, plan_access, apply_access).  The same module runs the
-- atlas-admin command (atlas_admin.cli), and inside OpenResty its calls go
-- over nginx cosockets without blocking the worker (atlas_admin.ngx).
-- atlas.help() lists every public function.
--
--   local atlas = require "atlas_admin"
--   local client = assert(atlas.client{ auth = atlas.digest(public_key, private_key) })
--   local inv, res = client:update_invitation(group_id, { username = "a@example.com", roles = { "GROUP_READ_ONLY" } })
--   print(client:who_can_access(org_id, group_id))
--
-- Runtime failures return nil, err (see atlas_admin.errors); misuse raises.
-- The C core is built per VM: a 5.4 build loaded by LuaJIT (or the
-- reverse) fails with a bare "undefined symbol"; say which build to use.
local ok_core, core = pcall(require, "atlas_admin.core")
if not ok_core then
  local msg = tostring(core)
  if msg:find("undefined symbol", 1, true) then
    error("atlas-admin: this atlas_admin/core.so was built for another Lua VM (" .. msg .. "); this is "
      .. (jit and jit.version or _VERSION) .. ": use build/" .. (jit and "luajit" or "lua54")
      .. "/?.so in package.cpath (make builds both), or reinstall with LUA_VERSION matching this Lua", 2)
  end
  error(core, 2)
end
local client = require "atlas_admin.client"
local errors = require "atlas_admin.errors"
local options = require "atlas_admin.http.options"

local atlas = {
  _VERSION = client.VERSION,
  VERSION = client.VERSION,
  DEFAULTS = options.DEFAULTS,
  --- The project roles this version knows (a list of strings).
  PROJECT_ROLES = core.project_roles(),
  --- The libcurl this module runs on ("8.5.0"), for bug reports.
  libcurl_version = core.libcurl_version,
  --- Seconds on a monotonic clock (progress and timing).
  monotonic = core.monotonic,
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
  return require("atlas_admin.http.env").client(atlas, opts)
end

--- true when v is an error object returned by this library.
atlas.is_error = errors.is_error

--- The request a call would send ({ dry_run = true }) as a curl command line.
atlas.to_curl = require("atlas_admin.http.to_curl").to_curl

--- Reads an access file (YAML or JSON; its path or its text): spec | nil, err
-- (every problem, with its path and line).  See docs/access-as-code.md.
function atlas.load_access(text_or_path, opts)
  local extra = type(opts) == "table" and opts.extra_roles or nil
  local set
  if extra then
    set = {}
    for _, r in ipairs(extra) do set[r] = true end
  end
  return require("atlas_admin.access_code.file").load(text_or_path, set)
end

--- Writes a spec as an access file: "yaml" (default) or "json", sorted so
-- the same access always gives the same text.
function atlas.dump_access(spec, format)
  return require("atlas_admin.access_code.file").dump(spec, format)
end

--- A trace event as the lines trace = true prints (for a trace function
-- that writes them elsewhere).
function atlas.format_trace(event)
  return require("atlas_admin.http.trace").format(event)
end

--- Whether v is the object holding a secret Atlas showed once (a created
-- API key's privateKey, a service account secret): secret:reveal(),
-- secret:write_file(path).
function atlas.is_created_secret(v)
  return core.credential_kind(v) == "created_secret"
end

--- One step of a desired-state helper's plan (report.plan, report.done),
-- as a line: "add_org_user dana@example.com ORG_MEMBER in org ...".
function atlas.describe_step(step)
  return require("atlas_admin.converge.steps").describe(step)
end

--- Deterministic JSON (sorted keys; an empty table is []): text | nil, err.
function atlas.encode_json(value)
  return require("atlas_admin.util.jsonenc").encode(value)
end

--- The owner guards of set_org_roles and offboard (as access as code's;
-- project_owner also guards set_team_members and set_team_project_roles):
-- { { name, option, flag, help } }.
function atlas.owner_guards()
  local out = {}
  for i, g in ipairs(require("atlas_admin.converge.owner_guards").GUARDS) do
    out[i] = { name = g.name, option = g.option, flag = g.flag, help = g.help }
  end
  return out
end

--- A plan as its diff: what print(plan) shows, with options { color =
-- true (ANSI colours), verbose = true (every unmanaged holder, past 20) }.
function atlas.render_plan(plan, opts)
  if type(plan) ~= "table" or type(plan.changes) ~= "table" or type(plan.summary) ~= "table" then
    error("atlas-admin: render_plan takes a plan from plan_access", 2)
  end
  opts = opts or {}
  return require("atlas_admin.access_code.render").render(plan, opts.color == true, opts.verbose == true)
end

--- Role constants and common role sets (also require "atlas_admin.roles").
atlas.roles = require "atlas_admin.roles"

--- Prints the public functions, or one function's signature, options and
-- an example: atlas.help(), atlas.help("update_invitation"),
-- atlas.help(client.update_invitation).
function atlas.help(what)
  print(require("atlas_admin.help").text(what, { client.Client, atlas }))
end

return atlas
