-- Kind project_invitation: a pending legacy project invitation (until the
-- invitations' sunset).  Managed from projects.<p>.users: when it is the
-- person's only way into the project, and from projects.<p>.invitations:
-- when the person also holds roles of their own there; any other pending
-- invitation is unmanaged (prune deletes it).  A file never creates one.
local list = require "atlas_admin.util.list"
local project_user = require "atlas_admin.access_code.kinds.project_user"
local sunset = require "atlas_admin.http.sunset"
local text = require "atlas_admin.util.text"

local K = { name = "project_invitation", words = "legacy invitations", group = "project",
  section = { at = "project", key = "invitations", shape = "roles", roles = "project", keys = "username",
    what = "pending legacy invitation kept in the project" },
  actions = { change = true, remove = true }, roles = "project", project = true, shows_roles = true }

function K.diff(ctx, out)
  local model = ctx.model
  for key, project in pairs(ctx.spec.projects or {}) do
    local gid = ctx.project_ids[key]
    if gid and (project.users or project.invitations) then
      local pname = model.project[gid].name
      local listed, kept = list.lower_keys(project.users), list.lower_keys(project.invitations)
      for _, inv in ipairs(model.invitations[gid] or {}) do
        local l = inv.username:lower()
        local p = model.person[l]
        local own = p and p.projects[gid]
        local target = { project = pname, groupId = gid, username = inv.username, invitationId = inv.id }
        local e = (listed[l] and not own) and listed[l] or kept[l] -- their way in, or kept beside their roles
        if e then
          if not list.same(inv.roles, e.value) then out:add("project_invitation", "change", target, inv.roles, e.value) end
        else
          out:unmanaged("project_invitation", target, inv.roles)
        end
      end
    end
  end
end

function K.named(spec, note, model)
  for key, project in pairs(spec.projects or {}) do
    for u in pairs(project.invitations or {}) do
      note(u, "projects." .. key .. ".invitations." .. u, not model.person[u:lower()])
    end
  end
end

-- invitations: keeps or changes pending invitations, never creates one.
function K.check(ctx, problem)
  for key, project in pairs(ctx.spec.projects or {}) do
    local gid = ctx.project_ids[key]
    for u in pairs(gid and project.invitations or {}) do
      local path = "projects." .. key .. ".invitations." .. u
      local p = ctx.model.person[u:lower()]
      if not project_user.invitation_of(ctx.model, gid, u) then
        problem(path, "no pending legacy invitation for " .. u .. " in project " .. key .. ": invitations: keeps or "
          .. "changes pending ones; give new access under users:")
      elseif project.users and list.lower_keys(project.users)[u:lower()] and not (p and p.projects[gid]) then
        problem(path, u .. " is also under projects." .. key .. ".users: (their invitation is their way in): give them "
          .. "once, under users:")
      end
    end
  end
end

function K.describe(c) return "legacy invitation " .. text.printable(c.username) end

function K.apply() end -- a pending invitee owns nothing

function K.holds(model, c)
  for _, inv in ipairs(model.invitations[c.groupId] or {}) do
    if inv.id == c.invitationId then return inv.roles end
  end
  return {}
end

function K.weight() return 1 end

function K.write() end

function K.item(c)
  if c.action == "change" then
    return { "update_invitation_by_id", c.groupId, c.invitationId, { roles = c.after }, sunset.QUIET }
  end
  return { "delete_invitation", c.groupId, c.invitationId, sunset.QUIET }
end

function K.export(model, spec, project)
  if not project then return end
  local section = spec.projects[project.name]
  local kept = {}
  for _, inv in ipairs(model.invitations[project.id] or {}) do
    local person = model.person[inv.username:lower()]
    if person and person.projects[project.id] then
      kept[inv.username] = list.sorted(inv.roles) -- besides their own roles: kept as it is
    else
      section.users[inv.username] = list.sorted(inv.roles) -- their way in
    end
  end
  section.invitations = next(kept) and kept or nil
end

return K
