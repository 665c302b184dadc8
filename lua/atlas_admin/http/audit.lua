-- The audit trail: one record per write the client makes (any call, not
-- only apply_access; dry runs write nothing and record nothing).
--
--   atlas.client{ ..., audit = function(record) ... end }   -- or
--   atlas.client{ ..., audit = "audit.jsonl" }              -- a JSON Lines file, appended, flushed per record
--
--   record = { time, org, operation, method, path, target, before, after, status, outcome,
--              error, request_id }
--     time       UTC, ISO 8601
--     operation  the client method (e.g. "update_org_user"); method, path: the HTTP request (no query)
--     target     the path's ids by name: { orgId, groupId, userId, teamId, invitationId, teamName }
--     org        the organization, when the write names one (target or what the caller said)
--     before     what the writer knew the holder had (an access plan's change, a helper's
--                read); absent for a single call, which reads nothing first
--     after      what was asked for: the request body (nothing for a DELETE)
--     status     Atlas's HTTP status (nil when no answer came); outcome "ok" | "failed";
--     error      err.kind and errorCode of a failed write
--     request_id Atlas's request id header, when it sends one
--
-- No secret can be in a record: bodies hold ids, usernames and roles, never
-- a credential; responses (which carry people's names) are not recorded.
local errors = require "atlas_admin.errors"
local jsonenc = require "atlas_admin.util.jsonenc"

local M = {}

--- Checks the audit option: a function, or the path of a file to append
-- to (opened now, so a path that cannot be written fails at once).
-- Returns the sink { write = fn(record), close = fn } or nil, message.
function M.sink(option)
  if type(option) == "function" then
    return { write = option, close = function() end }
  end
  if type(option) ~= "string" or option == "" or option:find("%z") then
    return nil, "audit must be a function(record) or the path of a JSON Lines file to append to"
  end
  local f, err = io.open(option, "a")
  if not f then return nil, "audit file " .. string.format("%q", option) .. " cannot be opened for appending: " .. tostring(err) end
  local sink = {}
  function sink.write(record)
    local line = assert(jsonenc.encode(record))
    local ok, werr = f:write(line, "\n")
    if ok then ok, werr = f:flush() end
    if not ok then error("atlas-admin: the audit record could not be written to " .. option .. ": " .. tostring(werr), 0) end
  end
  function sink.close()
    if f then
      f:close()
      f = nil
    end
  end
  return sink
end

--- The record of one write.  prepared: the request; args: its path
-- parameters in order; body: what was sent; value/err/response: the
-- call's outcome; before: what the writer knew, if anything.
function M.record(prepared, op, args, body, ok, err_or_res, failed_response, before, org)
  local target = {}
  for i, name in ipairs(op.params) do target[name] = args[i] end
  local response = ok and err_or_res or failed_response
  local headers = type(response) == "table" and response.headers or {}
  local record = {
    time = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    org = target.orgId or org,
    operation = prepared.operation, method = prepared.method, path = errors.request_path(prepared), target = target,
    before = before, after = body,
    status = type(response) == "table" and response.status or (not ok and type(err_or_res) == "table"
      and err_or_res.status) or nil,
    outcome = ok and "ok" or "failed",
    request_id = headers["x-request-id"],
  }
  if not ok and type(err_or_res) == "table" then
    record.error = { kind = err_or_res.kind, errorCode = err_or_res.errorCode }
  end
  return record
end

return M
