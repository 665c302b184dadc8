-- The state an access plan is made from (and checked against before it is
-- applied): the organization as model/read.lua reads it, which reads of it
-- a spec needs, and a fingerprint of it.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"

local M = {}

--- Whether a spec names API keys or service accounts anywhere (then a plan
-- reads them; else it spends no request on them).
function M.names_identities(spec)
  if spec.api_keys or spec.service_accounts then return true end
  for _, project in pairs(spec.projects or {}) do
    if project.api_keys or project.service_accounts then return true end
  end
  return false
end

-- The facts a plan depends on as one canonical text: a line per person,
-- team, project and legacy invitation, every list and map in sorted order
-- (the model's lists are sorted already), fields separated by tabs.  Built
-- as plain strings: a big org has thousands of people, and this runs at
-- every plan and apply.
local function map_text(map)
  local keys = {}
  for k in pairs(map) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do keys[i] = k .. "=" .. table.concat(map[k], ",") end
  return table.concat(keys, ";")
end

local function canonical(model)
  local out = { "org\t" .. model.org_id }
  for _, p in ipairs(model.people) do
    out[#out + 1] = table.concat({ "person", p.username:lower(), p.id or "", p.status or "", table.concat(p.org_roles, ","),
      map_text(p.projects), table.concat(p.teams, ",") }, "\t")
  end
  for _, t in ipairs(model.teams) do
    out[#out + 1] = table.concat({ "team", t.name, t.id or "", table.concat(t.members, ","), map_text(t.projects) }, "\t")
  end
  for _, p in ipairs(model.projects) do
    out[#out + 1] = "project\t" .. p.id .. "\t" .. p.name
    local rows = {}
    for _, inv in ipairs(model.invitations[p.id] or {}) do
      rows[#rows + 1] = table.concat({ "invitation", p.id, inv.id, inv.username:lower(), table.concat(inv.roles, ",") }, "\t")
    end
    table.sort(rows)
    for _, r in ipairs(rows) do out[#out + 1] = r end
  end
  -- API keys and service accounts, when read (their access lists' last use is not a change)
  for _, part in ipairs { "api_keys", "service_accounts" } do
    for _, e in ipairs(model[part] or {}) do
      local addresses = {}
      for i, a in ipairs(e.access_list) do addresses[i] = a.address end
      out[#out + 1] = table.concat({ part, e.id, e.name or "", table.concat(e.org_roles, ","), map_text(e.projects),
        table.concat(addresses, ",") }, "\t")
    end
  end
  return table.concat(out, "\n")
end

--- A fingerprint of the state: SHA-256 of its canonical text.  Two reads
-- of an unchanged organization give the same fingerprint.
function M.fingerprint(model)
  return core.sha256_hex(canonical(model))
end

--- The error apply_access returns when the organization changed since the plan.
function M.stale(plan_fp, now_fp)
  return errors.refused("stale_plan", "the organization changed since this plan was made (fingerprint "
    .. tostring(plan_fp):sub(1, 12) .. " then, " .. now_fp:sub(1, 12) .. " now); nothing was written: make the plan "
    .. "again and review it", "apply_access", { planned = plan_fp, found = now_fp })
end

return M
