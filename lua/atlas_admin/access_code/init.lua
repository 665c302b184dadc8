-- Access as code: the client methods.  The work is in this folder: file.lua
-- (the file: read, check, dump), state.lua (what a plan reads, its
-- fingerprint), kinds/ (one descriptor per kind of holder), planner.lua
-- (the diff), guards.lua, render.lua (the diff as text), schedule.lua and
-- writes.lua (the writes and their order), apply.lua, export.lua.
--
--   local spec = assert(atlas.load_access("access.yaml"))
--   local plan = assert(client:plan_access(spec, { prune = false }))
--   print(plan)                        -- the diff
--   local report = assert(client:apply_access(plan))
--   client:export_access(orgId)        -- today's access as a spec (atlas.dump_access writes it)
local apply = require "atlas_admin.access_code.apply"
local export = require "atlas_admin.access_code.export"
local planner = require "atlas_admin.access_code.planner"

local M = {}

function M.install(Client, check_self)
  --- Today's access as a spec: plan_access of it is empty.
  function Client:export_access(org_id, opts)
    check_self(self, "export_access")
    return export.export(self, org_id, opts)
  end

  --- What it takes to make the organization match the spec: a plan (plain
  -- data; print it for the diff), or nil, err (every problem of the file,
  -- or a guard that tripped).
  function Client:plan_access(spec, opts)
    check_self(self, "plan_access")
    return planner.plan(self, spec, opts)
  end

  --- Plans the plan's spec again and applies it if nothing changed since.
  function Client:apply_access(plan, opts)
    check_self(self, "apply_access")
    return apply.apply(self, plan, opts)
  end
end

return M
