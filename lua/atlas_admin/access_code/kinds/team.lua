-- Kind team: a team of the organization (the file's teams:, team name ->
-- its members; the members themselves are kind team_member).  Created when
-- listed and missing, deleted only with prune.
local list = require "atlas_admin.util.list"
local text = require "atlas_admin.util.text"

local K = { name = "team", words = "teams", group = "teams",
  section = { at = "top", key = "teams", shape = "members",
    what = "team in the organization" },
  actions = { add = true, remove = true }, roles = "none", shows_roles = false }

function K.diff(ctx, out)
  local model, teams = ctx.model, ctx.spec.teams
  if not teams then return end
  for name in pairs(teams) do
    if not model.team[name] then out:add("team", "add", { team = name }, {}, {}) end
  end
  for _, t in ipairs(model.teams) do
    if not teams[t.name] then out:unmanaged("team", { team = t.name, teamId = t.id }, t.members) end
  end
end

function K.named(spec, note)
  for team, members in pairs(spec.teams or {}) do
    for i, u in ipairs(members) do note(u, "teams." .. team .. "[" .. i .. "]", false) end
  end
end

function K.describe(c) return "team " .. text.printable(c.team) end

function K.apply(s, c, at)
  if c.action == "remove" then s.teams[c.team] = nil else at.team(c.team) end
end

-- A team's existence, as a role list: { "exists" } or {}.
function K.holds(model, c) return model.team[c.team] and { "exists" } or {} end
function K.wanted(c) return c.action == "remove" and {} or { "exists" } end

-- Deleting a team takes it from each of its members.
function K.weight(model, c)
  local t = model.team[c.team]
  return math.max(1, t and #t.members or 0)
end

function K.write(c)
  if c.action == "add" then return { kind = "create_team", key = c.team } end
end

function K.item(c, plan)
  return { "delete_team", plan.org, c.teamId }
end

function K.export(model, spec, project)
  if project then return end
  spec.teams = {}
  for _, t in ipairs(model.teams) do spec.teams[t.name] = list.sorted(t.members) end
end

return K
