-- Access as code, part two: from a spec (file.lua) and the live state
-- (state.lua) to a plan, plain data.
--
--   client:plan_access(spec [, { prune, max_removals, allow_no_project_owner,
--                               allow_no_org_owner, concurrency }]) -> plan | nil, err
--
-- Only what the file names is managed.  Each kind (kinds/) reads the
-- grants a holder has now and the ones the file gives it, and the planner
-- diffs them all the same way: a holder the file lists gets exactly its
-- grants (add, change); one present in Atlas but not listed is
-- "unmanaged" and is removed only with prune.  Guards (guards.lua) are
-- rules over the state the plan would leave, and every point on the way.
--
-- A change: { action = "add" | "change" | "remove", kind, org, before, after,
--   and its target: username / userId, team / teamId, project / groupId,
--   invitationId, implied (an org invitation the file's project or team
--   access implies) }.
-- A plan: { org, changes, unmanaged, summary = { add, change, remove,
--   unmanaged }, requests (the reads it spent), fingerprint (of the state it
--   read), projects = { key = groupId }, spec (the checked spec it was made
--   from: apply makes it again), options = { prune, max_removals,
--   allow_no_project_owner, allow_no_org_owner } }.
local file = require "atlas_admin.access_code.file"
local guards = require "atlas_admin.access_code.guards"
local kinds = require "atlas_admin.access_code.kinds"
local model_read = require "atlas_admin.model.read"
local options = require "atlas_admin.http.options"
local render = require "atlas_admin.access_code.render"
local show = require "atlas_admin.util.show"
local state_mod = require "atlas_admin.access_code.state"

local M = {}

show.format("access_plan", function(plan) return render.render(plan, false) end)

local function new_change(ctx, kind, action, target, before, after)
  local c = { kind = kind, action = action, org = ctx.spec.org, before = {}, after = {} }
  for i, v in ipairs(before or {}) do c.before[i] = v end
  for i, v in ipairs(after or {}) do c.after[i] = v end
  table.sort(c.before)
  table.sort(c.after)
  for k, v in pairs(target) do c[k] = v end
  return c
end

-- Everyone the file names (each kind says where), by lower-case username:
-- { username, path (the first place), invitation_only }.
local function named_people(spec, model, project_ids)
  local named = {}
  local function note(username, path, invitation_only)
    local l = username:lower()
    local n = named[l]
    if not n then
      named[l] = { username = username, path = path, invitation_only = invitation_only }
    else
      n.invitation_only = n.invitation_only and invitation_only
    end
  end
  for _, kind in ipairs(kinds.LIST) do
    if kind.named then kind.named(spec, note, model, project_ids) end
  end
  return named
end

-- Checks that need the state: every problem at once, with its path and
-- (from a file) its line.
local function cross_check(ctx, unknown)
  local problems, spec = {}, ctx.spec
  local function problem(path, message)
    problems[#problems + 1] = { path = path, line = file.line_of(spec, path), message = message }
  end
  for _, key in ipairs(unknown) do
    problem("projects." .. key, "no project named (or with the id) " .. string.format("%q", key) .. " in organization "
      .. spec.org)
  end
  -- one project under two keys (by name and by id): two plans for one holder
  local first = {}
  local keys = {}
  for key in pairs(spec.projects or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do
    local gid = ctx.project_ids[key]
    if gid and first[gid] then
      local line = file.line_of(spec, "projects." .. first[gid])
      problem("projects." .. key, "names the same project as projects." .. first[gid] .. (line and (" (line " .. line
        .. ")") or "") .. " (" .. gid .. "): give each project once, by its name or by its id")
    elseif gid then
      first[gid] = key
    end
  end
  for _, kind in ipairs(kinds.LIST) do
    if kind.check then kind.check(ctx, problem) end
  end
  table.sort(problems, function(a, b) return a.path < b.path end)
  return problems
end

---------------------------------------------------------------------------
-- Ordering
---------------------------------------------------------------------------

local ACTION_ORDER = { add = 1, change = 2, remove = 3, unmanaged = 3 }

local function holder(c)
  return (c.username or c.team or c.name or ""):lower() .. " " .. (c.team and c.username and c.team or "")
    .. (c.address or "")
end

function M.order(a, b)
  local pa, pb = a.project or "", b.project or ""
  if pa ~= pb then return pa < pb end
  if ACTION_ORDER[a.action] ~= ACTION_ORDER[b.action] then return ACTION_ORDER[a.action] < ACTION_ORDER[b.action] end
  local ka, kb = kinds.of(a.kind).order, kinds.of(b.kind).order
  if ka ~= kb then return ka < kb end
  return holder(a) < holder(b)
end

---------------------------------------------------------------------------
-- plan_access
---------------------------------------------------------------------------


--- The plan and the state it was made from (apply_access uses both).
-- no_guards: apply_access checks them itself, with its own overrides,
-- after it has compared the plans.
function M.plan_with_state(client, spec, opts, operation, no_guards)
  local err
  opts, err = options.check("plan_access", opts)
  if not opts then return nil, err end
  spec, err = file.check(spec, client._settings.extra_roles_set)
  if not spec then return nil, err end
  local keys = {}
  for key in pairs(spec.projects or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  local state, unknown = model_read.read(client, spec.org, keys, opts.concurrency, state_mod.names_identities(spec))
  if not state then return nil, unknown end
  local model = state.model
  local ctx = { spec = spec, model = model, project_ids = state.project_ids, holders = {} }
  -- who holds roles of their own in each project, found once
  for _, person in ipairs(model.people) do
    for gid in pairs(person.projects) do
      ctx.holders[gid] = ctx.holders[gid] or {}
      table.insert(ctx.holders[gid], person)
    end
  end
  ctx.named = named_people(spec, model, state.project_ids)
  local problems = cross_check(ctx, unknown)
  if #problems > 0 then
    local e = file.problems_error(problems, spec.source)
    e.operation = operation or "plan_access"
    return nil, e
  end
  local out = { changes = {}, left = {} } -- left: the unmanaged holders (without prune)
  function out.add(o, kind, action, target, before, after)
    o.changes[#o.changes + 1] = new_change(ctx, kind, action, target, before, after)
  end
  function out.unmanaged(o, kind, target, grants)
    if opts.prune then
      o.changes[#o.changes + 1] = new_change(ctx, kind, "remove", target, grants, {})
    else
      o.left[#o.left + 1] = new_change(ctx, kind, "unmanaged", target, grants, {})
    end
  end
  for _, kind in ipairs(kinds.LIST) do kind.diff(ctx, out) end
  -- A person removed from the org takes their project roles and team
  -- memberships with them: those are not separate removals.
  local leaving = {}
  for _, c in ipairs(out.changes) do
    if c.kind == "org_user" and c.action == "remove" then leaving[c.username:lower()] = true end
  end
  local changes = {}
  for _, c in ipairs(out.changes) do
    if not (c.action == "remove" and kinds.of(c.kind).goes_with_person and leaving[c.username:lower()]) then
      changes[#changes + 1] = c
    end
  end
  table.sort(changes, M.order)
  table.sort(out.left, M.order)
  local summary = { add = 0, change = 0, remove = 0, unmanaged = #out.left }
  for _, c in ipairs(changes) do summary[c.action] = summary[c.action] + 1 end
  local project_ids = {}
  for key, gid in pairs(state.project_ids) do project_ids[key] = gid end
  local plan = {
    org = spec.org, changes = changes, unmanaged = out.left, summary = summary, requests = state.requests,
    fingerprint = state_mod.fingerprint(model), projects = project_ids,
    spec = spec, -- the checked copy made above: the caller's table is not it
    options = { prune = opts.prune == true, max_removals = opts.max_removals or guards.DEFAULT_MAX_REMOVALS,
      allow_no_project_owner = opts.allow_no_project_owner == true, allow_no_org_owner = opts.allow_no_org_owner == true,
      allow_in_use = opts.allow_in_use == true },
  }
  show.attach(plan, "access_plan")
  -- the guards judge every project the plan touches: read what they need
  local read_ids = {}
  for _, gid in pairs(state.project_ids) do read_ids[gid] = true end
  local more = guards.unread_at_risk(model, plan, read_ids)
  if #more > 0 then
    local n, rerr = model_read.read_project_teams(client, model, more, opts.concurrency)
    if not n then return nil, rerr end
    plan.requests = plan.requests + n
  end
  if not no_guards then
    local tripped = guards.check(model, plan)
    if tripped then
      tripped.operation = operation or "plan_access"
      return nil, tripped
    end
  end
  return plan, state
end

--- The plan of a spec against the live organization.
function M.plan(client, spec, opts)
  local plan, err = M.plan_with_state(client, spec, opts)
  if not plan then return nil, err end
  return plan
end

return M
