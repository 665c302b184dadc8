-- Access as code: the writes a plan takes and the order they run in.
--
-- A plan's changes become writes (one request each): each kind says how
-- its changes are written (kinds/*.lua write()): with the person's other
-- changes (a person's access is one record in Atlas: one request), in a
-- group (a new team's create takes its active members; a project's new
-- teams go in one request), or alone.  Each write gets a level: the
-- writes of a level run concurrently, a level starts only when the one
-- before it succeeded whole, and a failure ends the apply.  The order
-- keeps the organization owned at every point:
--   0  teams the plan creates;
--   1  writes that take nothing away (adds, grants);
--   2  writes that take something away, but no ownership;
--   3+ writes that take an owner away (who owns what: ownership.lua), each
--      after every write that gives back the ownership it takes (so a
--      failed promotion leaves the demotion not tried).
-- The guards simulate every prefix of this order, not only its end: within
-- a level, the writes that take an ownership may all land while those
-- that give it fail.
--
--   M.writes(plan, model) -> writes   { kind, key, covers = { change indexes }, level, takes, grants }
--   M.planned_state(state, changes)   the ownership state after the changes
--   M.prefix_problem(model, plan)     nil, or what the first unsafe prefix leaves unowned
local kinds = require "atlas_admin.access_code.kinds"
local list = require "atlas_admin.util.list"
local ownership = require "atlas_admin.model.ownership"

local M = {}

-- The writes that make a holder the others may need (their ids): first.
local CREATES = { create_team = true, create_identity = true }

--- The state after the changes (a copy: state is not changed).  A person
-- the changes bring in is PENDING: they own nothing until they accept.
function M.planned_state(before, changes)
  local s = ownership.copy(before)
  local at = {}
  function at.person(username)
    local l = username:lower()
    s.people[l] = s.people[l] or { status = "PENDING", org_roles = {}, projects = {} }
    return s.people[l]
  end
  function at.team(name)
    s.teams[name] = s.teams[name] or { members = {}, projects = {} }
    return s.teams[name]
  end
  for _, c in ipairs(changes) do kinds.of(c.kind).apply(s, c, at) end
  return s
end

-- The resources (ownership.contributors' "org" and groupIds) whose
-- contributors in a are not all in b: what going from a to b takes away.
local function taken(a, b)
  local out = {}
  for id in pairs(a.org) do
    if not b.org[id] then out.org = true break end
  end
  for gid, ids in pairs(a.projects) do
    for id in pairs(ids) do
      if not (b.projects[gid] and b.projects[gid][id]) then
        out[gid] = true
        break
      end
    end
  end
  return out
end

local function changes_of(plan, covers, except)
  local out = {}
  if except then
    local skip = list.set_of(covers)
    for i, c in ipairs(plan.changes) do
      if not skip[i] then out[#out + 1] = c end
    end
  else
    for _, i in ipairs(covers) do out[#out + 1] = plan.changes[i] end
  end
  return out
end

-- Groups the changes into writes, as each kind says.
local function group(plan, model)
  local writes, by_key, people = {}, {}, {}
  local function write_of(kind, key)
    local k = kind .. "\0" .. key
    if not by_key[k] then
      by_key[k] = { kind = kind, key = key, covers = {}, all = {} }
      writes[#writes + 1] = by_key[k]
    end
    return by_key[k]
  end
  -- teams created first, so that their members can join the create
  for i, c in ipairs(plan.changes) do
    local w = kinds.of(c.kind).write(c)
    if type(w) == "table" and w.kind == "create_team" then
      local create = write_of(w.kind, w.key)
      create.usernames = {}
      table.insert(create.covers, i)
    end
  end
  for i, c in ipairs(plan.changes) do
    local kind = kinds.of(c.kind)
    local w = kind.write(c)
    if w == "person" then
      local l = c.username:lower()
      local p = people[l]
      if not p then
        p = { kind = "person", key = l, username = c.username, covers = {}, all = {} }
        people[l] = p
      end
      table.insert(p.all, i)
      local create = by_key["create_team\0" .. tostring(c.team)]
      local member = create and kind.joins_create and kind.joins_create(c, model)
      if member then
        create.usernames[#create.usernames + 1] = member
        table.insert(create.covers, i)
      else
        table.insert(p.covers, i)
      end
    elseif type(w) == "table" then
      if w.kind ~= "create_team" then table.insert(write_of(w.kind, w.key).covers, i) end
    else
      writes[#writes + 1] = { kind = "single", covers = { i }, all = { i } }
    end
  end
  for _, l in ipairs(list.keys(people)) do
    if #people[l].covers > 0 then writes[#writes + 1] = people[l] end
  end
  for _, w in ipairs(writes) do
    if w.usernames then table.sort(w.usernames) end
  end
  return writes
end

--- The writes of a plan, each with its level.  model: the state the plan
-- was made from (org_access model).
function M.writes(plan, model)
  local writes = group(plan, model)
  local before = ownership.state_of(model)
  local c_before = ownership.contributors(before)
  -- what each write takes away (only a write that removes or loses something can)
  local any_taken = false
  for _, w in ipairs(writes) do
    w.takes, w.grants, w.takes_any = {}, {}, false
    for _, i in ipairs(w.covers) do
      local c = plan.changes[i]
      if c.action == "remove" or (c.action == "change" and list.loses(c.before, c.after)) then w.takes_any = true end
    end
    if w.takes_any then
      w.takes = taken(c_before, ownership.contributors(M.planned_state(before, changes_of(plan, w.covers))))
      any_taken = any_taken or next(w.takes) ~= nil
    end
  end
  -- what each write gives (needed only when something is taken): the
  -- owners the plan's end state has that it would lack without the write
  if any_taken then
    local c_after = ownership.contributors(M.planned_state(before, plan.changes))
    for _, w in ipairs(writes) do
      w.grants = taken(c_after, ownership.contributors(M.planned_state(before, changes_of(plan, w.covers, true))))
    end
  end
  -- levels: grants before takes; an ownership taken after what replaces it
  for _, w in ipairs(writes) do
    if CREATES[w.kind] then w.level = 0
    elseif next(w.takes) then w.level = 3
    elseif w.takes_any then w.level = 2
    else w.level = 1 end
  end
  for _ = 1, #writes do
    local moved = false
    for _, w in ipairs(writes) do
      if next(w.takes) then
        local level = 3
        for _, g in ipairs(writes) do
          if g ~= w then
            for x in pairs(w.takes) do
              if (g.grants[x] or g.grants.org) and g.level + 1 > level then level = g.level + 1 end
            end
          end
        end
        if level ~= w.level then w.level, moved = level, true end
      end
    end
    if not moved then break end
  end
  -- a cycle (each takes what the other gives) is left as it stands: the
  -- prefix check refuses it when it could leave something unowned
  return writes
end

--- nil, or { resource ("org" or a groupId), level, by = { holders whose
-- writes take it } }: the first point of the apply at which the
-- organization or a project could be left with no owner, if every write
-- that takes that ownership away lands and the ones that give it fail.
function M.prefix_problem(model, plan, writes)
  writes = writes or M.writes(plan, model)
  local before = ownership.state_of(model)
  local levels = {}
  for _, w in ipairs(writes) do
    if next(w.takes) then levels[w.level] = true end
  end
  for _, k in ipairs(list.keys(levels)) do
    local done = {}
    for _, w in ipairs(writes) do
      if w.level < k then
        for _, i in ipairs(w.covers) do done[#done + 1] = plan.changes[i] end
      end
    end
    local base = M.planned_state(before, done)
    local resources = {}
    for _, w in ipairs(writes) do
      if w.level == k then
        for x in pairs(w.takes) do resources[x] = true end
      end
    end
    for _, x in ipairs(list.keys(resources)) do
      local taking, by = {}, {}
      for _, w in ipairs(writes) do
        if w.level == k and (w.takes[x] or w.takes.org) then
          for _, i in ipairs(w.covers) do
            local c = plan.changes[i]
            taking[#taking + 1] = c
            by[c.username or c.team] = true
          end
        end
      end
      local worst = M.planned_state(base, taking)
      local owned_before = x == "org" and ownership.org_owned(before) or ownership.project_owned(before, x)
      local owned_worst = x == "org" and ownership.org_owned(worst) or ownership.project_owned(worst, x)
      if owned_before and not owned_worst then return { resource = x, level = k, by = list.keys(by) } end
    end
  end
end

return M
