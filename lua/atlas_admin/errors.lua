-- Error objects: every runtime failure is returned as `nil, err` where err
-- is one of these tables.
--
--   err.kind     "validation" | "api" | "auth" | "transport" | "not_found"
--                | "skipped" (a batch call not run: stop_on_error)
--                | "stale_plan" | "guard" | "edited_plan" (an access plan refused, nothing written)
--                | "declined" (apply_access: its confirm function said no)
--                | "audit" (the audit trail could not take a record: err.written
--                  says whether the write itself was made)
--   err.message  what went wrong and, where we know, how to fix it
--   err.field    (validation) the offending argument path: "roles[2]", "groupId"
--   err.status   (api, auth) the HTTP status (the envelope's, with envelope=true)
--   err.error, err.errorCode, err.reason, err.detail, err.parameters,
--   err.badRequestDetail   (api, auth) the ApiError body fields, verbatim
--   err.hint     (auth) what usually causes it
--   err.code     (transport) libcurl's CURLcode
--   err.retry_after  seconds from a Retry-After header, when present
--   err.method, err.path  the request that failed (no query, no secrets)
--   err.operation  the client method, e.g. "update_invitation"
--
-- tostring(err) is one line.  Nothing here ever holds a secret: messages
-- are built from validated ids, role names, HTTP status and the server's
-- own error text.
local M = {}

local Error = {}
Error.__index = Error

-- The kinds of M.refused, as their one-line form names them.
local REFUSED = { stale_plan = "stale plan", guard = "guard", edited_plan = "edited plan",
  audit = "audit trail", declined = "declined", secret = "secret" }

local function where(e)
  if e.method and e.path then return " (" .. e.method .. " " .. e.path .. ")" end
  if e.operation then return " (" .. e.operation .. ")" end
  return ""
end

-- Keeps server-provided text on one line and of reasonable size.
local function one_line(s, max)
  s = tostring(s):gsub("[%c]+", " ")
  max = max or 300
  if #s > max then s = s:sub(1, max) .. "..." end
  return s
end
M.one_line = one_line

function Error:__tostring()
  local k = self.kind
  if k == "validation" or k == "not_found" then
    -- One wording for every validation message: "atlas: <field>: <problem>".
    -- Messages written as "<field> must ..." or "<field>: ..." lose the
    -- repeated field name.
    local field, problem = tostring(self.field), self.message
    if problem:sub(1, #field) == field then
      problem = problem:sub(#field + 1):gsub("^:?%s*", "")
    end
    return "atlas: " .. field .. ": " .. problem .. where(self)
  elseif k == "skipped" then
    return "atlas: skipped: " .. self.message .. where(self)
  elseif REFUSED[k] then
    return "atlas: " .. (k == "guard" and ("guard " .. tostring(self.guard)) or REFUSED[k]) .. ": " .. self.message
      .. where(self)
  elseif k == "transport" then
    return "atlas: transport error " .. tostring(self.code) .. ": " .. self.message .. where(self)
  end
  local s = "atlas: " .. tostring(self.status)
  if self.errorCode then s = s .. " " .. tostring(self.errorCode) end
  s = s .. ": " .. self.message .. where(self)
  if self.hint then s = s .. "; hint: " .. self.hint end
  return s
end

function M.is_error(v)
  return getmetatable(v) == Error
end

local function new(fields)
  return setmetatable(fields, Error)
end

function M.validation(field, message, operation)
  return new { kind = "validation", field = field, message = message, operation = operation }
end

-- A helper looked for something Atlas does not have (e.g. no pending
-- invitation for a username): not an HTTP error, the reads succeeded.
function M.not_found(field, message, operation)
  return new { kind = "not_found", field = field, message = message, operation = operation }
end

-- An access plan refused before anything was written: kind "stale_plan"
-- (the organization changed since the plan), "edited_plan" (its changes are
-- not what its spec plans to), "guard" (a safety rule tripped: guard names
-- it), "declined"; or "audit" (no audit record could be written).
function M.refused(kind, message, operation, fields)
  local e = { kind = kind, message = message, operation = operation }
  for k, v in pairs(fields or {}) do e[k] = v end
  return new(e)
end

-- A batch call that was never run (the batch stopped first).
function M.skipped(message, operation)
  return new { kind = "skipped", message = message, operation = operation }
end

--- The path of a prepared request (its URL from the path on, without the
-- query): what messages and audit records name.  A request described by
-- hand (the token requests) gives its path itself.
function M.request_path(prepared)
  if prepared.path then return prepared.path end
  local url, query = prepared.url, prepared.query
  return url:sub(prepared.path_at or 1, query ~= "" and #url - #query - 1 or nil)
end

function M.transport(code, message, prepared)
  return new {
    kind = "transport", code = code, message = one_line(message),
    method = prepared and prepared.method, path = prepared and M.request_path(prepared),
    operation = prepared and prepared.operation,
  }
end

local API_FIELDS = { "error", "errorCode", "reason", "detail", "parameters", "badRequestDetail" }

-- kind: "api" or "auth"; body: the decoded ApiError table, or nil when the
-- body was not JSON (raw is then summarised in the message).
function M.api(kind, status, body, raw, content_type, prepared, hint)
  local e = {
    kind = kind, status = status, hint = hint,
    method = prepared.method, path = M.request_path(prepared), operation = prepared.operation,
  }
  if type(body) == "table" then
    for _, f in ipairs(API_FIELDS) do e[f] = body[f] end
  end
  if type(e.detail) == "string" and e.detail ~= "" then
    e.message = one_line(e.detail)
  elseif type(e.reason) == "string" and e.reason ~= "" then
    e.message = one_line(e.reason)
  elseif raw and raw ~= "" then
    e.message = "HTTP " .. status .. " with a non-JSON body (" .. tostring(content_type or "no content type")
      .. "): " .. one_line(raw, 120)
  else
    e.message = "HTTP " .. status .. " with an empty body"
  end
  return new(e)
end

return M
