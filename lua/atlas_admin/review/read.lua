-- What the review reads: the organization as model/read.lua reads it (the
-- one reader: its requests run concurrently), with the dates the review
-- judges by (people's createdAt and lastAuth, org invitations'
-- invitationCreatedAt and invitationExpiresAt, legacy invitations'
-- createdAt), which the model keeps from the listings: no extra request.
--
--   requests = pages(users, 500) + pages(teams) + pages(projects, 500) + 2 x projects
--
-- When the read model gains API keys and service accounts (model.api_keys,
-- model.service_accounts), the review's identities and rules take them as
-- they are (identities.lua, rules.lua).
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local model_read = require "atlas_admin.model.read"

local M = {}

--- The model of the organization with the review's dates, or nil, err.
function M.read(client, org_id)
  local ok, field, message = core.check_id(org_id, "orgId")
  if not ok then return nil, errors.validation(field, message, "access_review") end
  local state, err = model_read.read(client, org_id, nil, nil, true)
  if not state then return nil, err end
  return state.model
end

return M
