-- Kind team_member: a listed team's members, exactly the file's (no prune
-- needed inside a listed team).  A member added to a team the plan creates
-- goes in with the create when already active in the organization.
local text = require "atlas_admin.util.text"

local K = { name = "team_member", words = "team members", group = "teams", goes_with_person = true,
  actions = { add = true, remove = true }, roles = "member", shows_roles = false }

function K.diff(ctx, out)
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
        local p = model.person[u:lower()]
        out:add("team_member", "add", { team = name, teamId = t and t.id, username = p and p.username or u,
          userId = p and p.id }, {}, { "member" })
      end
    end
    for lname, m in pairs(current) do
      if not want[lname] then
        out:add("team_member", "remove", { team = name, teamId = t.id, username = m, userId = model.person[lname].id },
          { "member" }, {})
      end
    end
  end
end

function K.describe(c) return "team " .. text.printable(c.team) .. ": member " .. text.printable(c.username) end

function K.apply(_, c, at)
  at.team(c.team).members[c.username:lower()] = c.action ~= "remove" or nil
end

function K.holds(model, c)
  local p = model.person[c.username:lower()]
  for _, t in ipairs(p and p.teams or {}) do
    if t == c.team then return { "member" } end
  end
  return {}
end

function K.weight() return 1 end

function K.write() return "person" end

-- A member the create of a new team takes in its own request: someone
-- already active in the organization.
function K.joins_create(c, model)
  local p = c.action == "add" and model.person[c.username:lower()]
  return p and p.status == "ACTIVE" and p.username or nil
end

function K.export() end -- the team kind writes the members

return K
