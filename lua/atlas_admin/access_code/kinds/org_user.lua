-- Kind org_user: a person in the organization and their organization
-- roles (the file's top-level users:).
--
-- Every kind descriptor has these fields (the others follow this file):
--   name, words (plural, for counts), group ("organization" | "teams" | "project": where the diff shows it)
--   section   the file section it reads: { at = "top" | "project", key, shape = "roles" | "members",
--             roles = "org" | "project", keys = "username" | "team" } (nil: it shares another kind's)
--   actions   the actions a change of it can have; roles: what before/after hold ("org", "project",
--             "member", "none"); project: its changes name a project (groupId)
--   diff(ctx, out)          out:add(kind, action, target, before, after) / out:unmanaged(kind, target, grants)
--   describe(c)             the holder as printed ("team dba: member ana@example.com"); shows_roles
--   apply(s, c, at)         the change on an ownership state (ownership.lua): at.person(u), at.team(name)
--   holds(model, c)         what Atlas holds for the change's holder now; wanted(c) (default c.after)
--   weight(model, c)        a removal counted for max_removals (people who lose access through it)
--   write(c)                "person" (one request per person) or a write group { kind, key }, or
--                           nil for a write of its own built by item(c, plan, ctx)
--   export(model, spec, p)  writes today's holders into an exported spec (p: a project, or nil)
--   named(spec, note), check(ctx, problem): optional, the people a file names and cross checks
local list = require "atlas_admin.util.list"
local text = require "atlas_admin.util.text"

local K = { name = "org_user", words = "people in the organization", group = "organization",
  section = { at = "top", key = "users", shape = "roles", roles = "org", keys = "username",
    what = "person in the organization" },
  actions = { add = true, change = true, remove = true }, roles = "org", shows_roles = true }

function K.diff(ctx, out)
  local model, users = ctx.model, ctx.spec.users
  if users then
    local listed = list.lower_keys(users)
    for lname, e in pairs(listed) do
      local p = model.person[lname]
      if not p then
        out:add("org_user", "add", { username = e.key }, {}, e.value)
      elseif not list.same(p.org_roles, e.value) then
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
      if not model.person[lname] and not who.invitation_only then
        out:add("org_user", "add", { username = who.username, implied = true }, {}, { "ORG_MEMBER" })
      end
    end
  end
end

-- With users:, everyone the file names elsewhere must be listed there.
function K.check(ctx, problem)
  if not ctx.spec.users then return end
  local listed = list.lower_keys(ctx.spec.users)
  for lname, who in pairs(ctx.named) do
    if not listed[lname] and not who.invitation_only then
      problem(who.path, who.username .. " is not listed under users: (when users: is present, everyone the file names "
        .. "must be; a person whose only access is a pending legacy invitation is the exception)")
    end
  end
end

function K.describe(c) return text.printable(c.username) end

function K.apply(s, c, at)
  if c.action == "remove" then s.people[c.username:lower()] = nil
  else at.person(c.username).org_roles = c.after end
end

function K.holds(model, c)
  local p = model.person[c.username:lower()]
  return p and p.org_roles or {}
end

function K.weight() return 1 end

function K.write() return "person" end

function K.export(model, spec, project)
  if project then return end
  spec.users = {}
  for _, p in ipairs(model.people) do spec.users[p.username] = list.sorted(p.org_roles) end
end

return K
