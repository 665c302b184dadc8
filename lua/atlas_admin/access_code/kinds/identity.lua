-- The kinds of an organization's programmatic identities (API keys and
-- service accounts), made from one description each (api_key.lua,
-- service_account.lua): the identity with its organization roles, its
-- access list entries, and its roles in each project.  The three kinds an
-- identity type makes differ only in the calls and names the type gives.
--
-- In the file (by name: an API key's description, a service account's
-- name; neither is unique in Atlas, so two identities under one name the
-- file names are a problem, never a guess):
--   api_keys: { ci-deploy: { roles: [ORG_MEMBER], access_list: [10.20.0.0/16] } }
--   projects: { prod: { api_keys: { ci-deploy: [GROUP_READ_ONLY] } } }
-- access_list is exact when listed.  An identity is created only by an
-- apply given a secrets directory (the secret Atlas shows once goes to a
-- new 0600 file there) and deleted only with prune (and the in_use guard).
local list = require "atlas_admin.util.list"
local text = require "atlas_admin.util.text"

local M = {}

-- The identities of a type by name: { [name] = { entries } }.
local function by_name(model, t)
  local out = {}
  for _, e in ipairs(model[t.model] or {}) do
    local n = e.name or ""
    out[n] = out[n] or {}
    table.insert(out[n], e)
  end
  return out
end
M.by_name = by_name

-- The one identity a name stands for, or nil (none, or more than one:
-- check() reports those).
local function one(model, t, name)
  local found = by_name(model, t)[name]
  return found and #found == 1 and found[1] or nil
end
M.one = one

--- The kind of the identity itself: its organization roles.
function M.org_kind(t)
  local K = { name = t.kind, words = t.plural, group = "organization", identity = t,
    section = { at = "top", key = t.section, shape = "identity", roles = "org", keys = "name",
      fields = t.fields, what = t.label .. " of the organization" },
    actions = { add = true, change = true, remove = true }, roles = "org", shows_roles = true,
    creates_secret = true }

  function K.diff(ctx, out)
    local listed = ctx.spec[t.section]
    if not listed then return end
    local named = by_name(ctx.model, t)
    for name, e in pairs(listed) do
      local found = named[name]
      if not found then
        out:add(t.kind, "add", { name = name }, {}, e.roles)
      elseif #found == 1 and not list.same(found[1].org_roles, e.roles) then
        out:add(t.kind, "change", { name = name, identityId = found[1].id }, found[1].org_roles, e.roles)
      end
    end
    for _, e in ipairs(ctx.model[t.model] or {}) do
      if not listed[e.name] then out:unmanaged(t.kind, { name = e.name, identityId = e.id }, e.org_roles) end
    end
  end

  -- a name the file gives to two identities of Atlas: never guessed between
  function K.check(ctx, problem)
    local named = by_name(ctx.model, t)
    local function check(name, path)
      local found = named[name]
      if found and #found > 1 then
        local ids = {}
        for i, e in ipairs(found) do ids[i] = e.id end
        problem(path, #found .. " " .. t.plural .. " in Atlas are named " .. string.format("%q", name) .. " ("
          .. table.concat(ids, ", ") .. "): rename one (or delete it) so the file names one")
      end
    end
    for name in pairs(ctx.spec[t.section] or {}) do check(name, t.section .. "." .. name) end
    for key, project in pairs(ctx.spec.projects or {}) do
      for name in pairs(project[t.section] or {}) do check(name, "projects." .. key .. "." .. t.section .. "." .. name) end
    end
  end

  function K.describe(c) return t.label .. " " .. text.printable(c.name) end
  function K.apply() end -- Atlas wants a person to own: identities never count as owners
  function K.holds(model, c)
    local e = model[t.index] and model[t.index][c.identityId]
    return e and e.org_roles or {}
  end
  function K.weight() return 1 end
  function K.write(c)
    if c.action == "add" then return { kind = "create_identity", key = t.kind .. "\0" .. c.name } end
  end
  function K.item(c, plan)
    if c.action == "change" then return t.update(plan.org, c.identityId, c.after) end
    return t.delete(plan.org, c.identityId)
  end
  -- the create (a group of one): the batch call, and what its answer gives (id, secret, public part)
  function K.group_item(covers, plan)
    local c = plan.changes[covers[1]]
    return t.create(plan.org, c.name, c.after, plan.spec[t.section][c.name])
  end
  K.created = t.created
  K.file_name = t.file_name

  function K.export(model, spec, project)
    if project or not model[t.model] then return end
    spec[t.section] = {}
    for _, e in ipairs(model[t.model]) do
      local addresses = {}
      for i, a in ipairs(e.access_list) do addresses[i] = a.address end
      spec[t.section][e.name] = { roles = list.sorted(e.org_roles), access_list = list.sorted(addresses) }
    end
  end
  return K
end

--- The kind of an identity's access list entries (exact when listed).
function M.access_kind(t)
  local K = { name = t.kind .. "_access", words = t.label .. " access list entries", group = "organization",
    actions = { add = true, remove = true }, roles = "address", shows_roles = false }

  function K.diff(ctx, out)
    for name, e in pairs(ctx.spec[t.section] or {}) do
      if e.access_list then
        local current = one(ctx.model, t, name)
        local have, want = {}, list.set_of(e.access_list)
        for _, a in ipairs(current and current.access_list or {}) do have[a.address] = true end
        for _, address in ipairs(list.sorted(e.access_list)) do
          if not have[address] then
            out:add(K.name, "add", { name = name, identityId = current and current.id, address = address }, {}, { address })
          end
        end
        for _, address in ipairs(list.keys(have)) do
          if not want[address] then
            out:add(K.name, "remove", { name = name, identityId = current.id, address = address }, { address }, {})
          end
        end
      end
    end
  end

  function K.describe(c) return t.label .. " " .. text.printable(c.name) .. ": access list " .. c.address end
  function K.apply() end
  function K.holds(model, c)
    local e = model[t.index] and model[t.index][c.identityId]
    for _, a in ipairs(e and e.access_list or {}) do
      if a.address == c.address then return { c.address } end
    end
    return {}
  end
  function K.weight() return 1 end
  -- the new entries of one identity go in one request
  function K.write(c)
    if c.action == "add" then return { kind = "add_access_entries", key = t.kind .. "\0" .. c.name } end
  end
  function K.group_item(covers, plan, ctx)
    local c1 = plan.changes[covers[1]]
    local entries = {}
    for _, i in ipairs(covers) do
      local address = plan.changes[i].address
      entries[#entries + 1] = address:find("/", 1, true) and { cidrBlock = address } or { ipAddress = address }
    end
    return t.add_access(plan.org, c1.identityId or ctx.identity_ids[t.kind .. "\0" .. c1.name], entries)
  end
  function K.item(c, plan) return t.remove_access(plan.org, c.identityId, c.address) end
  function K.export() end -- the identity's kind writes its access list
  return K
end

--- The kind of an identity's roles in a project.
function M.project_kind(t)
  local K = { name = "project_" .. t.kind, words = t.plural .. " in projects", group = "project",
    section = { at = "project", key = t.section, shape = "roles", roles = "project", keys = "name",
      what = t.label .. "'s roles in the project" },
    actions = { add = true, change = true, remove = true }, roles = "project", project = true, shows_roles = true }

  function K.diff(ctx, out)
    local model = ctx.model
    for key, project in pairs(ctx.spec.projects or {}) do
      local gid = ctx.project_ids[key]
      local listed = gid and project[t.section]
      if listed then
        local pname = model.project[gid].name
        for name, roles in pairs(listed) do
          local e = one(model, t, name)
          local current = e and e.projects[gid]
          local target = { project = pname, groupId = gid, name = name, identityId = e and e.id }
          if not current then out:add(K.name, "add", target, {}, roles)
          elseif not list.same(current, roles) then out:add(K.name, "change", target, current, roles) end
        end
        for _, e in ipairs(model[t.model] or {}) do
          if e.projects[gid] and not listed[e.name] then
            out:unmanaged(K.name, { project = pname, groupId = gid, name = e.name, identityId = e.id }, e.projects[gid])
          end
        end
      end
    end
  end

  function K.describe(c) return t.label .. " " .. text.printable(c.name) end
  function K.apply() end
  function K.holds(model, c)
    local e = model[t.index] and model[t.index][c.identityId]
    return e and e.projects[c.groupId] or {}
  end
  function K.weight() return 1 end
  function K.write() end
  function K.item(c, _, ctx)
    local id = c.identityId or ctx.identity_ids[t.kind .. "\0" .. c.name]
    if c.action == "add" then return t.assign(c.groupId, id, c.after) end
    if c.action == "change" then return t.update_project(c.groupId, id, c.after) end
    return t.unassign(c.groupId, id)
  end
  function K.export(model, spec, project)
    if not project or not model[t.model] then return end
    local section = {}
    for _, e in ipairs(model[t.model]) do
      if e.projects[project.id] then section[e.name] = list.sorted(e.projects[project.id]) end
    end
    spec.projects[project.name][t.section] = next(section) and section or nil
  end
  return K
end

return M
