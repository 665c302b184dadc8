-- Kind project_user: a person's own roles in a project (the file's
-- projects.<p>.users:), the Cloud users of the project.  A listed person
-- whose only way in is a pending legacy invitation is managed through it
-- (kind project_invitation), as set_project_roles does.
local list = require "atlas_admin.util.list"
local text = require "atlas_admin.util.text"

local K = { name = "project_user", words = "people in projects", group = "project", goes_with_person = true,
  section = { at = "project", key = "users", shape = "roles", roles = "project", keys = "username",
    what = "person's roles in the project" },
  actions = { add = true, change = true, remove = true }, roles = "project", project = true, shows_roles = true }

-- The person's pending legacy invitation in a project (not expired), if any.
function K.invitation_of(model, gid, username)
  for _, inv in ipairs(model.invitations[gid] or {}) do
    if inv.username:lower() == username:lower() then return inv end
  end
end

function K.diff(ctx, out)
  local model = ctx.model
  for key, project in pairs(ctx.spec.projects or {}) do
    local gid = ctx.project_ids[key]
    if gid and project.users then
      local pname = model.project[gid].name
      for lname, e in pairs(list.lower_keys(project.users)) do
        local p = model.person[lname]
        local own = p and p.projects[gid]
        local target = { project = pname, groupId = gid, username = p and p.username or e.key, userId = p and p.id }
        if own then
          if not list.same(own, e.value) then out:add("project_user", "change", target, own, e.value) end
        elseif not K.invitation_of(model, gid, lname) then
          out:add("project_user", "add", target, {}, e.value)
        end
      end
      local listed = list.lower_keys(project.users)
      for _, p in ipairs(ctx.holders[gid] or {}) do
        if not listed[p.username:lower()] then
          out:unmanaged("project_user", { project = pname, groupId = gid, username = p.username, userId = p.id },
            p.projects[gid])
        end
      end
    end
  end
end

function K.named(spec, note, model, project_ids)
  for key, project in pairs(spec.projects or {}) do
    local gid = project_ids[key]
    for u in pairs(project.users or {}) do
      local only = gid ~= nil and not model.person[u:lower()] and K.invitation_of(model, gid, u) ~= nil
      note(u, "projects." .. key .. ".users." .. u, only)
    end
  end
end

function K.describe(c) return text.printable(c.username) end

function K.apply(_, c, at)
  at.person(c.username).projects[c.groupId] = c.action ~= "remove" and c.after or nil
end

function K.holds(model, c)
  local p = model.person[c.username:lower()]
  return p and p.projects[c.groupId] or {}
end

function K.weight() return 1 end

function K.write() return "person" end

function K.export(model, spec, project)
  if not project then return end
  local users = spec.projects[project.name].users
  for _, person in ipairs(model.people) do
    if person.projects[project.id] then users[person.username] = list.sorted(person.projects[project.id]) end
  end
end

return K
