-- Access as code, part two: from a spec (access_file.lua) and the live
-- state (access_state.lua) to a plan, plain data.
--
--   client:export_access(orgId [, { projects = { names or ids } }]) -> spec
--   client:plan_access(spec [, { prune, max_removals, allow_no_project_owner,
--                               allow_no_org_owner, concurrency }]) -> plan | nil, err
--
-- Only what the file names is managed.  Each kind below reads the grants a
-- holder has now and the ones the file gives it, and the planner diffs
-- them all the same way: a holder the file lists gets exactly its grants
-- (add, change); one present in Atlas but not listed is "unmanaged" and is
-- removed only with prune.  Team members are exact inside a listed team.
-- Guards are rules over the state the plan would leave (GUARDS below).
--
-- A change: { action = "add" | "change" | "remove", kind, org, before, after,
--   and its target: username / userId, team / teamId, project / groupId,
--   invitationId, implied (an org invitation the file's project or team
--   access implies) }.
-- A plan: { org, changes, unmanaged, summary = { add, change, remove,
--   unmanaged }, requests (the reads it spent), fingerprint (of the state it
--   read), projects = { key = groupId }, options = { prune, max_removals,
--   allow_no_project_owner, allow_no_org_owner } }.
local access_file = require "atlas_admin.access_file"
local access_state = require "atlas_admin.access_state"
local errors = require "atlas_admin.errors"
local show = require "atlas_admin.show"

local M = {}

M.DEFAULT_MAX_REMOVALS = 10

local function sorted(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  table.sort(out)
  return out
end

local function same(a, b)
  a, b = sorted(a), sorted(b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

local function lower_keys(map)
  local out = {}
  for k, v in pairs(map or {}) do out[k:lower()] = { key = k, value = v } end
  return out
end

local function new_change(ctx, kind, action, target, before, after)
  local c = { kind = kind, action = action, org = ctx.spec.org, before = sorted(before), after = sorted(after) }
  for k, v in pairs(target) do c[k] = v end
  return c
end

-- The person's pending legacy invitation in a project (not expired), if any.
local function invitation_of(model, gid, username)
  for _, inv in ipairs(model.invitations[gid] or {}) do
    if inv.username:lower() == username:lower() then return inv end
  end
end

local function person_of(model, username)
  return model.person[username:lower()]
end

---------------------------------------------------------------------------
-- The kinds.  Each: name, the file section it manages (for messages), and
-- diff(ctx, out) calling out:add(kind, action, target, before, after) for
-- each change and out:unmanaged(kind, target, grants) for each holder the
-- file does not list (with prune, a removal).
---------------------------------------------------------------------------

local KINDS = {}

-- People in the organization and their organization roles (users:).
KINDS[#KINDS + 1] = { name = "org_user", section = "users", diff = function(ctx, out)
  local model, users = ctx.model, ctx.spec.users
  if users then
    local listed = lower_keys(users)
    for lname, e in pairs(listed) do
      local p = person_of(model, lname)
      if not p then
        out:add("org_user", "add", { username = e.key }, {}, e.value)
      elseif not same(p.org_roles, e.value) then
        out:add("org_user", "change", { username = p.username, userId = p.id }, p.org_roles, e.value)
      end
    end
    for _, p in ipairs(model.people) do
      if not listed[p.username:lower()] then
        out:unmanaged("org_user", { username = p.username, userId = p.id }, p.org_roles)
      end
    end
  else
    -- Without users:, a person given project or team access who is not in
    -- the organization is invited with ORG_MEMBER (what Atlas does itself).
    for lname, who in pairs(ctx.named) do
      if not person_of(model, lname) and not who.invitation_only then
        out:add("org_user", "add", { username = who.username, implied = true }, {}, { "ORG_MEMBER" })
      end
    end
  end
end }

-- Teams themselves (teams:): created when listed and missing.
KINDS[#KINDS + 1] = { name = "team", section = "teams", diff = function(ctx, out)
  local model, teams = ctx.model, ctx.spec.teams
  if not teams then return end
  for name in pairs(teams) do
    if not model.team[name] then out:add("team", "add", { team = name }, {}, {}) end
  end
  for _, t in ipairs(model.teams) do
    if not teams[t.name] then out:unmanaged("team", { team = t.name, teamId = t.id }, t.members) end
  end
end }

-- A listed team's members: exactly the file's (no prune needed).
KINDS[#KINDS + 1] = { name = "team_member", section = "teams", diff = function(ctx, out)
  local model, teams = ctx.model, ctx.spec.teams
  if not teams then return end
  for name, wanted in pairs(teams) do
    local t = model.team[name]
    local current = {}
    for _, m in ipairs(t and t.members or {}) do current[m:lower()] = m end
    local want = {}
    for _, u in ipairs(wanted) do
      want[u:lower()] = true
      if not current[u:lower()] then
        local p = person_of(model, u)
        out:add("team_member", "add", { team = name, teamId = t and t.id, username = p and p.username or u,
          userId = p and p.id }, {}, { "member" })
      end
    end
    for lname, m in pairs(current) do
      if not want[lname] then
        out:add("team_member", "remove", { team = name, teamId = t.id, username = m, userId = person_of(model, m).id },
          { "member" }, {})
      end
    end
  end
end }

-- People in a project (projects.<p>.users:), whichever world holds them:
-- their own Cloud user roles, or a pending legacy invitation (managed
-- through it, as set_project_roles does).
KINDS[#KINDS + 1] = { name = "project_user", section = "projects.*.users", diff = function(ctx, out)
  local model = ctx.model
  for key, project in pairs(ctx.spec.projects or {}) do
    local gid = ctx.project_ids[key]
    if gid and project.users then
      local pname = model.project[gid].name
      local listed = lower_keys(project.users)
      for lname, e in pairs(listed) do
        local p = person_of(model, lname)
        local own = p and p.projects[gid]
        local inv = invitation_of(model, gid, lname)
        local target = { project = pname, groupId = gid, username = p and p.username or e.key, userId = p and p.id }
        if own then
          if not same(own, e.value) then out:add("project_user", "change", target, own, e.value) end
        elseif inv then
          if not same(inv.roles, e.value) then
            out:add("project_invitation", "change", { project = pname, groupId = gid, username = inv.username,
              invitationId = inv.id }, inv.roles, e.value)
          end
        else
          out:add("project_user", "add", target, {}, e.value)
        end
      end
      for _, p in ipairs(ctx.holders[gid] or {}) do
        if not listed[p.username:lower()] then
          out:unmanaged("project_user", { project = pname, groupId = gid, username = p.username, userId = p.id },
            p.projects[gid])
        end
      end
      for _, inv in ipairs(model.invitations[gid] or {}) do
        local l = listed[inv.username:lower()]
        local p = person_of(model, inv.username)
        -- not listed, or listed but managed as a Cloud user (the invitation is then left over)
        if not l or (p and p.projects[gid]) then
          out:unmanaged("project_invitation", { project = pname, groupId = gid, username = inv.username,
            invitationId = inv.id }, inv.roles)
        end
      end
    end
  end
end }

-- Teams in a project and their roles (projects.<p>.teams:).
KINDS[#KINDS + 1] = { name = "project_team", section = "projects.*.teams", diff = function(ctx, out)
  local model = ctx.model
  for key, project in pairs(ctx.spec.projects or {}) do
    local gid = ctx.project_ids[key]
    if gid and project.teams then
      local pname = model.project[gid].name
      for name, roles in pairs(project.teams) do
        local t = model.team[name]
        local current = t and t.projects[gid]
        local target = { project = pname, groupId = gid, team = name, teamId = t and t.id }
        if not current then
          out:add("project_team", "add", target, {}, roles)
        elseif not same(current, roles) then
          out:add("project_team", "change", target, current, roles)
        end
      end
      for _, t in ipairs(model.teams) do
        if t.projects[gid] and not project.teams[t.name] then
          out:unmanaged("project_team", { project = pname, groupId = gid, team = t.name, teamId = t.id }, t.projects[gid])
        end
      end
    end
  end
end }
M.KINDS = KINDS

---------------------------------------------------------------------------
-- Checks that need the state: every problem at once, with its path.
---------------------------------------------------------------------------

local function cross_check(ctx, unknown)
  local problems, spec, model = {}, ctx.spec, ctx.model
  local function problem(path, message) problems[#problems + 1] = { path = path, message = message } end
  for _, key in ipairs(unknown) do
    problem("projects." .. key, "no project named (or with the id) " .. string.format("%q", key) .. " in organization "
      .. spec.org)
  end
  for key, project in pairs(spec.projects or {}) do
    for name in pairs(project.teams or {}) do
      if not model.team[name] and not (spec.teams and spec.teams[name]) then
        problem("projects." .. key .. ".teams." .. name, "no team " .. string.format("%q", name) .. " in organization "
          .. spec.org .. " (list it under teams: to create it)")
      end
    end
  end
  if spec.users then
    local listed = lower_keys(spec.users)
    for lname, who in pairs(ctx.named) do
      if not listed[lname] and not who.invitation_only then
        problem(who.path, who.username .. " is not listed under users: (when users: is present, everyone the file names "
          .. "must be; a person whose only access is a pending legacy invitation is the exception)")
      end
    end
  end
  table.sort(problems, function(a, b) return a.path < b.path end)
  return problems
end

-- Everyone the file names under teams: and projects:, by lower-case
-- username: { username, path (the first place), invitation_only }.
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
  for team, members in pairs(spec.teams or {}) do
    for i, u in ipairs(members) do note(u, "teams." .. team .. "[" .. i .. "]", false) end
  end
  for key, project in pairs(spec.projects or {}) do
    local gid = project_ids[key]
    for u in pairs(project.users or {}) do
      local only = gid ~= nil and not person_of(model, u) and invitation_of(model, gid, u) ~= nil
      note(u, "projects." .. key .. ".users." .. u, only)
    end
  end
  return named
end

---------------------------------------------------------------------------
-- The planned state and the guards over it.
---------------------------------------------------------------------------

-- The state as sets: people (ACTIVE ones count for ownership) with org
-- roles and project roles, teams with members and project roles.
local function state_of(model)
  local s = { people = {}, teams = {} }
  for _, p in ipairs(model.people) do
    local projects = {}
    for gid, roles in pairs(p.projects) do projects[gid] = sorted(roles) end
    s.people[p.username:lower()] = { status = p.status, org_roles = sorted(p.org_roles), projects = projects }
  end
  for _, t in ipairs(model.teams) do
    local members, projects = {}, {}
    for _, m in ipairs(t.members) do members[m:lower()] = true end
    for gid, roles in pairs(t.projects) do projects[gid] = sorted(roles) end
    s.teams[t.name] = { members = members, projects = projects }
  end
  return s
end

local function copy_state(s)
  local c = { people = {}, teams = {} }
  for k, p in pairs(s.people) do
    local projects = {}
    for gid, roles in pairs(p.projects) do projects[gid] = roles end
    c.people[k] = { status = p.status, org_roles = p.org_roles, projects = projects }
  end
  for k, t in pairs(s.teams) do
    local members, projects = {}, {}
    for m in pairs(t.members) do members[m] = true end
    for gid, roles in pairs(t.projects) do projects[gid] = roles end
    c.teams[k] = { members = members, projects = projects }
  end
  return c
end

-- What the changes leave.
local function planned_state(before, changes)
  local s = copy_state(before)
  local function person(username)
    local l = username:lower()
    s.people[l] = s.people[l] or { status = "PENDING", org_roles = {}, projects = {} }
    return s.people[l]
  end
  for _, c in ipairs(changes) do
    if c.kind == "org_user" then
      if c.action == "remove" then s.people[c.username:lower()] = nil
      else person(c.username).org_roles = c.after end
    elseif c.kind == "project_user" then
      person(c.username).projects[c.groupId] = c.action ~= "remove" and c.after or nil
    elseif c.kind == "team" then
      if c.action == "remove" then s.teams[c.team] = nil
      else s.teams[c.team] = s.teams[c.team] or { members = {}, projects = {} } end
    elseif c.kind == "team_member" then
      local t = s.teams[c.team] or { members = {}, projects = {} }
      s.teams[c.team] = t
      t.members[c.username:lower()] = c.action ~= "remove" or nil
    elseif c.kind == "project_team" then
      local t = s.teams[c.team] or { members = {}, projects = {} }
      s.teams[c.team] = t
      t.projects[c.groupId] = c.action ~= "remove" and c.after or nil
    end
  end
  for l, p in pairs(s.people) do
    if not before.people[l] then p.status = "PENDING" end
  end
  return s
end

local function has(list, role)
  for _, r in ipairs(list or {}) do
    if r == role then return true end
  end
  return false
end

-- Who owns what in a state, found once per state: an active ORG_OWNER,
-- and per project an active person with GROUP_OWNER or a team with
-- GROUP_OWNER that has an active member.
local function owners(s)
  if s.owners then return s.owners end
  local o = { org = false, projects = {} }
  for _, p in pairs(s.people) do
    if p.status == "ACTIVE" then
      if has(p.org_roles, "ORG_OWNER") then o.org = true end
      for gid, roles in pairs(p.projects) do
        if has(roles, "GROUP_OWNER") then o.projects[gid] = true end
      end
    end
  end
  for _, t in pairs(s.teams) do
    local active = false
    for m in pairs(t.members) do active = active or (s.people[m] ~= nil and s.people[m].status == "ACTIVE") end
    if active then
      for gid, roles in pairs(t.projects) do
        if has(roles, "GROUP_OWNER") then o.projects[gid] = true end
      end
    end
  end
  s.owners = o
  return o
end

local function org_owned(s)
  return owners(s).org
end

-- A Project Owner: an active person with GROUP_OWNER, a team with
-- GROUP_OWNER that has an active member, or an ORG_OWNER in the org.
local function project_owned(s, gid)
  local o = owners(s)
  return o.org or o.projects[gid] == true
end

-- The guards, each a rule over the state before and after the plan; each
-- names the option that overrides it.  Nothing is sent when one trips.
M.GUARDS = {
  { name = "org_owner", option = "allow_no_org_owner", check = function(before, after)
    if org_owned(before) and not org_owned(after) then
      return "the organization would be left with no active ORG_OWNER"
    end
  end },
  { name = "project_owner", option = "allow_no_project_owner", check = function(before, after, plan)
    local orphans = {}
    for key, gid in pairs(plan.projects) do
      if project_owned(before, gid) and not project_owned(after, gid) then orphans[#orphans + 1] = key .. " (" .. gid .. ")" end
    end
    if #orphans > 0 then
      table.sort(orphans)
      return (#orphans == 1 and "project " or "projects ") .. table.concat(orphans, ", ") .. " would be left with no "
        .. "Project Owner: no active person or team member with GROUP_OWNER and no ORG_OWNER in the organization"
    end
  end },
  { name = "max_removals", option = "max_removals", check = function(_, _, plan)
    if plan.summary.remove > plan.options.max_removals then
      return plan.summary.remove .. " removals, more than max_removals = " .. plan.options.max_removals
    end
  end },
}

--- Checks the guards of a plan against the state it was made from:
-- nil, or an error (kind "guard") naming the guard and its option.
function M.check_guards(model, plan)
  local before = state_of(model)
  local after = planned_state(before, plan.changes)
  for _, g in ipairs(M.GUARDS) do
    local overridden = g.option ~= "max_removals" and plan.options[g.option]
    local problem = not overridden and g.check(before, after, plan)
    if problem then
      local how = g.option == "max_removals" and ("raise max_removals (CLI --max-removals N) if you mean it")
        or ("set " .. g.option .. " = true if you mean it")
      return errors.refused("guard", problem .. "; nothing was sent (" .. how .. ")", "plan_access",
        { guard = g.name, option = g.option, plan = plan })
    end
  end
end

---------------------------------------------------------------------------
-- Ordering, summary, rendering.
---------------------------------------------------------------------------

local ACTION_ORDER = { add = 1, change = 2, remove = 3 }
local KIND_ORDER = { org_user = 1, team = 2, team_member = 3, project_user = 4, project_invitation = 5, project_team = 6 }

local function holder(c)
  return (c.username or c.team or ""):lower() .. " " .. (c.team and c.username and c.team or "")
end

local function order(a, b)
  local pa, pb = a.project or "", b.project or ""
  if pa ~= pb then return pa < pb end
  if ACTION_ORDER[a.action] ~= ACTION_ORDER[b.action] then return ACTION_ORDER[a.action] < ACTION_ORDER[b.action] end
  if KIND_ORDER[a.kind] ~= KIND_ORDER[b.kind] then return KIND_ORDER[a.kind] < KIND_ORDER[b.kind] end
  return holder(a) < holder(b)
end
M.order = order

local SIGN = { add = "+", change = "~", remove = "-", unmanaged = "?" }
local COLOR = { add = "\27[32m", change = "\27[33m", remove = "\27[31m", unmanaged = "\27[2m" }

local function roles_text(list)
  return #list > 0 and table.concat(list, ", ") or "-"
end

-- One line of the diff.
function M.line(c, action)
  action = action or c.action
  local what
  if c.kind == "team" then
    what = "team " .. c.team
  elseif c.kind == "team_member" then
    what = "team " .. c.team .. ": member " .. c.username
  elseif c.kind == "project_team" then
    what = "team " .. c.team
  elseif c.kind == "project_invitation" then
    what = "legacy invitation " .. c.username
  else
    what = c.username
  end
  local roles = ""
  if c.kind ~= "team" and c.kind ~= "team_member" then
    if action == "change" then roles = ": " .. roles_text(c.before) .. " -> " .. roles_text(c.after)
    elseif action == "add" then roles = ": " .. roles_text(c.after)
    else roles = ": " .. roles_text(c.before) end
  end
  return SIGN[action] .. " " .. what .. roles .. (c.implied and " (invited: the file gives them access)" or "")
end

--- The plan as a diff, grouped: the organization, its teams, each project.
-- color: ANSI colours (the CLI asks for them on a terminal only).
function M.render(plan, color)
  local function paint(action, s) return color and (COLOR[action] .. s .. "\27[0m") or s end
  local out = { string.format("plan for org %s: %d to add, %d to change, %d to remove, %d unmanaged (%d read requests)",
    tostring(plan.org), plan.summary.add, plan.summary.change, plan.summary.remove, plan.summary.unmanaged,
    plan.requests or 0) }
  local groups, names = {}, {}
  local function group(c)
    local name = c.project and ("project " .. c.project .. " (" .. c.groupId .. ")")
      or ((c.kind == "team" or c.kind == "team_member") and "teams" or "organization")
    if not groups[name] then
      groups[name] = {}
      names[#names + 1] = name
    end
    return groups[name]
  end
  for _, c in ipairs(plan.changes) do
    local g = group(c)
    g[#g + 1] = paint(c.action, "  " .. M.line(c))
  end
  local rank = { organization = 1, teams = 2 }
  table.sort(names, function(a, b)
    if (rank[a] or 3) ~= (rank[b] or 3) then return (rank[a] or 3) < (rank[b] or 3) end
    return a < b
  end)
  for _, name in ipairs(names) do
    out[#out + 1] = name
    for _, l in ipairs(groups[name]) do out[#out + 1] = l end
  end
  if #plan.unmanaged > 0 then
    out[#out + 1] = "unmanaged (in Atlas, not in the file; prune removes them)"
    for _, c in ipairs(plan.unmanaged) do
      out[#out + 1] = paint("unmanaged", "  " .. M.line(c, "unmanaged") .. (c.project and (" in project " .. c.project) or ""))
    end
  end
  if #plan.changes == 0 then out[#out + 1] = "in sync: nothing to change" end
  return table.concat(out, "\n")
end

show.format("access_plan", function(plan) return M.render(plan, false) end)

---------------------------------------------------------------------------
-- plan_access, export_access
---------------------------------------------------------------------------

local OPTION_NAMES = { prune = "boolean", max_removals = "count", allow_no_project_owner = "boolean",
  allow_no_org_owner = "boolean", concurrency = "concurrency" }

local function check_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    return nil, errors.validation("options", "options must be a table like { prune = true }", "plan_access")
  end
  for k, v in pairs(opts) do
    local kind = OPTION_NAMES[k]
    if not kind then
      local names = {}
      for n in pairs(OPTION_NAMES) do names[#names + 1] = n end
      return nil, errors.validation(tostring(k), require("atlas_admin.suggest").unknown("option", k, names), "plan_access")
    end
    if kind == "boolean" and type(v) ~= "boolean" then
      return nil, errors.validation(k, k .. " must be true or false", "plan_access")
    elseif kind ~= "boolean" and (type(v) ~= "number" or v ~= math.floor(v) or v < (kind == "count" and 0 or 1)
        or v > (kind == "count" and 1e9 or 64)) then
      return nil, errors.validation(k, k .. " must be a whole number" .. (kind == "count" and " of at least 0"
        or " from 1 to 64"), "plan_access")
    end
  end
  return opts
end

--- The plan of a spec against the live organization.
function M.plan(client, spec, opts)
  local err
  opts, err = check_options(opts)
  if not opts then return nil, err end
  spec, err = access_file.check(spec, client._settings.extra_roles_set)
  if not spec then return nil, err end
  local keys = {}
  for key in pairs(spec.projects or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  local state, unknown = access_state.read(client, spec.org, keys, opts.concurrency)
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
    local e = access_file.problems_error(problems, spec.source)
    e.operation = "plan_access"
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
  for _, kind in ipairs(KINDS) do kind.diff(ctx, out) end
  -- A person removed from the org takes their project roles and team
  -- memberships with them: those are not separate removals.
  local leaving = {}
  for _, c in ipairs(out.changes) do
    if c.kind == "org_user" and c.action == "remove" then leaving[c.username:lower()] = true end
  end
  local changes = {}
  for _, c in ipairs(out.changes) do
    if not (c.action == "remove" and c.kind ~= "org_user" and c.kind ~= "project_invitation" and c.username
        and leaving[c.username:lower()]) then
      changes[#changes + 1] = c
    end
  end
  table.sort(changes, order)
  table.sort(out.left, order)
  local summary = { add = 0, change = 0, remove = 0, unmanaged = #out.left }
  for _, c in ipairs(changes) do summary[c.action] = summary[c.action] + 1 end
  local project_ids = {}
  for key, gid in pairs(state.project_ids) do project_ids[key] = gid end
  local plan = {
    org = spec.org, changes = changes, unmanaged = out.left, summary = summary, requests = state.requests,
    fingerprint = access_state.fingerprint(model), projects = project_ids,
    options = { prune = opts.prune == true, max_removals = opts.max_removals or M.DEFAULT_MAX_REMOVALS,
      allow_no_project_owner = opts.allow_no_project_owner == true, allow_no_org_owner = opts.allow_no_org_owner == true },
  }
  show.attach(plan, "access_plan")
  local tripped = M.check_guards(model, plan)
  if tripped then return nil, tripped end
  return plan
end

--- Today's access as a spec: everyone in the org (users:), every team
-- (teams:), and per project (all, or those asked for) its people's own
-- roles (people whose access is a pending legacy invitation included) and
-- its teams' roles.  plan_access of an unchanged export is empty.
function M.export(client, org_id, opts)
  local core = require "atlas_admin.core"
  local ok, field, message = core.check_id(org_id, "orgId")
  if not ok then return nil, errors.validation(field, message, "export_access") end
  if opts ~= nil and (type(opts) ~= "table" or (opts.projects ~= nil and type(opts.projects) ~= "table")) then
    return nil, errors.validation("options", "options must be a table like { projects = { \"prod\" } }", "export_access")
  end
  local keys = opts and opts.projects
  local state, unknown
  if keys then
    state, unknown = access_state.read(client, org_id, keys)
  else
    -- every project: read the list once to know them
    local projects, err = client:list_org_projects(org_id, { items_per_page = access_state.PAGE_SIZE })
    if not projects then return nil, err end
    keys = {}
    for _, p in ipairs(projects) do keys[#keys + 1] = p.id end
    state, unknown = access_state.read(client, org_id, keys)
  end
  if not state then return nil, unknown end
  if #unknown > 0 then
    return nil, errors.not_found("projects", "no project named (or with the id) " .. string.format("%q", unknown[1])
      .. " in organization " .. org_id, "export_access")
  end
  local model = state.model
  local spec = { org = org_id, users = {}, teams = {}, projects = {} }
  for _, p in ipairs(model.people) do spec.users[p.username] = sorted(p.org_roles) end
  for _, t in ipairs(model.teams) do spec.teams[t.name] = t.members end
  for _, p in ipairs(model.projects) do
    local users, teams = {}, {}
    for _, person in ipairs(model.people) do
      if person.projects[p.id] then users[person.username] = sorted(person.projects[p.id]) end
    end
    for _, inv in ipairs(model.invitations[p.id] or {}) do
      local person = person_of(model, inv.username)
      if not (person and person.projects[p.id]) then users[inv.username] = sorted(inv.roles) end
    end
    for _, t in ipairs(model.teams) do
      if t.projects[p.id] then teams[t.name] = sorted(t.projects[p.id]) end
    end
    spec.projects[p.name] = { users = users, teams = teams }
  end
  return spec
end

return M
