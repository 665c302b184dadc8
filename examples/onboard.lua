-- Onboards a person: into the organization, a team and two projects.
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/onboard.lua [username]
-- First as one request (add_org_user carries org roles, project roles and
-- teams together), then the same state kept by the desired-state helpers,
-- which can run again and again (here they find nothing left to do).
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"
local roles = require "atlas_admin.roles"

local username = arg[1] or "dana@example.com"
local client = common.client()
local org, prod, staging = common.org_id, common.prod_id, common.staging_id

local team = assert(client:get_team_by_name(org, common.team))
local user, err = client:add_org_user(org, {
  username = username,
  roles = {
    orgRoles = { "ORG_MEMBER" },
    groupRoleAssignments = {
      { groupId = prod, groupRoles = roles.READ_ONLY },
      { groupId = staging, groupRoles = roles.READ_ONLY },
    },
  },
  teamIds = { team.id },
})
if user then
  common.step("invited in one request", user)
else
  common.step("not invited (already in the organization?)", err)
end

-- The desired-state way: each call reads, then writes only what differs,
-- so a script can run it again and again (here nothing is left to do).
local _, org_changed = assert(client:set_org_roles(org, username, { "ORG_MEMBER" }))
local _, prod_changed = assert(client:set_project_roles(prod, username, roles.READ_ONLY))
local _, staging_changed = assert(client:set_project_roles(staging, username, roles.READ_ONLY))
local in_team = assert(client:add_team_user(org, team.id, user and user.id
  or assert(client:list_org_users(org, { username = username }))[1].id)) -- a member already: no change
common.step("kept by the helpers", "org roles changed: " .. tostring(org_changed), "prod changed: "
  .. tostring(prod_changed), "staging changed: " .. tostring(staging_changed), in_team)

common.step("who can reach prod, and why", assert(client:who_can_access(org, prod)))
client:close()
