-- An access-list entry named in a path (removing one from an API key's or
-- a service account's list): an address, or a CIDR block whose "/" the
-- spec asks to send as %2F.  Checked in C (core.check_access_address)
-- before it is written into the path.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local pages = require "atlas_admin.http.pages"
local show = require "atlas_admin.util.show"

local M = {}

--- The path segment for address, or nil, err (field "address").
function M.segment(address, operation)
  local ok, field, message = core.check_access_address(address, "address")
  if not ok then return nil, errors.validation(field, message, operation) end
  return (address:gsub("/", "%%2F"))
end

local dry = pages.is_dry_run

--- Installs an identity's three access-list methods (API keys and service
-- accounts have the same ones): names = { list, add, remove }, each an
-- operation row taking (orgId, identity id[, address]).
--   list(orgId, id [, opts])               every entry, following the pages
--   add(orgId, id, { { ipAddress | cidrBlock }, ... } [, opts])   the whole list after the change
--   remove(orgId, id, "192.0.2.10" | "10.20.0.0/16" [, opts])    one entry, named as it was added
function M.install(Client, check_self, names)
  Client[names.list] = function(self, org_id, id, opts)
    check_self(self, names.list)
    local all, res, failed = pages.list_all(self, names.list, { org_id, id }, nil, opts)
    if not all or dry(opts) then return all, res, failed end
    return show.attach(all, "access_entry_list"), res
  end
  Client[names.add] = function(self, org_id, id, entries, opts)
    check_self(self, names.add)
    local page, res, failed = self:_call(names.add, { org_id, id }, entries, opts)
    if not page or dry(opts) then return page, res, failed end
    return show.attach(page.results, "access_entry_list"), res
  end
  Client[names.remove] = function(self, org_id, id, address, opts)
    check_self(self, names.remove)
    local segment, err = M.segment(address, names.remove)
    if not segment then return nil, err end
    return self:_call(names.remove, { org_id, id, segment }, nil, opts)
  end
end

return M
