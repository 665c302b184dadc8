-- Desired state one level above a project, by username and team name, with
-- the set_project_roles contract: validation first, every read before the
-- first write, the whole plan computed up front (plain data, steps.lua),
-- adds before removes, nothing written when nothing differs, { dry_run =
-- true } to see the plan, and on a failure midway nil, err with err.done.
--
--   client:set_org_roles(orgId, username, orgRoles)        -> user, changed, plan
--   client:set_team_members(orgId, teamName, usernames)    -> team, changed, plan
--   client:set_team_project_roles(groupId, orgId, teamName, roles) -> teamRole, changed, plan
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local invitations = require "atlas_admin.api.invitations"
local options = require "atlas_admin.http.options"
local owner_guards = require "atlas_admin.converge.owner_guards"
local plans = require "atlas_admin.converge.steps"
local roles = require "atlas_admin.roles"

local M = {}

local same_username = invitations.same_username

local function invalid(name, field, message)
  return nil, errors.validation(field, message, name)
end

local function check(name, ...)
  local ok, field, message = ...
  if not ok then return invalid(name, field, message) end
  return true
end

local function copy(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  return out
end

--- The org user with this username (ACTIVE or PENDING), false when none,
-- or nil, err.  One request.
function M.find_org_user(client, org_id, username, statuses)
  local users, err = client:list_org_users(org_id, { username = username, statuses = statuses })
  if not users then return nil, err end
  for _, u in ipairs(users) do
    if same_username(u.username, username) then return u end
  end
  return false
end

--- The team with this name, false when there is none, or nil, err.  A 404
-- is "no such team" unless it says the organization is unknown.
function M.find_team(client, org_id, name)
  local team, err, response = client:get_team_by_name(org_id, name)
  if team then return team end
  if err.kind == "api" and err.status == 404 and err.errorCode ~= "ORG_NOT_FOUND" then return false end
  return nil, err, response
end

-- A finished helper: plan printed one line per write; a dry run or an
-- empty plan stops before writing.
local function finish(client, name, plan, dry, current, present_result)
  plans.present(plan)
  if dry or #plan == 0 then return current, #plan > 0, plan end
  local last, results = plans.run(client, plan, name)
  if last == nil then return nil, results end
  return present_result(results), true, plan
end

function M.install(Client, check_self)
  --- Makes the person hold exactly these organization roles: adds the
  -- missing ones, then removes the others (so they never hold none); a
  -- person not in the organization (or whose invitation expired) is
  -- invited with them.  Requests: unchanged 1, k changes 1 + k, someone
  -- new 2; taking ORG_OWNER from an active person adds the owner guard's
  -- reads (owner_guards.lua: usually 1).  Returns the org user (nil for
  -- someone new in a dry run), changed, plan.  Refused (kind "guard",
  -- nothing written) when it would leave the org with no active ORG_OWNER
  -- (opts.allow_no_org_owner overrides) or a project with no owner
  -- (opts.allow_no_project_owner).
  function Client:set_org_roles(org_id, username, org_roles, opts)
    check_self(self, "set_org_roles")
    local name = "set_org_roles"
    local ok, err = check(name, core.check_id(org_id, "orgId"))
    if ok then ok, err = check(name, core.check_username(username, "username")) end
    if ok then ok, err = check(name, core.check_roles(org_roles, "orgRoles", self._settings.extra_roles_set, "org")) end
    if ok then ok, err = options.check(name, opts) end
    if not ok then return nil, err end
    local user
    user, err = M.find_org_user(self, org_id, username)
    if user == nil then return nil, err end
    local wanted, plan = copy(org_roles), {}
    if user then
      local held = user.roles and user.roles.orgRoles or {}
      for _, r in ipairs(roles.minus(wanted, held)) do
        plan[#plan + 1] = { operation = "add_org_user_role", orgId = org_id, userId = user.id, role = r, username = user.username }
      end
      for _, r in ipairs(roles.minus(held, wanted)) do
        plan[#plan + 1] = { operation = "remove_org_user_role", orgId = org_id, userId = user.id, role = r,
          username = user.username }
      end
    else
      plan[1] = { operation = "add_org_user", orgId = org_id, username = username, orgRoles = wanted }
    end
    if user and #plan > 0 then
      plans.present(plan)
      ok, err = owner_guards.check(self, org_id, user, { org_roles = wanted }, opts, name, nil, plan)
      if not ok then return nil, err end
    end
    return finish(self, name, plan, opts and opts.dry_run, user or nil, function(results) return results[#results] end)
  end

  --- Makes the team hold exactly these members, creating it when absent.
  -- Everyone listed must be in the organization (active, or invited and
  -- not yet accepted): otherwise nothing is written and the error names
  -- who is not.  Creating a team takes its active members at once (Atlas's
  -- team call accepts only those); pending ones are added after.
  -- Requests: unchanged 2 (the team, its members); each member added or
  -- removed 1, plus one lookup (2 or more to add: the org's users, one
  -- request per 100); a new team 1 + lookup + 1 + one per pending member.
  -- Returns the team (with usernames: its members after the call),
  -- changed, plan.
  function Client:set_team_members(org_id, team_name, usernames, opts)
    check_self(self, "set_team_members")
    local name = "set_team_members"
    local ok, err = check(name, core.check_id(org_id, "orgId"))
    if ok then ok, err = check(name, core.check_team_name(team_name, "teamName")) end
    if ok then ok, err = check(name, core.check_body("Team", { name = team_name, usernames = usernames })) end
    if ok then ok, err = options.check(name, opts) end
    if not ok then return nil, err end
    local team
    team, err = M.find_team(self, org_id, team_name)
    if team == nil then return nil, err end

    -- Who is in the team now, by lower-cased username.
    local current, members = {}, {}
    if team then
      local list
      list, err = self:list_team_users(org_id, team.id)
      if not list then return nil, err end
      for _, u in ipairs(list) do
        current[u.username:lower()] = u
        members[#members + 1] = u.username
      end
    end
    local wanted, to_add = {}, {}
    for _, u in ipairs(usernames) do
      wanted[u:lower()] = true
      if not current[u:lower()] then to_add[#to_add + 1] = u end
    end

    -- The people to add, looked up in the organization.
    local found, missing = {}, {}
    if #to_add == 1 then
      local u
      u, err = M.find_org_user(self, org_id, to_add[1])
      if u == nil then return nil, err end
      if u then found[to_add[1]:lower()] = u end
    elseif #to_add > 1 then
      local all
      all, err = self:list_org_users(org_id)
      if not all then return nil, err end
      for _, u in ipairs(all) do found[u.username:lower()] = u end
    end
    for _, u in ipairs(to_add) do
      if not found[u:lower()] then missing[#missing + 1] = u end
    end
    if #missing > 0 then
      return nil, errors.not_found("usernames", "not in organization " .. org_id .. ": " .. table.concat(missing, ", ")
        .. " (a team holds members of its organization only; invite them first, e.g. client:set_org_roles(\""
        .. org_id .. "\", \"" .. missing[1] .. "\", { \"ORG_MEMBER\" }))", name)
    end

    local plan = {}
    if not team then
      local active = {}
      for _, u in ipairs(to_add) do
        if found[u:lower()].orgMembershipStatus == "ACTIVE" then active[#active + 1] = found[u:lower()].username end
      end
      plan[1] = { operation = "create_team", orgId = org_id, team = team_name, usernames = active }
      for _, u in ipairs(to_add) do
        local user = found[u:lower()]
        if user.orgMembershipStatus ~= "ACTIVE" then
          plan[#plan + 1] = { operation = "add_team_user", orgId = org_id, team = team_name, userId = user.id,
            username = user.username }
        end
      end
    else
      for _, u in ipairs(to_add) do
        local user = found[u:lower()]
        plan[#plan + 1] = { operation = "add_team_user", orgId = org_id, teamId = team.id, team = team_name,
          userId = user.id, username = user.username }
      end
      for _, username in ipairs(members) do
        if not wanted[username:lower()] then
          plan[#plan + 1] = { operation = "remove_team_user", orgId = org_id, teamId = team.id, team = team_name,
            userId = current[username:lower()].id, username = username }
        end
      end
    end

    local function with_members(t)
      local names = {}
      for _, u in ipairs(usernames) do names[#names + 1] = (found[u:lower()] or current[u:lower()]).username end
      table.sort(names)
      t.usernames = names
      return t
    end
    if team then
      -- members leaving an owning team must not leave a project without an owner
      local removes = {}
      for _, username in ipairs(members) do
        if not wanted[username:lower()] then removes[#removes + 1] = current[username:lower()] end
      end
      if #removes > 0 then
        ok, err = owner_guards.check_team(self, org_id, team, { removes = removes }, opts, name, plan)
        if not ok then return nil, err end
      end
      table.sort(members)
      team.usernames = members
    end
    return finish(self, name, plan, opts and opts.dry_run, team or nil, function(results)
      return with_members(team or results[1])
    end)
  end

  --- Gives a team exactly these roles in a project, adding it to the
  -- project when absent.  The team must exist (client:set_team_members
  -- creates teams).  Requests: unchanged 2 (the team, the project's
  -- teams), changed or added 3.  Returns the team's role entry
  -- ({ teamId, roleNames }; nil when absent in a dry run), changed, plan.
  function Client:set_team_project_roles(group_id, org_id, team_name, role_list, opts)
    check_self(self, "set_team_project_roles")
    local name = "set_team_project_roles"
    local ok, err = check(name, core.check_id(group_id, "groupId"))
    if ok then ok, err = check(name, core.check_id(org_id, "orgId")) end
    if ok then ok, err = check(name, core.check_team_name(team_name, "teamName")) end
    if ok then ok, err = check(name, core.check_roles(role_list, "roles", self._settings.extra_roles_set)) end
    if ok then ok, err = options.check(name, opts) end
    if not ok then return nil, err end
    local team
    team, err = M.find_team(self, org_id, team_name)
    if team == nil then return nil, err end
    if not team then
      return nil, errors.not_found("teamName", "no team named \"" .. team_name .. "\" in organization " .. org_id
        .. " (create it with client:set_team_members(orgId, name, usernames))", name)
    end
    local entries
    entries, err = self:list_project_teams(group_id)
    if not entries then return nil, err end
    local entry
    for _, e in ipairs(entries) do
      if e.teamId == team.id then entry = e end
    end
    local wanted, plan = copy(role_list), {}
    if not entry then
      plan[1] = { operation = "add_project_teams", groupId = group_id, teamId = team.id, team = team_name, roles = wanted }
    elseif not roles.equal(entry.roleNames or {}, wanted) then
      plan[1] = { operation = "update_project_team", groupId = group_id, teamId = team.id, team = team_name,
        roles = wanted }
    end
    if entry and plan[1] then
      ok, err = owner_guards.check_team(self, org_id, team, { project = group_id, roles = wanted, entries = entries },
        opts, name, plan)
      if not ok then return nil, err end
    end
    return finish(self, name, plan, opts and opts.dry_run, entry, function(results)
      local result = results[#results]
      if plan[1].operation == "add_project_teams" then
        for _, e in ipairs(result) do
          if e.teamId == team.id then return e end
        end
        return result[1]
      end
      return result
    end)
  end
end

return M
