-- Access as code, part three: applying a plan.
--
--   client:apply_access(plan [, { concurrency, max_per_second, progress }]) -> report | nil, err
--
-- Before writing it reads the state again; if its fingerprint is not the
-- plan's, it refuses (kind "stale_plan") and writes nothing; the guards are
-- checked again too (a plan may come back from a file).  Then the changes
-- become requests in three waves, each a client:batch (independent writes
-- concurrently, through the very methods a script calls):
--   1. teams the plan creates (their active members in the same request);
--   2. adds and changes: a person's whole access is one record in Atlas, so
--      each person's changes (org roles, project roles, teams) are one
--      request: add_org_user for someone new (org roles, project roles and
--      teams together), update_org_user for the others; a project's new
--      teams in one add_project_teams; team role changes; legacy
--      invitations' roles;
--   3. removals: people whose changes take something away (one request
--      each, after every add), people leaving the org, legacy invitations,
--      teams leaving projects, teams deleted.
-- A wave with a failure ends the apply: the report says what was applied,
-- what failed and what was never tried; planning again shows the rest.
--
-- The report: { org, changes = { { change..., outcome = "applied" | "failed"
-- | "skipped", error } }, summary = { applied, failed, skipped },
-- requests = { reads, writes } }.
local access_plan = require "atlas_admin.access_plan"
local access_state = require "atlas_admin.access_state"
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local show = require "atlas_admin.show"
local sunset = require "atlas_admin.sunset"

local M = {}

local QUIET = sunset.QUIET -- the plan's invitation writes: no deprecation notice

local KINDS = { org_user = true, team = true, team_member = true, project_user = true, project_invitation = true,
  project_team = true }
local ACTIONS = { add = true, change = true, remove = true }

local function bad(field, message)
  return nil, errors.validation(field, message, "apply_access")
end

-- A plan as data (from plan_access, or read back from JSON) must be whole
-- before anything is read: every change a known kind with valid fields.
local function check_plan(plan)
  if type(plan) ~= "table" or type(plan.changes) ~= "table" or type(plan.org) ~= "string" then
    return bad("plan", "apply_access takes a plan from plan_access (or its JSON read back)")
  end
  local ok, field, message = core.check_id(plan.org, "plan.org")
  if not ok then return bad(field, message) end
  if type(plan.fingerprint) ~= "string" or not plan.fingerprint:match("^%x+$") then
    return bad("plan.fingerprint", "the plan has no fingerprint of the state it was made from: make it with plan_access")
  end
  if type(plan.projects) ~= "table" or type(plan.options) ~= "table" then
    return bad("plan", "the plan lacks its projects or options: make it with plan_access")
  end
  for key, gid in pairs(plan.projects) do
    ok, field, message = core.check_id(gid, "plan.projects." .. tostring(key))
    if not ok then return bad(field, message) end
  end
  for i, c in ipairs(plan.changes) do
    local p = "plan.changes[" .. i .. "]"
    if type(c) ~= "table" or not KINDS[c.kind] or not ACTIONS[c.action] then
      return bad(p, p .. " is not a change of a known kind and action")
    end
    for _, f in ipairs { "userId", "teamId", "groupId", "invitationId" } do
      if c[f] ~= nil then
        ok, field, message = core.check_id(c[f], p .. "." .. f)
        if not ok then return bad(field, message) end
      end
    end
    if c.username ~= nil then
      ok, field, message = core.check_username(c.username, p .. ".username")
      if not ok then return bad(field, message) end
    end
    if c.team ~= nil then
      ok, field, message = core.check_team_name(c.team, p .. ".team")
      if not ok then return bad(field, message) end
    end
    if type(c.before) ~= "table" or type(c.after) ~= "table" then return bad(p, p .. " lacks before and after") end
    if (c.kind == "project_user" or c.kind == "project_invitation" or c.kind == "project_team") and not c.groupId then
      return bad(p, p .. " names no project (groupId)")
    end
  end
  return true
end

local function sorted(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  table.sort(out)
  return out
end

-- The writes of one wave: { item (a client:batch call), covers = { change indexes } }.
local function person_writes(plan, model, ctx, wave)
  -- group the person-record kinds by person
  local people, order = {}, {}
  for i, c in ipairs(plan.changes) do
    if c.kind == "org_user" or c.kind == "project_user" or c.kind == "team_member" then
      local l = c.username:lower()
      if not people[l] then
        people[l] = { username = c.username, changes = {} }
        order[#order + 1] = l
      end
      table.insert(people[l].changes, i)
    end
  end
  table.sort(order)
  local writes = {}
  for _, l in ipairs(order) do
    local who = people[l]
    local p = model.person[l]
    local leaving, loses = false, false
    for _, i in ipairs(who.changes) do
      local c = plan.changes[i]
      if c.kind == "org_user" and c.action == "remove" then leaving = true end
      if c.action == "remove" then loses = true end
      if c.action == "change" then
        for _, r in ipairs(c.before) do
          local kept = false
          for _, a in ipairs(c.after) do kept = kept or a == r end
          loses = loses or not kept
        end
      end
    end
    local this_wave = (leaving or loses) and 3 or 2
    if this_wave == wave then
      if leaving then
        writes[#writes + 1] = { item = { "remove_org_user", plan.org, p.id }, covers = who.changes }
      else
        -- the person's whole record after the changes
        local org_roles = p and sorted(p.org_roles) or { "ORG_MEMBER" }
        local projects, teams = {}, {}
        if p then
          for gid, roles in pairs(p.projects) do projects[gid] = roles end
          for _, name in ipairs(p.teams) do teams[name] = true end
        end
        local roles_changed, teams_changed = p == nil, false
        local covered_by_create = true
        for _, i in ipairs(who.changes) do
          local c = plan.changes[i]
          if c.kind == "org_user" then
            org_roles, roles_changed = c.after, true
            covered_by_create = false
          elseif c.kind == "project_user" then
            projects[c.groupId] = c.action ~= "remove" and c.after or nil
            roles_changed = true
            covered_by_create = false
          else
            teams[c.team] = c.action ~= "remove" or nil
            teams_changed = true
            -- a new team takes its active members in its create request
            if not (c.action == "add" and ctx.created[c.team] and ctx.created[c.team].members[l]) then
              covered_by_create = false
            end
          end
        end
        local assignments, gids = {}, {}
        for gid in pairs(projects) do gids[#gids + 1] = gid end
        table.sort(gids)
        for _, gid in ipairs(gids) do assignments[#assignments + 1] = { groupId = gid, groupRoles = projects[gid] } end
        local team_ids, names = {}, {}
        for name in pairs(teams) do names[#names + 1] = name end
        table.sort(names)
        for _, name in ipairs(names) do
          local id = ctx.team_ids[name]
          if id then team_ids[#team_ids + 1] = id end
        end
        local roles = { orgRoles = org_roles, groupRoleAssignments = assignments }
        if not p then
          writes[#writes + 1] = { item = { "add_org_user", plan.org, { username = who.username, roles = roles,
            teamIds = team_ids } }, covers = who.changes }
        elseif covered_by_create then
          writes[#writes + 1] = { covers = who.changes, done_by_create = true }
        else
          local body = {}
          if roles_changed then body.roles = roles end
          if teams_changed then body.teamIds = team_ids end
          writes[#writes + 1] = { item = { "update_org_user", plan.org, p.id, body }, covers = who.changes }
        end
      end
    end
  end
  return writes
end

local function other_writes(plan, model, ctx, wave)
  local writes = {}
  local new_teams = {} -- gid -> { entries, covers }
  for i, c in ipairs(plan.changes) do
    if wave == 1 and c.kind == "team" and c.action == "add" then
      -- its active members that are in the org already: in the create
      local usernames, members = {}, {}
      for _, m in ipairs(plan.changes) do
        if m.kind == "team_member" and m.action == "add" and m.team == c.team then
          local p = model.person[m.username:lower()]
          if p and p.status == "ACTIVE" then
            usernames[#usernames + 1] = p.username
            members[m.username:lower()] = true
          end
        end
      end
      table.sort(usernames)
      ctx.created[c.team] = { members = members }
      writes[#writes + 1] = { item = { "create_team", plan.org, { name = c.team, usernames = usernames } }, covers = { i },
        team = c.team }
    elseif wave == 2 and c.kind == "project_team" and c.action == "add" then
      local g = new_teams[c.groupId]
      if not g then
        g = { entries = {}, covers = {} }
        new_teams[c.groupId] = g
      end
      g.entries[#g.entries + 1] = { teamId = c.teamId or ctx.team_ids[c.team], roleNames = c.after }
      g.covers[#g.covers + 1] = i
    elseif wave == 2 and c.kind == "project_team" and c.action == "change" then
      writes[#writes + 1] = { item = { "update_project_team", c.groupId, c.teamId, { roleNames = c.after } }, covers = { i } }
    elseif wave == 2 and c.kind == "project_invitation" and c.action == "change" then
      writes[#writes + 1] = { item = { "update_invitation_by_id", c.groupId, c.invitationId, { roles = c.after }, QUIET },
        covers = { i } }
    elseif wave == 3 and c.action == "remove" then
      if c.kind == "project_invitation" then
        writes[#writes + 1] = { item = { "delete_invitation", c.groupId, c.invitationId, QUIET }, covers = { i } }
      elseif c.kind == "project_team" then
        writes[#writes + 1] = { item = { "remove_project_team", c.groupId, c.teamId }, covers = { i } }
      elseif c.kind == "team" then
        writes[#writes + 1] = { item = { "delete_team", plan.org, c.teamId }, covers = { i } }
      end
    end
  end
  local gids = {}
  for gid in pairs(new_teams) do gids[#gids + 1] = gid end
  table.sort(gids)
  for _, gid in ipairs(gids) do
    writes[#writes + 1] = { item = { "add_project_teams", gid, new_teams[gid].entries }, covers = new_teams[gid].covers }
  end
  return writes
end

show.format("access_report", function(r)
  local out = { string.format("applied to org %s: %d applied, %d failed, %d not tried (%d reads, %d writes)",
    tostring(r.org), r.summary.applied, r.summary.failed, r.summary.skipped, r.requests.reads, r.requests.writes) }
  local mark = { applied = "done  ", failed = "FAILED", skipped = "skipped" }
  for _, c in ipairs(r.changes) do
    out[#out + 1] = "  " .. mark[c.outcome] .. " " .. access_plan.line(c) .. (c.project and (" in project " .. c.project) or "")
      .. (c.error and (": " .. tostring(c.error)) or "")
  end
  return table.concat(out, "\n")
end)

local BATCH_OPTIONS = { concurrency = true, max_per_second = true, progress = true }

function M.apply(client, plan, opts)
  local ok, err = check_plan(plan)
  if not ok then return nil, err end
  if opts ~= nil and type(opts) ~= "table" then
    return bad("options", "options must be a table like { concurrency = 16 }")
  end
  local batch_opts = {}
  for k, v in pairs(opts or {}) do
    if not BATCH_OPTIONS[k] then return bad(tostring(k), "unknown option " .. tostring(k)
      .. "; apply_access takes concurrency, max_per_second and progress") end
    batch_opts[k] = v
  end
  batch_opts.concurrency = batch_opts.concurrency or access_state.CONCURRENCY

  -- The state again: the plan's projects, the same reads.
  local keys = {}
  for _, gid in pairs(plan.projects) do keys[#keys + 1] = gid end
  table.sort(keys)
  local state, unknown = access_state.read(client, plan.org, keys, batch_opts.concurrency)
  if not state then return nil, unknown end
  local model = state.model
  local now = access_state.fingerprint(model)
  if #unknown > 0 or now ~= plan.fingerprint then return nil, access_state.stale(plan.fingerprint, now) end
  plan.summary = plan.summary or {}
  local removals = 0
  for _, c in ipairs(plan.changes) do if c.action == "remove" then removals = removals + 1 end end
  plan.summary.remove = removals
  local tripped = access_plan.check_guards(model, plan)
  if tripped then
    tripped.operation = "apply_access"
    return nil, tripped
  end

  local report = { org = plan.org, changes = {}, summary = { applied = 0, failed = 0, skipped = 0 },
    requests = { reads = state.requests, writes = 0 } }
  for i, c in ipairs(plan.changes) do
    local r = {}
    for k, v in pairs(c) do r[k] = v end
    r.outcome = "skipped"
    report.changes[i] = r
  end
  local ctx = { team_ids = {}, created = {} }
  for _, t in ipairs(model.teams) do ctx.team_ids[t.name] = t.id end
  local stopped = false
  for wave = 1, 3 do
    if stopped then break end
    local writes = {}
    for _, w in ipairs(other_writes(plan, model, ctx, wave)) do writes[#writes + 1] = w end
    for _, w in ipairs(person_writes(plan, model, ctx, wave)) do writes[#writes + 1] = w end
    local items, of_item = {}, {}
    for _, w in ipairs(writes) do
      if w.item then
        -- for the audit record: the changes' before, and the organization
        local before = {}
        for _, i in ipairs(w.covers) do
          local c = plan.changes[i]
          before[#before + 1] = { kind = c.kind, action = c.action, project = c.project, team = c.team,
            username = c.username, before = c.before }
        end
        w.item.audit = { before = before, org = plan.org }
        items[#items + 1] = w.item
        of_item[#items] = w
      else
        for _, i in ipairs(w.covers) do report.changes[i].outcome = "applied" end -- done by a create
      end
    end
    if #items > 0 then
      local results, summary = client:batch(items, batch_opts)
      if not results then return nil, summary end
      report.requests.writes = report.requests.writes + summary.requests
      for k, r in ipairs(results) do
        local w = of_item[k]
        for _, i in ipairs(w.covers) do
          report.changes[i].outcome = r.ok and "applied" or "failed"
          if not r.ok then report.changes[i].error = r.err end
        end
        if r.ok and w.team and type(r.value) == "table" then ctx.team_ids[w.team] = r.value.id end
        if not r.ok then stopped = true end
      end
    end
  end
  for _, c in ipairs(report.changes) do report.summary[c.outcome] = report.summary[c.outcome] + 1 end
  return show.attach(report, "access_report")
end

return M
