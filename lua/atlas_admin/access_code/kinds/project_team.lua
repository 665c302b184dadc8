-- Kind project_team: a team's roles in a project (the file's
-- projects.<p>.teams:, team name -> roles).  The team must exist in Atlas
-- or be listed under teams: (it is then created first).
local list = require "atlas_admin.util.list"
local text = require "atlas_admin.util.text"

local K = { name = "project_team", words = "teams in projects", group = "project",
  section = { at = "project", key = "teams", shape = "roles", roles = "project", keys = "team",
    what = "team's roles in the project" },
  actions = { add = true, change = true, remove = true }, roles = "project", project = true, shows_roles = true }

function K.diff(ctx, out)
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
        elseif not list.same(current, roles) then
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
end

function K.check(ctx, problem)
  local spec = ctx.spec
  for key, project in pairs(spec.projects or {}) do
    for name in pairs(project.teams or {}) do
      if not ctx.model.team[name] and not (spec.teams and spec.teams[name]) then
        problem("projects." .. key .. ".teams." .. name, "no team " .. string.format("%q", name) .. " in organization "
          .. spec.org .. " (list it under teams: to create it)")
      end
    end
  end
end

function K.describe(c) return "team " .. text.printable(c.team) end

function K.apply(_, c, at)
  at.team(c.team).projects[c.groupId] = c.action ~= "remove" and c.after or nil
end

function K.holds(model, c)
  local t = model.team[c.team]
  return t and t.projects[c.groupId] or {}
end

-- Taking a team off a project takes the project from each of its members.
function K.weight(model, c)
  local t = model.team[c.team]
  return math.max(1, t and #t.members or 0)
end

function K.write(c)
  if c.action == "add" then return { kind = "add_project_teams", key = c.groupId } end
end

function K.item(c)
  if c.action == "change" then return { "update_project_team", c.groupId, c.teamId, { roleNames = c.after } } end
  return { "remove_project_team", c.groupId, c.teamId }
end

function K.export(model, spec, project)
  if not project then return end
  local teams = spec.projects[project.name].teams
  for _, t in ipairs(model.teams) do
    if t.projects[project.id] then teams[t.name] = list.sorted(t.projects[project.id]) end
  end
end

return K
