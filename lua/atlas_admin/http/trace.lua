--- The trace client option: one event per HTTP exchange (a digest
-- challenge round trip is two exchanges; token requests are traced too).
--
-- The C core collects each exchange during the transfer, with the values
-- of Authorization, Proxy-Authorization, Cookie and Set-Cookie and the
-- OAuth form and token answer already replaced by <redacted>; this module
-- turns them into events after the transfer (never from inside a libcurl
-- callback) and also masks Cloud users' personal data (names, mobile
-- number, country) in response bodies.
--
--   event = { operation, method, url, status, elapsed,
--             request_headers, request_body, response_headers, response_body }
--   (headers are the raw header blocks, one "Name: value" per line)
local cjson_safe = require "cjson.safe"

local M = {}

local PERSONAL = { "firstName", "lastName", "mobileNumber", "country" }

local json = cjson_safe.new()
json.decode_max_depth(64)

local function mask_user(u)
  if type(u) ~= "table" then return end
  for _, f in ipairs(PERSONAL) do
    if u[f] ~= nil then u[f] = "<redacted>" end
  end
end

--- A Cloud Users response body with the personal fields masked (other
-- bodies are returned as they are).
function M.mask_personal_data(body)
  if type(body) ~= "string" or not body:find('"', 1, true) then return body end
  local has = false
  for _, f in ipairs(PERSONAL) do
    if body:find('"' .. f .. '"', 1, true) then has = true break end
  end
  if not has then return body end
  local decoded = json.decode(body)
  if type(decoded) ~= "table" then return "<not shown: personal data in a body that is not JSON>" end
  local content = decoded.content or decoded -- envelope=true wraps it
  mask_user(content)
  if type(content.results) == "table" then
    for _, u in ipairs(content.results) do mask_user(u) end
  end
  return json.encode(decoded) or "<not shown>"
end

--- An event as the lines trace = true prints (one string, no final newline).
function M.format(event)
  local lines = {
    string.format("atlas-admin trace: %s %s %s -> %s in %.1f ms", tostring(event.operation), tostring(event.method),
      tostring(event.url), tostring(event.status or "no response"), (event.elapsed or 0) * 1000),
  }
  for _, part in ipairs { "request_headers", "request_body", "response_headers", "response_body" } do
    if event[part] then
      lines[#lines + 1] = "  " .. part .. ":"
      for line in tostring(event[part]):gmatch("[^\r\n]+") do lines[#lines + 1] = "    " .. line end
    end
  end
  return table.concat(lines, "\n")
end

--- Writes an event to stderr (trace = true).
function M.stderr(event)
  io.stderr:write(M.format(event), "\n")
end

--- Delivers the exchanges of one transfer.  handler: the trace option.
function M.deliver(handler, operation, info)
  if not handler or type(info) ~= "table" or type(info.exchanges) ~= "table" then return end
  if handler == true then handler = M.stderr end
  for _, x in ipairs(info.exchanges) do
    handler {
      operation = operation, method = x.method, url = x.url, status = x.status, elapsed = x.elapsed,
      request_headers = x.request_head, request_body = x.request_body,
      response_headers = x.response_head, response_body = M.mask_personal_data(x.response_body),
    }
  end
end

return M
