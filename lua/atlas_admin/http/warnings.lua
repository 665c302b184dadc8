-- Deprecation notices: when a response carries Deprecation or Sunset, tell
-- the user once per process per operation (per handler), not on every call.
local errors = require "atlas_admin.errors"

local M = {}

-- handler -> { [operation] = true }; weak keys so a dropped client's
-- handler does not pin memory.
local seen = setmetatable({}, { __mode = "k" })

function M.default_handler(message)
  io.stderr:write(message, "\n")
end

-- handler: a function(message, info), or false to stay silent.
function M.check(handler, prepared, headers)
  local deprecation, sunset = headers["deprecation"], headers["sunset"]
  if not (deprecation or sunset) or handler == false then return end
  handler = handler or M.default_handler
  local done = seen[handler]
  if not done then
    done = {}
    seen[handler] = done
  end
  if done[prepared.operation] then return end
  done[prepared.operation] = true
  local path = errors.request_path(prepared)
  local message = "atlas-admin: warning: " .. prepared.operation .. " (" .. prepared.method .. " "
    .. path:gsub("%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x", "{id}") .. ") is deprecated"
  if deprecation then message = message .. " since " .. deprecation end
  if sunset then message = message .. "; it stops working on " .. sunset end
  if prepared.resource == "invitations" then
    message = message .. "; use " .. require("atlas_admin.http.sunset").REPLACEMENTS .. " instead"
  end
  handler(message, {
    operation = prepared.operation, method = prepared.method, path = path,
    deprecation = deprecation, sunset = sunset,
  })
end

return M
