-- Every public client method, in one place: one thin method per operation
-- row (http/operations.lua), installed by the api/ module of its resource
-- (CALL_MODULES), and the helpers above single calls (HELPERS: the module
-- that installs them, whether it loads lazily, whether a batch item may
-- name them).  client.lua's lazy stubs, batch.METHODS and the help's
-- coverage (spec/unit/options_spec.lua) derive from the rows and this file.
local operations = require "atlas_admin.http.operations"

local M = {}

M.CALL_MODULES = { "atlas_admin.api.invitations", "atlas_admin.api.project_users", "atlas_admin.api.organization",
  "atlas_admin.api.teams" }

-- The operation rows of a resource (the calls its api/ module installs).
local function rows_of(resource)
  local out = {}
  for name, row in pairs(operations.rows) do
    if row.resource == resource then out[#out + 1] = name end
  end
  table.sort(out)
  return out
end
M.HELPERS = {
  -- in the call modules (loaded with the client)
  { module = "atlas_admin.api.invitations", methods = { "add_invitation_roles", "remove_invitation_roles" }, batch = true },
  { module = "atlas_admin.api.project_users", methods = { "project_users" } }, -- an iterator
  { module = "atlas_admin.api.organization", methods = { "org_users" } },      -- an iterator
  -- the helpers above single calls, batches and access as code: their
  -- modules load on the first call of one of their methods (the stub below
  -- installs the module's methods over the stubs, then calls the real one).
  -- An app that only makes calls keeps them out of its heap: in nginx each
  -- worker has its own, and a smaller heap is a shorter GC cycle (cheaper
  -- string interning; bench/openresty.sh).  spec/unit/lazy_methods_spec.lua
  -- checks that each module installs exactly the methods listed here.
  { module = "atlas_admin.converge.project_access", methods = { "set_project_roles", "project_access",
    "remove_project_access" }, lazy = true, batch = true },
  { module = "atlas_admin.converge.organization", methods = { "set_org_roles", "set_team_members",
    "set_team_project_roles" }, lazy = true, batch = true },
  { module = "atlas_admin.model", methods = { "org_access", "who_can_access" }, lazy = true, batch = true },
  { module = "atlas_admin.converge.offboard", methods = { "offboard" }, lazy = true, batch = true },
  { module = "atlas_admin.access_code", methods = { "export_access", "plan_access", "apply_access" }, lazy = true },
  -- the programmatic identities' calls load with their first call too (their secrets' handling with them)
  { module = "atlas_admin.api.api_keys", methods = rows_of("api_keys"), lazy = true, rows = true },
  { module = "atlas_admin.api.service_accounts", methods = rows_of("service_accounts"), lazy = true, rows = true },
  { module = "atlas_admin.http.batch", methods = { "batch" }, lazy = true },
  { module = "atlas_admin.review", methods = { "access_review" }, lazy = true },
}

--- The methods a batch item may name: every operation row's call and the
-- helpers marked batch (iterators, close, revoke_token, access as code and
-- batch itself are not items).
function M.batch_methods()
  local out = {}
  for name in pairs(operations.rows) do out[#out + 1] = name end
  for _, h in ipairs(M.HELPERS) do
    if h.batch and not h.rows then -- (rows are in already)
      for _, name in ipairs(h.methods) do out[#out + 1] = name end
    end
  end
  table.sort(out)
  return out
end

return M
