-- Access as code: today's access as a spec.  Everyone in the org (users:),
-- every team (teams:), and per project (all, or those asked for) what each
-- kind holds there; plan_access of an unchanged export is empty.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local kinds = require "atlas_admin.access_code.kinds"
local options = require "atlas_admin.http.options"
local model_read = require "atlas_admin.model.read"

local M = {}

function M.export(client, org_id, opts)
  local ok, field, message = core.check_id(org_id, "orgId")
  if not ok then return nil, errors.validation(field, message, "export_access") end
  local err
  opts, err = options.check("export_access", opts)
  if not opts then return nil, err end
  local read, unknown = model_read.read(client, org_id, opts.projects, nil, true)
  if not read then return nil, unknown end
  if #unknown > 0 then
    return nil, errors.not_found("projects", "no project named (or with the id) " .. string.format("%q", unknown[1])
      .. " in organization " .. org_id, "export_access")
  end
  local model = read.model
  local spec = { org = org_id, projects = {} }
  for _, kind in ipairs(kinds.LIST) do kind.export(model, spec) end
  for _, p in ipairs(model.projects) do
    spec.projects[p.name] = { users = {}, teams = {} }
    for _, kind in ipairs(kinds.LIST) do kind.export(model, spec, p) end
  end
  return spec
end

return M
