-- Access as code, part three: applying a plan.
--
--   client:apply_access(plan [, { prune, max_removals, allow_no_org_owner, allow_no_project_owner,
--                                concurrency, max_per_second, progress, confirm }]) -> report | nil, err
--
-- A plan is trusted only as far as it can be made again.  It carries the
-- spec it was planned from; apply checks every field of it before any
-- request, plans that spec again against the live organization, and
-- writes only when that gives the very same changes from the same state:
-- else it refuses, writing nothing (kind "stale_plan" when the organization
-- changed since, "edited_plan" when the changes are not what the spec
-- plans to).  Guard overrides and prune are never taken from the plan:
-- apply's own options give them (a plan may come back from a file anyone
-- could edit).  confirm(plan), if given, sees the plan as made again (its
-- summary true) and is asked before the first write.
--
-- The writes run level by level (schedule.lua: grants before what
-- they replace is taken away); a level with a failure ends the apply: the
-- report says what was applied, what failed and what was never tried, and
-- after a failure reads the organization once more to say what Atlas holds
-- now for each change that did not apply.  Every write has its audit record
-- (the trail is probed before the first write; a record that cannot be
-- written stops the apply: err.done is the report so far).
--
-- The report: { org, changes = { { change..., outcome = "applied" | "failed"
-- | "skipped", error, now (after a failure: what Atlas holds) } },
-- summary = { applied, failed, skipped }, requests = { reads, writes } }.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local guards = require "atlas_admin.access_code.guards"
local jsonenc = require "atlas_admin.util.jsonenc"
local kinds = require "atlas_admin.access_code.kinds"
local list = require "atlas_admin.util.list"
local model_read = require "atlas_admin.model.read"
local options = require "atlas_admin.http.options"
local planner = require "atlas_admin.access_code.planner"
local render = require "atlas_admin.access_code.render"
local schedule = require "atlas_admin.access_code.schedule"
local show = require "atlas_admin.util.show"
local state_mod = require "atlas_admin.access_code.state"
local suggest = require "atlas_admin.util.suggest"
local text = require "atlas_admin.util.text"
local writes_mod = require "atlas_admin.access_code.writes"

local M = {}

local ID_FIELDS = { "userId", "teamId", "groupId", "invitationId" }

local function bad(field, message)
  return nil, errors.validation(field, message, "apply_access")
end

local function check_list(values, field, what, extra)
  if type(values) ~= "table" then return bad(field, field .. " must be a values") end
  local n = 0
  for k in pairs(values) do
    if type(k) ~= "number" then return bad(field, field .. " must be a values, not a table with named keys") end
    n = n + 1
  end
  for i = 1, n do
    if type(values[i]) ~= "string" then return bad(field, field .. " must be a values of strings") end
  end
  if what == "address" then
    for i = 1, n do
      local ok, f, message = core.check_access_address(values[i], field .. "[" .. i .. "]")
      if not ok then return bad(f, message) end
    end
  elseif what == "none" then
    if n > 0 then return bad(field, field .. " must be empty for a team itself") end
  elseif what == "member" then
    if n > 1 or (n == 1 and values[1] ~= "member") then return bad(field, field .. " must be [] or [\"member\"]") end
  elseif n > 0 then
    local ok, f, message = core.check_roles(values, field, extra, what)
    if not ok then return bad(f, message) end
  end
  return true
end

-- A plan as data (from plan_access, or read back from JSON) must be whole
-- before anything is read: every change a known kind and action with valid
-- fields, the spec it was made from, its fingerprint.
local function check_plan(plan, extra)
  if type(plan) ~= "table" or type(plan.changes) ~= "table" then
    return bad("plan", "apply_access takes a plan from plan_access (or its JSON read back)")
  end
  if type(plan.org) ~= "string" then return bad("plan.org", "the plan names no organization: make it with plan_access") end
  local ok, field, message = core.check_id(plan.org, "plan.org")
  if not ok then return bad(field, message) end
  if type(plan.fingerprint) ~= "string" or not plan.fingerprint:match("^%x+$") then
    return bad("plan.fingerprint", "the plan has no fingerprint of the state it was made from: make it with plan_access")
  end
  if type(plan.spec) ~= "table" then
    return bad("plan.spec", "the plan does not carry the spec it was made from (a plan of an older version?): make it "
      .. "again with plan_access")
  end
  if plan.spec.org ~= plan.org then return bad("plan.spec.org", "the plan's spec is for another organization") end
  if type(plan.options) ~= "table" or type(plan.options.prune) ~= "boolean" then
    return bad("plan.options", "the plan lacks its options: make it with plan_access")
  end
  local n = 0
  for k in pairs(plan.changes) do
    if type(k) ~= "number" then return bad("plan.changes", "plan.changes must be a list") end
    n = n + 1
  end
  for i = 1, n do
    local c, p = plan.changes[i], "plan.changes[" .. i .. "]"
    if type(c) ~= "table" then return bad(p, p .. " is not a change") end
    local kind = type(c.kind) == "string" and kinds.of(c.kind)
    if not kind then
      return bad(p .. ".kind", suggest.unknown("kind of change", tostring(c.kind), kinds.names()))
    end
    if not kind.actions[c.action] then
      return bad(p .. ".action", p .. ".action must be one of " .. table.concat(list.keys(kind.actions), ", ")
        .. " for a " .. c.kind .. ", got " .. string.format("%q", tostring(c.action)))
    end
    for _, f in ipairs(ID_FIELDS) do
      if c[f] ~= nil then
        ok, field, message = core.check_id(c[f], p .. "." .. f)
        if not ok then return bad(field, message) end
      end
    end
    if c.username ~= nil or kind.section and kind.section.keys == "username" or kind.goes_with_person then
      ok, field, message = core.check_username(c.username, p .. ".username")
      if not ok then return bad(field, message) end
    end
    if c.team ~= nil or kind.roles == "none" or kind.roles == "member" or (kind.section and kind.section.keys == "team") then
      ok, field, message = core.check_team_name(c.team, p .. ".team")
      if not ok then return bad(field, message) end
    end
    if kind.project and not c.groupId then return bad(p .. ".groupId", p .. " names no project (groupId)") end
    if c.name ~= nil or kind.identity or kind.roles == "address" then
      ok, field, message = core.check_team_name(c.name, p .. ".name")
      if not ok then return bad(field, message) end
    end
    if c.identityId ~= nil and (type(c.identityId) ~= "string" or not c.identityId:match("^[%w_]+$")) then
      return bad(p .. ".identityId", p .. ".identityId must be an API key's id or a service account's client id")
    end
    if c.project ~= nil and type(c.project) ~= "string" then return bad(p .. ".project", p .. ".project must be a name") end
    local okb, eb = check_list(c.before, p .. ".before", kind.roles, extra)
    if not okb then return nil, eb end
    local oka, ea = check_list(c.after, p .. ".after", kind.roles, extra)
    if not oka then return nil, ea end
  end
  return true
end

-- A change as text for comparing: the fields that say what is written.
local COMPARED = { "kind", "action", "org", "username", "userId", "team", "teamId", "project", "groupId",
  "invitationId", "before", "after", "implied" }
local function change_key(c)
  local t = {}
  for _, f in ipairs(COMPARED) do
    local v = c[f]
    if type(v) == "table" then
      local copy = {}
      for i, x in ipairs(v) do copy[i] = x end
      v = table.concat(copy, ",")
    end
    if v ~= nil then t[f] = v end
  end
  return assert(jsonenc.encode(t))
end

-- nil, or the error saying how the plan's changes differ from fresh's.
local function differs(plan, fresh)
  local n = math.max(#plan.changes, #fresh.changes)
  for i = 1, n do
    local a, b = plan.changes[i], fresh.changes[i]
    if not a or not b or change_key(a) ~= change_key(b) then
      local what
      if not b then what = "the plan has a change its spec does not give: " .. render.line(a)
      elseif not a then what = "its spec gives a change the plan lacks: " .. render.line(b)
      else what = "change " .. i .. " reads \"" .. render.line(a) .. "\" where its spec gives \""
        .. render.line(b) .. "\"" end
      return errors.refused("edited_plan", "the plan's changes are not what its spec plans to (" .. what
        .. "); nothing was written: make the plan again and review it", "apply_access", { change = i })
    end
  end
end

---------------------------------------------------------------------------
-- What Atlas holds now, for the changes that did not apply.
---------------------------------------------------------------------------

-- After a failure: one read of the organization, and for each change that
-- did not apply, what Atlas holds now (a write reported failed may have
-- taken effect in part: a team created with its members, a timeout).
local function read_back(client, plan, report, concurrency)
  local keys = {}
  for _, c in ipairs(report.changes) do
    if c.outcome ~= "applied" and c.groupId then keys[#keys + 1] = c.groupId end
  end
  table.sort(keys)
  local uniq = {}
  for _, k in ipairs(keys) do if uniq[#uniq] ~= k then uniq[#uniq + 1] = k end end
  -- (the identities too when the plan names any: what a failed change of theirs left)
  local state = model_read.read(client, plan.org, uniq, concurrency, state_mod.names_identities(plan.spec))
  if not state then return end
  report.requests.reads = report.requests.reads + state.requests
  for _, c in ipairs(report.changes) do
    if c.outcome ~= "applied" then
      local kind = kinds.of(c.kind)
      local now = kind.holds(state.model, c)
      c.now = list.sorted(now)
      c.in_effect = list.same(now, kind.wanted and kind.wanted(c) or c.after)
    end
  end
end

show.format("access_report", function(r)
  local out = { string.format("applied to org %s: %d applied, %d failed, %d not tried (%d reads, %d writes)",
    tostring(r.org), r.summary.applied, r.summary.failed, r.summary.skipped, r.requests.reads, r.requests.writes) }
  local mark = { applied = "done  ", failed = "FAILED", skipped = "not tried" }
  for _, c in ipairs(r.changes) do
    local now = ""
    if c.now then
      now = c.in_effect and " (yet Atlas holds it as planned now)"
        or (" (Atlas holds now: " .. (#c.now > 0 and table.concat(c.now, ", ") or "nothing") .. ")")
    end
    out[#out + 1] = "  " .. mark[c.outcome] .. " " .. render.line(c) .. (c.project and (" in project "
      .. text.printable(c.project)) or "") .. (c.error and (": " .. tostring(c.error)) or "") .. now
  end
  return table.concat(out, "\n")
end)

---------------------------------------------------------------------------
-- The secrets of the identities a plan creates
---------------------------------------------------------------------------

local function secret_path(dir, name)
  return dir .. "/" .. name:gsub("[^%w%._%-]", "_")
end

-- A plan that creates an API key or a service account gets its secret
-- back once: apply creates one only when told where secrets go (a
-- directory it can write), checked before any write.
local function check_secrets_dir(plan, dir)
  local creates = {}
  for _, c in ipairs(plan.changes) do
    if c.action == "add" and kinds.of(c.kind).creates_secret then creates[#creates + 1] = render.line(c) end
  end
  if #creates == 0 then return true end
  if dir == nil then
    return nil, errors.validation("secrets_dir", "the plan creates " .. table.concat(creates, "; ") .. ", and Atlas "
      .. "shows each one's secret once: give secrets_dir = DIR (CLI --secrets-dir DIR), a directory where each goes "
      .. "to a new file readable by you alone; nothing was written", "apply_access")
  end
  local probe = secret_path(dir, ".atlas-admin-probe-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e9)))
  local f = io.open(probe, "wb")
  if not f then
    return nil, errors.validation("secrets_dir", "cannot create files in " .. string.format("%q", dir)
      .. " (no such directory, or not writable); nothing was written", "apply_access")
  end
  f:close()
  os.remove(probe)
  return true
end

-- After a create: its id for the later writes, its secret in a new 0600 file.
local function keep_secret(c, value, dir, ctx)
  local kind = kinds.of(c.kind)
  local id, secret, public = kind.created(value)
  ctx.identity_ids[c.kind .. "\0" .. c.name] = id
  c.identityId = id
  local path = secret_path(dir, kind.file_name(c.name, public))
  local ok, problem
  if type(secret) == "userdata" or (type(secret) == "table" and secret.write_file) then
    ok, problem = secret:write_file(path)
  else
    problem = "Atlas's answer carried no secret to keep"
  end
  if not ok then
    return nil, errors.refused("secret", kind.identity.label .. " " .. c.name .. " was created (" .. tostring(id)
      .. ") but its secret could not be kept in " .. path .. " (" .. errors.one_line(tostring(problem and (problem.message
      or problem))) .. "): delete it or make it a new secret; stopping", "apply_access", { written = true })
  end
  c.secret_file = path
  return true
end

---------------------------------------------------------------------------
-- apply_access
---------------------------------------------------------------------------

function M.apply(client, plan, opts)
  local err
  opts, err = options.check("apply_access", opts)
  if not opts then return nil, err end
  local ok
  ok, err = check_plan(plan, client._settings.extra_roles_set)
  if not ok then return nil, err end
  if (opts.prune == true) ~= plan.options.prune then
    return bad("prune", plan.options.prune and "this plan was made with prune: give prune = true (CLI --prune) to "
      .. "apply it" or "this plan was made without prune: apply it without prune (or plan again with it)")
  end
  local concurrency = opts.concurrency or model_read.CONCURRENCY

  -- The plan made again from its spec, against the live state.
  local fresh, state = planner.plan_with_state(client, plan.spec, { prune = plan.options.prune,
    concurrency = concurrency }, "apply_access", true)
  if not fresh then return nil, state end
  if fresh.fingerprint ~= plan.fingerprint then return nil, state_mod.stale(plan.fingerprint, fresh.fingerprint) end
  err = differs(plan, fresh)
  if err then return nil, err end
  local model = state.model
  local guard_options = { max_removals = opts.max_removals or guards.DEFAULT_MAX_REMOVALS,
    allow_no_org_owner = opts.allow_no_org_owner == true, allow_no_project_owner = opts.allow_no_project_owner == true,
    allow_in_use = opts.allow_in_use == true }
  for k, v in pairs(guard_options) do fresh.options[k] = v end
  local writes = schedule.writes(fresh, model) -- (the guards simulate them; then they run)
  local tripped = guards.check(model, fresh, guard_options, writes)
  if tripped then
    tripped.operation = "apply_access"
    return nil, tripped
  end

  local report = { org = plan.org, changes = {}, summary = { applied = 0, failed = 0, skipped = 0 },
    requests = { reads = fresh.requests, writes = 0 } }
  for i, c in ipairs(fresh.changes) do
    local r = {}
    for k, v in pairs(c) do r[k] = v end
    r.outcome = "skipped"
    report.changes[i] = r
  end
  show.attach(report, "access_report")
  local function finish()
    report.summary = { applied = 0, failed = 0, skipped = 0 }
    for _, c in ipairs(report.changes) do report.summary[c.outcome] = report.summary[c.outcome] + 1 end
    return report
  end
  if #fresh.changes == 0 then return finish() end
  ok, err = check_secrets_dir(fresh, opts.secrets_dir)
  if not ok then return nil, err end

  -- the audit trail must take a record before the first write
  ok, err = client:_audit_event { time = os.date("!%Y-%m-%dT%H:%M:%SZ"), org = plan.org, operation = "apply_access",
    event = "start", changes = #fresh.changes, fingerprint = fresh.fingerprint }
  if not ok then return nil, err end
  if opts.confirm and not opts.confirm(fresh) then
    return nil, errors.refused("declined", "not confirmed: nothing was applied", "apply_access")
  end

  local levels = {}
  for _, w in ipairs(writes) do levels[w.level] = true end
  local order = {}
  for level in pairs(levels) do order[#order + 1] = level end
  table.sort(order)
  local ctx = { team_ids = {}, identity_ids = {} }
  for _, t in ipairs(model.teams) do ctx.team_ids[t.name] = t.id end
  local batch_opts = { concurrency = concurrency, max_per_second = opts.max_per_second, progress = opts.progress }
  local stopped, audit_err, secret_err = false, nil, nil
  for _, level in ipairs(order) do
    if stopped then break end
    local items, of_item = {}, {}
    for _, w in ipairs(writes) do
      if w.level == level then
        local item = writes_mod.item(w, fresh, model, ctx)
        -- for the audit record: the changes' before, and the organization
        local before = {}
        for _, i in ipairs(w.covers) do
          local c = fresh.changes[i]
          before[#before + 1] = { kind = c.kind, action = c.action, project = c.project, team = c.team,
            username = c.username, before = c.before }
        end
        item.audit = { before = before, org = plan.org }
        items[#items + 1] = item
        of_item[#items] = w
      end
    end
    local results, summary = client:batch(items, batch_opts)
    if not results then return nil, summary end
    report.requests.writes = report.requests.writes + summary.requests
    for k, r in ipairs(results) do
      local w = of_item[k]
      local written = r.ok or (r.err and r.err.kind == "audit" and r.err.written)
      for _, i in ipairs(w.covers) do
        report.changes[i].outcome = written and "applied" or "failed"
        if not written then report.changes[i].error = r.err end
      end
      if written and w.kind == "create_team" and type(r.value) == "table" then ctx.team_ids[w.key] = r.value.id end
      if written and w.kind == "create_identity" and type(r.value) == "table" then
        local c = report.changes[w.covers[1]]
        local saved, problem = keep_secret(c, r.value, opts.secrets_dir, ctx)
        if not saved then
          c.error, stopped = problem, true
          secret_err = secret_err or problem
        end
      end
      if not r.ok then stopped = true end
      if r.err and r.err.kind == "audit" then audit_err = audit_err or r.err end
    end
  end
  finish()
  if stopped then
    read_back(client, fresh, report, concurrency)
    finish()
  end
  if secret_err then
    secret_err.done = report
    return nil, secret_err
  end
  if audit_err then
    audit_err.done = report
    audit_err.operation = "apply_access"
    return nil, audit_err
  end
  return report
end

return M
