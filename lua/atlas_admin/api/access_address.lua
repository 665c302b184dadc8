-- An access-list entry named in a path (removing one from an API key's or
-- a service account's list): an address, or a CIDR block whose "/" the
-- spec asks to send as %2F.  Checked in C (core.check_access_address)
-- before it is written into the path.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"

local M = {}

--- The path segment for address, or nil, err (field "address").
function M.segment(address, operation)
  local ok, field, message = core.check_access_address(address, "address")
  if not ok then return nil, errors.validation(field, message, operation) end
  return (address:gsub("/", "%%2F"))
end

return M
