-- Access as code: the client methods (the work is in access_file.lua,
-- access_state.lua, access_plan.lua and access_apply.lua).
--
--   local spec = assert(atlas.load_access("access.yaml"))
--   local plan = assert(client:plan_access(spec, { prune = false }))
--   print(plan)                        -- the diff
--   local report = assert(client:apply_access(plan))
--   client:export_access(orgId)        -- today's access as a spec (atlas.dump_access writes it)
local access_apply = require "atlas_admin.access_apply"
local access_plan = require "atlas_admin.access_plan"

local M = {}

function M.install(Client, check_self)
  --- Today's access as a spec: plan_access of it is empty.
  function Client:export_access(org_id, opts)
    check_self(self, "export_access")
    return access_plan.export(self, org_id, opts)
  end

  --- What it takes to make the organization match the spec: a plan (plain
  -- data; print it for the diff), or nil, err (every problem of the file,
  -- or a guard that tripped).
  function Client:plan_access(spec, opts)
    check_self(self, "plan_access")
    return access_plan.plan(self, spec, opts)
  end

  --- Applies a plan after checking the organization has not changed since.
  function Client:apply_access(plan, opts)
    check_self(self, "apply_access")
    return access_apply.apply(self, plan, opts)
  end
end

return M
