-- Teams: an organization's teams (2023-01-01), their users (2025-02-19:
-- pending ones too) and the roles teams hold in projects (2023-01-01).
-- One thin method per row of operations.lua.  A team's roles in a project
-- apply to every member; see converge/organization.lua for the desired-state calls
-- by team name.
local errors = require "atlas_admin.errors"
local pages = require "atlas_admin.http.pages"
local show = require "atlas_admin.util.show"

local M = {}

local dry = pages.is_dry_run

function M.install(Client, check_self)
  --- Every team of the organization, following the pages.
  function Client:list_teams(org_id, opts)
    check_self(self, "list_teams")
    local all, res = pages.list_all(self, "list_teams", { org_id }, nil, opts)
    return all, res
  end

  function Client:get_team(org_id, team_id, opts)
    check_self(self, "get_team")
    return self:_call("get_team", { org_id, team_id }, nil, opts)
  end

  --- A team by its name (GET .../teams/byName/{name}, the name
  -- percent-encoded).  A 404 means there is no such team.
  function Client:get_team_by_name(org_id, name, opts)
    check_self(self, "get_team_by_name")
    return self:_call("get_team_by_name", { org_id, name }, nil, opts)
  end

  --- Creates a team: { name = ..., usernames = {...} }.  Atlas answers 200
  -- with the team and its usernames.
  function Client:create_team(org_id, body, opts)
    check_self(self, "create_team")
    return self:_call("create_team", { org_id }, body, opts)
  end

  function Client:rename_team(org_id, team_id, name, opts)
    check_self(self, "rename_team")
    return self:_call("rename_team", { org_id, team_id }, { name = name }, opts)
  end

  --- Deletes a team: it leaves every project, its members stay in the org.
  function Client:delete_team(org_id, team_id, opts)
    check_self(self, "delete_team")
    return self:_call("delete_team", { org_id, team_id }, nil, opts)
  end

  --- The team's users (org users), following the pages.  filter:
  -- { username, statuses, user_id }.
  function Client:list_team_users(org_id, team_id, filter, opts)
    check_self(self, "list_team_users")
    local all, res = pages.list_all(self, "list_team_users", { org_id, team_id }, filter, opts)
    return all, res
  end

  --- Adds an org user (active, or invited and not yet accepted) to a team
  -- (POST .../teams/{teamId}:addUser).  Returns the user.
  function Client:add_team_user(org_id, team_id, user_id, opts)
    check_self(self, "add_team_user")
    return self:_call("add_team_user", { org_id, team_id }, { id = user_id }, opts)
  end

  function Client:remove_team_user(org_id, team_id, user_id, opts)
    check_self(self, "remove_team_user")
    return self:_call("remove_team_user", { org_id, team_id }, { id = user_id }, opts)
  end

  --- The teams of a project with their roles, following the pages (a
  -- project has at most 100 teams: one request).
  function Client:list_project_teams(group_id, opts)
    check_self(self, "list_project_teams")
    local all, res = pages.list_all(self, "list_project_teams", { group_id }, nil, opts)
    return all, res
  end

  function Client:get_project_team(group_id, team_id, opts)
    check_self(self, "get_project_team")
    return self:_call("get_project_team", { group_id, team_id }, nil, opts)
  end

  --- Adds teams to a project: { { teamId = ..., roleNames = {...} }, ... }
  -- (the body is a JSON array).  Returns the team roles added, response.
  function Client:add_project_teams(group_id, teams, opts)
    check_self(self, "add_project_teams")
    local page, res, failed = self:_call("add_project_teams", { group_id }, teams, opts)
    if not page or dry(opts) then return page, res, failed end
    return show.attach(page.results, "team_role_list"), res
  end

  --- Replaces a team's roles in a project: { roleNames = {...} }.  The
  -- body sent is the spec's TeamRole, { teamId, roleNames }: the path's
  -- teamId is added to it (a teamId given in the body must be that one).
  -- Returns the team's role entry, response.
  function Client:update_project_team(group_id, team_id, body, opts)
    check_self(self, "update_project_team")
    if type(body) == "table" then
      if body.teamId ~= nil and body.teamId ~= team_id then
        return nil, errors.validation("teamId", "teamId in the body must be the teamId argument (the team of the path);"
          .. " leave it out, it is added from the path", "update_project_team")
      end
      local sent = {}
      for k, v in pairs(body) do sent[k] = v end
      sent.teamId = team_id
      body = sent
    end
    local page, res, failed = self:_call("update_project_team", { group_id, team_id }, body, opts)
    if not page or dry(opts) then return page, res, failed end
    for _, entry in ipairs(page.results) do
      if entry.teamId == team_id then return entry, res end
    end
    return page.results[1] or page, res
  end

  --- Takes a team off a project (its members keep their own roles).
  function Client:remove_project_team(group_id, team_id, opts)
    check_self(self, "remove_project_team")
    return self:_call("remove_project_team", { group_id, team_id }, nil, opts)
  end
end

return M
