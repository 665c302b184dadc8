-- Access as code: the guards, rules over the state before the plan, after
-- it, and at every point of its apply (schedule.lua orders the writes).
-- Each names the option that overrides it and the CLI flag; nothing is
-- sent when one trips.
local errors = require "atlas_admin.errors"
local kinds = require "atlas_admin.access_code.kinds"
local ownership = require "atlas_admin.model.ownership"
local schedule = require "atlas_admin.access_code.schedule"

local M = {}

M.DEFAULT_MAX_REMOVALS = 10
M.IN_USE_DAYS = 30 -- an identity used more recently than this is "in use"

--- The newest use an identity shows: its access list entries' and its
-- secrets' last use (ISO 8601), or nil.
function M.last_used(e)
  local last
  for _, a in ipairs(e.access_list or {}) do
    if a.last_used and (not last or a.last_used > last) then last = a.last_used end
  end
  for _, s in ipairs(e.secrets or {}) do
    if s.last_used and (not last or s.last_used > last) then last = s.last_used end
  end
  return last
end

function M.days_ago(days)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - days * 86400)
end

local function project_label(model, gid)
  local p = model.project[gid] or (model.all_projects and model.all_projects[gid])
  return (p and p.name or "?") .. " (" .. gid .. ")"
end

--- Every project the guards look at: every project of the organization,
-- not only those the file names (a person leaving the org, or an org
-- owner demoted, takes ownership of projects the file never names).
function M.projects(plan, before, after, model)
  local gids, out = {}, {}
  for _, gid in pairs(plan.projects) do gids[gid] = true end
  for gid in pairs(model.all_projects or {}) do gids[gid] = true end
  for _, s in ipairs { before, after } do
    for _, p in pairs(s.people) do for gid in pairs(p.projects) do gids[gid] = true end end
    for _, t in pairs(s.teams) do for gid in pairs(t.projects) do gids[gid] = true end end
  end
  for gid in pairs(gids) do out[#out + 1] = gid end
  table.sort(out)
  return out
end

--- A plan's removals as max_removals counts them: each kind weighs its own
-- (a team deleted, or taken off a project, counts each of its members).
function M.removal_count(model, plan)
  local n = 0
  for _, c in ipairs(plan.changes) do
    if c.action == "remove" then n = n + kinds.of(c.kind).weight(model, c) end
  end
  return n
end

local function partway(problem, model)
  local what = problem.resource == "org" and "the organization would have no active ORG_OWNER"
    or ("project " .. project_label(model, problem.resource) .. " would have no Project Owner")
  return what .. " partway through the apply: the writes that take ownership away (" .. table.concat(problem.by, ", ")
    .. ") run together with those that would give it back, and may land alone; apply the promotions in one plan "
    .. "and the demotions in the next"
end

M.LIST = {
  { name = "org_owner", option = "allow_no_org_owner", flag = "--allow-no-org-owner", check = function(g)
    if ownership.org_owned(g.before) and not ownership.org_owned(g.after) then
      return "the organization would be left with no active ORG_OWNER"
    end
    if g.prefix and g.prefix.resource == "org" then return partway(g.prefix, g.model) end
  end },
  { name = "project_owner", option = "allow_no_project_owner", flag = "--allow-no-project-owner", check = function(g)
    local orphans = {}
    for _, gid in ipairs(M.projects(g.plan, g.before, g.after, g.model)) do
      if ownership.project_owned(g.before, gid) and not ownership.project_owned(g.after, gid) then
        orphans[#orphans + 1] = project_label(g.model, gid)
      end
    end
    if #orphans > 0 then
      return (#orphans == 1 and "project " or "projects ") .. table.concat(orphans, ", ") .. " would be left with no "
        .. "Project Owner: no active person or team member with GROUP_OWNER and no ORG_OWNER in the organization"
    end
    if g.prefix and g.prefix.resource ~= "org" then return partway(g.prefix, g.model) end
  end },
  { name = "in_use", option = "allow_in_use", flag = "--allow-in-use", check = function(g)
    local used = {}
    for _, c in ipairs(g.plan.changes) do
      local kind = kinds.of(c.kind)
      local e = c.action == "remove" and kind.identity and g.model[kind.identity.index]
        and g.model[kind.identity.index][c.identityId]
      local last = e and M.last_used(e)
      if last and last >= M.days_ago(M.IN_USE_DAYS) then
        used[#used + 1] = kind.identity.label .. " " .. tostring(c.name) .. " (last used " .. last .. ")"
      end
    end
    if #used > 0 then
      return "the plan deletes " .. table.concat(used, ", ") .. ", in use within the last " .. M.IN_USE_DAYS
        .. " days: whatever uses it will stop working"
    end
  end },
  { name = "max_removals", option = "max_removals", flag = "--max-removals N", check = function(g)
    local n = M.removal_count(g.model, g.plan)
    if n > g.options.max_removals then
      return n .. " removals" .. (n ~= g.plan.summary.remove and " (a team deleted or taken out of a project counts "
        .. "each of its members)" or "") .. ", more than max_removals = " .. g.options.max_removals
    end
  end },
}

--- The projects a plan did not read whose ownership a person-level look
-- already finds at risk (their teams are then read, so that a team that
-- owns one is seen).
function M.unread_at_risk(model, plan, read_ids)
  local before = ownership.state_of(model)
  local after = schedule.planned_state(before, plan.changes)
  local gids = {}
  for _, gid in ipairs(M.projects(plan, before, after, model)) do
    if not read_ids[gid] and ownership.project_owned(before, gid) and not ownership.project_owned(after, gid) then
      gids[#gids + 1] = gid
    end
  end
  return gids
end

--- Checks the guards of a plan against the state it was made from, with
-- the overrides in options (never the plan's own: a plan may come back
-- from a file): nil, or an error (kind "guard") naming the guard, its
-- option and its CLI flag.  writes: the plan's (schedule.writes), when the
-- caller has them already.
function M.check(model, plan, options, writes)
  options = options or plan.options
  local before = ownership.state_of(model)
  local g = { model = model, plan = plan, options = options, before = before,
    after = schedule.planned_state(before, plan.changes), prefix = schedule.prefix_problem(model, plan, writes) }
  for _, guard in ipairs(M.LIST) do
    local overridden = guard.option ~= "max_removals" and options[guard.option]
    local problem = not overridden and guard.check(g)
    if problem then
      local how = guard.option == "max_removals" and "raise max_removals if you mean it"
        or ("set " .. guard.option .. " = true if you mean it")
      return errors.refused("guard", problem .. "; nothing was sent (" .. how .. ")", "plan_access",
        { guard = guard.name, option = guard.option, flag = guard.flag, problem = problem, plan = plan })
    end
  end
end

return M
