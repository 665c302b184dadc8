-- The whole organization's access as one read model, from the fewest
-- requests, and "who can reach project X, and why" on top of it.
--
--   client:org_access(orgId [, { projects = { names or ids } }]) -> model
--   client:who_can_access(orgId, groupId)                        -> rows
--
-- The org users listing already carries each person's org roles, project
-- roles (roles.groupRoleAssignments) and teams (teamIds), so the model
-- reads, and nothing else (model/read.lua):
--   the org users' pages + the teams' pages + the projects' pages (500 a page)
--   + per project read: its teams and, until the invitations' sunset, its
--     legacy invitations
-- and the API keys' and service accounts' pages, then one request per API
-- key and per service account (its access list) and per project read (its
-- service accounts):
-- requests = U + T + P + K + S + 2 x projects (1 x projects after the
-- sunset or with legacy_invitations = false) + keys + accounts + projects,
-- in two concurrent rounds; model.requests says what it spent.  The
-- model's shape: model/build.lua.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local options = require "atlas_admin.http.options"
local read = require "atlas_admin.model.read"
local who = require "atlas_admin.model.who"

local M = {}

local function check_args(org_id, opts, operation)
  local ok, field, message = core.check_id(org_id, "orgId")
  if not ok then return nil, errors.validation(field, message, operation) end
  return options.check("org_access", opts)
end

--- Reads the organization: returns the model, or nil, err.
function M.read(client, org_id, opts, operation)
  operation = operation or "org_access"
  local checked, err = check_args(org_id, opts, operation)
  if not checked then return nil, err end
  local keys = checked.projects
  local state, unknown = read.read(client, org_id, keys, nil, operation == "who_can_access" and "roles" or true)
  if not state then return nil, unknown end
  if #unknown > 0 then
    for i, key in ipairs(keys) do
      if key == unknown[1] then
        return nil, errors.not_found("projects[" .. i .. "]", "no project " .. string.format("%q", key)
          .. " in organization " .. org_id .. " (give a project's name or id)", operation)
      end
    end
  end
  return state.model
end

function M.install(Client, check_self)
  --- The organization's whole access in one read model.
  function Client:org_access(org_id, opts)
    check_self(self, "org_access")
    return M.read(self, org_id, opts)
  end

  --- Who can reach a project, and why: one row per person and way in
  -- (direct, a team, an org role, a legacy invitation).  Costs what
  -- org_access costs for that one project.
  function Client:who_can_access(org_id, group_id)
    check_self(self, "who_can_access")
    local ok, field, message = core.check_id(group_id, "groupId")
    if not ok then return nil, errors.validation(field, message, "who_can_access") end
    local model, err = M.read(self, org_id, { projects = { group_id } }, "who_can_access")
    if not model then return nil, err end
    return who.who(model, group_id)
  end
end

return M
