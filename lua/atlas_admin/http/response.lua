-- Turns a transport answer (status, headers, raw body) into the call's
-- result: `object, response` on success, `nil, err` otherwise.  Pure: no
-- I/O, so it is the one place a retry policy will ask "success, retryable
-- or final?" and the one place tests can feed recorded answers.
local errors = require "atlas_admin.errors"

local M = {}

-- Hints for a 401, by credential kind: the usual causes, in order.
local AUTH_HINTS = {
  digest = "check the public/private API key pair, that this machine's IP address is on the key's "
    .. "API access list, and that the key has the Project Owner role on this project",
  bearer = "the access token may have expired (tokens live one hour) or lack the Project Owner role; "
    .. "get a new token",
  service_account = "check the client id and secret, that this machine's IP address is on the service "
    .. "account's access list, and that it has the Project Owner role on this project",
}
M.AUTH_HINTS = AUTH_HINTS

local function media_type_is_json(content_type)
  local mt = content_type:lower():match("^%s*([^;%s]+)")
  return mt == "application/json" or (mt ~= nil and mt:match("^application/[%w%.%-]*%+json$") ~= nil)
end

-- A server sends a handful of distinct Content-Type values: each is
-- looked at once (pattern matching on every answer costs more than the
-- rest of the parse), the memo bounded in case a server varies them.
local json_types, json_type_count = {}, 0

local function learn_json_type(content_type)
  local known = media_type_is_json(content_type)
  if json_type_count >= 64 then json_types, json_type_count = {}, 0 end
  json_types[content_type], json_type_count = known, json_type_count + 1
  return known
end

-- Retry-After in seconds (delta-seconds or an HTTP-date), or nil.
local function retry_after(headers)
  return require("atlas_admin.http.retry").parse_retry_after(headers["retry-after"])
end

-- status/headers/raw: from the transport.  prepared: the request (its
-- result kind: "object", "list", "page" or "none").
-- json: the client's cjson.safe instance.  auth_kind: the credential kind.
function M.parse(prepared, status, headers, raw, json, auth_kind)
  local response = { status = status, headers = headers, body = raw }
  local content_type = headers["content-type"]
  local decoded, json_type = nil, false
  if content_type then
    json_type = json_types[content_type]
    if json_type == nil then json_type = learn_json_type(content_type) end
  end
  -- decode = false: a success's JSON text is the result, as it came
  -- (an error is decoded all the same: its fields make the error object)
  if prepared.text and status >= 200 and status < 300 then
    if prepared.result == "none" then return true, response end
    if json_type and raw ~= "" then return raw, response end
    return nil, errors.api("api", status, nil, raw, content_type, prepared), response
  end
  if json_type and raw ~= "" then
    decoded = json.decode(raw) -- nil when malformed or truncated
  end

  -- envelope=true: {"status": N, "content": ...}; the HTTP status may be
  -- 200 whatever happened, so the envelope's status decides.
  local effective = status
  if prepared.envelope and type(decoded) == "table" and type(decoded.status) == "number" then
    response.envelope_status = decoded.status
    effective = decoded.status
    decoded = decoded.content
  end

  if effective >= 200 and effective < 300 then
    -- A call without a result (DELETE: 204 No Content) answers true.
    if prepared.result == "none" then return true, response end
    if type(decoded) == "table" and (prepared.result ~= "page" or type(decoded.results) == "table") then
      return decoded, response
    end
    return nil, errors.api("api", effective, nil, raw, content_type, prepared), response
  end

  local kind = effective == 401 and "auth" or "api"
  local hint = kind == "auth" and AUTH_HINTS[auth_kind] or nil
  if hint and errors.request_path(prepared):find("/orgs/", 1, true) then
    -- an organization's calls need the organization's owner, not a project's
    hint = hint:gsub("the Project Owner role on this project", "the Organization Owner role on this organization")
      :gsub("the Project Owner role", "the Organization Owner role")
  end
  local err = errors.api(kind, effective, type(decoded) == "table" and decoded or nil, raw,
    content_type, prepared, hint)
  err.retry_after = retry_after(headers)
  return nil, err, response
end

return M
