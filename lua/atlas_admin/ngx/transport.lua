-- The nginx transport: the same interface as the libcurl one (send /
-- oauth / close, described at the top of src/transport.c), over
-- ngx.socket.tcp cosockets, so a call yields to nginx while it waits and
-- the worker keeps serving other requests.
--
-- HTTP/1.1 only, what the Atlas API needs: one request per exchange,
-- Content-Length or chunked bodies, keep-alive through nginx's connection
-- pool (setkeepalive), TLS through sslhandshake with verification always
-- on (trust comes from lua_ssl_trusted_certificate), no redirects.  The
-- Digest answer is computed by the C core (core.digest_session): libcurl
-- is not here to do it.
--
-- Digest state per request in flight: the light threads of one worker
-- share this transport, and a nonce shared by concurrent requests reaches
-- the server with its nc out of order (they travel on different
-- connections), which a server enforcing strictly increasing nc (RFC 7616
-- replay protection) answers with a new challenge: a second round trip.
-- So each request takes a digest session of its own from the idle ones
-- (the most recently used first) and gives it back when its exchange is
-- over; a new session costs one challenge, once.  N concurrent calls then
-- cost N requests once the worker has had N in flight, as the batch's
-- slots do (batch.lua, cosocket_slots_for).
local core = require "atlas_admin.core"
local cjson_safe = require "cjson.safe"

local M = {}

local Transport = {}
Transport.__index = Transport

-- CURLcode numbers for the same failures, so errors and the retry policy
-- read the same on both paths.
local CODE = { resolve = 6, connect = 7, timeout = 28, send = 55, recv = 56, nothing = 52, tls = 35, too_large = 63 }

local json = cjson_safe.new()

-- Idle digest sessions kept per transport: as many connections as a
-- keepalive pool keeps (setkeepalive below).  A session past that is
-- dropped; it only costs a challenge when that many are needed again.
local MAX_IDLE_DIGEST = 32

--- opts: timeout, connect_timeout (seconds), max_response_bytes,
-- max_header_bytes, user_agent, trace (boolean).  credential: the client's.
function M.new(opts, credential)
  local kind = core.credential_kind(credential)
  local total_ms = math.max(1, math.floor(opts.timeout * 1000))
  return setmetatable({
    opts = opts, credential = credential, kind = kind,
    connect_ms = math.max(1, math.floor(opts.connect_timeout * 1000)), total_ms = total_ms,
    digest_idle = kind == "digest" and {} or nil, -- sessions holding a nonce, not in use
    -- a request's pieces (see _exchange); 2, 6 and 13 never change
    pieces = { "", " ", "", "", "", "\r\n", "", "", "", "", "", "", "\r\n", "" },
    closed = false,
  }, Transport)
end

local function parse_url(url)
  local scheme, authority, target = url:match("^(https?)://([^/?#]+)(.*)$")
  if not scheme then return nil end
  local host, port = authority:match("^%[([^%]]+)%]:?(%d*)$")
  if not host then host, port = authority:match("^([^:]+):?(%d*)$") end
  if not host then return nil end
  return scheme, host, tonumber(port) or (scheme == "https" and 443 or 80), target ~= "" and target or "/", authority
end

local function fail(code, message, sent, started, exchanges)
  return nil, code, message, { request_sent = sent, response_started = started, exchanges = exchanges,
    total_time = 0, new_connections = 0 }
end

-- The header checks and the redaction list are the C core's
-- (src/header_rules.c), the same the libcurl transport applies:
-- core.request_header_text checks a table or a string of lines and
-- returns them joined; core.redact_head hides the values of
-- Authorization, Proxy-Authorization, Cookie and Set-Cookie.
local request_header_text, redact_head = core.request_header_text, core.redact_head

-- Where a URL goes: scheme, host, port, authority, the pool name and
-- where its target starts.  A client sends every call to one base URL, so
-- the last origin is kept and a URL that starts with it is not parsed again.
function Transport:_origin(url)
  local o = self.last_origin
  if o and url:find(o.prefix, 1, true) == 1 and url:byte(#o.prefix + 1) == 47 then return o end -- "/"
  local scheme, host, port, _, authority = parse_url(url)
  if not scheme then return nil end
  o = {
    scheme = scheme, host = host, port = port, authority = authority, prefix = scheme .. "://" .. authority,
    -- One pool per server and identity: a digest nonce or TLS session is
    -- never shared between credentials.
    pool = scheme .. "://" .. authority .. "#" .. tostring(self.credential:id() or self.kind),
    head = " HTTP/1.1\r\nHost: " .. authority .. "\r\nConnection: keep-alive\r\n"
      .. (self.opts.user_agent and ("User-Agent: " .. self.opts.user_agent .. "\r\n") or ""),
  }
  o.target_at = #o.prefix + 1
  o.connect_options = { pool = o.pool }
  self.last_origin = o
  return o
end

local function too_large(sock, max, exchange)
  sock:close()
  return fail(CODE.too_large, string.format("response larger than max_response_bytes (%d bytes)", max), true, true,
    exchange and { exchange })
end

-- Reads what follows the head when it is not a Content-Length body:
-- pending holds the bytes already read past the head.
local function read_line(sock, st)
  local i = st.pending:find("\r\n", 1, true)
  if i then
    local line = st.pending:sub(1, i - 1)
    st.pending = st.pending:sub(i + 2)
    return line
  end
  local more, err = sock:receive("*l") -- up to LF; CR dropped
  if not more then return nil, err end
  local line = st.pending .. more
  st.pending = ""
  return line
end

local function read_bytes(sock, st, n)
  if #st.pending >= n then
    local data = st.pending:sub(1, n)
    st.pending = st.pending:sub(n + 1)
    return data
  end
  local more, err = sock:receive(n - #st.pending)
  if not more then return nil, err end
  local data = st.pending .. more
  st.pending = ""
  return data
end

-- One HTTP exchange on a pooled connection.  Returns status, headers,
-- body, info | nil, code, message, info (info on success only with trace).
function Transport:_exchange(method, url, headers, body, authorization, redact_bodies)
  local ngx = rawget(_G, "ngx")
  local o = self.opts
  local origin = self:_origin(url)
  if not origin then return fail(CODE.connect, "invalid URL", false, false) end
  local target = url:sub(origin.target_at)
  local started = o.trace and ngx.now()
  local sock = ngx.socket.tcp()
  sock:settimeouts(self.connect_ms, self.total_ms, self.total_ms)
  local ok, err = sock:connect(origin.host, origin.port, origin.connect_options)
  if not ok then
    return fail(err and err:find("resolve", 1, true) and CODE.resolve or
      (err == "timeout" and CODE.timeout or CODE.connect), "connect to " .. origin.authority .. " failed: " .. tostring(err),
      false, false)
  end
  if origin.scheme == "https" and sock:getreusedtimes() == 0 then
    ok, err = sock:sslhandshake(nil, origin.host, true) -- verify = true, always
    if not ok then
      sock:close()
      return fail(CODE.tls, "TLS handshake with " .. origin.host .. " failed: " .. tostring(err), false, false)
    end
  end

  -- The request as pieces nginx joins in C (no Lua string for the whole),
  -- in one table per transport: send copies them all into its buffer
  -- before it can yield, so the next request (another light thread's, say)
  -- may refill it.
  local header_text, why = request_header_text(headers)
  if not header_text then
    sock:close()
    error("atlas-admin: " .. why, 3)
  end
  local request = self.pieces
  request[1], request[3], request[4], request[5] = method, target, origin.head, header_text
  request[7], request[8], request[9] = body and "Content-Length: " or "", body and #body or "", body and "\r\n" or ""
  request[10], request[11], request[12] = authorization and "Authorization: " or "", authorization or "",
    authorization and "\r\n" or ""
  request[14] = body or ""
  local bytes, serr = sock:send(request)
  request[5], request[11], request[14] = "", "", "" -- no header value, token or body kept past the call
  local exchange
  if o.trace then
    local lines = { method .. " " .. target .. " HTTP/1.1", "Host: " .. origin.authority, "Connection: keep-alive" }
    if o.user_agent then lines[#lines + 1] = "User-Agent: " .. o.user_agent end
    if header_text ~= "" then lines[#lines + 1] = header_text end
    if body then lines[#lines + 1] = "Content-Length: " .. #body end
    if authorization then lines[#lines + 1] = "Authorization: " .. authorization end
    exchange = { method = method, url = url, request_head = redact_head(table.concat(lines, "\r\n") .. "\r\n"),
      request_body = body and (redact_bodies and "<redacted>" or body) or nil }
  end
  if not bytes then
    sock:close()
    return fail(serr == "timeout" and CODE.timeout or CODE.send, "send failed: " .. tostring(serr), false, false,
      exchange and { exchange })
  end

  -- The response head, read in as few pieces as it arrives in (usually
  -- one, with the body), then parsed by the C core.
  local max_head = o.max_header_bytes
  local got, rerr = sock:receiveany(max_head + 4)
  if not got then
    sock:close()
    return fail(rerr == "timeout" and CODE.timeout or (rerr == "closed" and CODE.nothing or CODE.recv),
      "no response: " .. tostring(rerr), true, false, exchange and { exchange })
  end
  local head_end = got:find("\r\n\r\n", 1, true)
  while not head_end do
    if #got > max_head then
      sock:close()
      return fail(CODE.too_large, string.format("response headers larger than max_header_bytes (%d bytes)",
        max_head), true, true, exchange and { exchange })
    end
    local more, merr = sock:receiveany(max_head + 4)
    if not more then
      sock:close()
      return fail(merr == "timeout" and CODE.timeout or CODE.recv, "response headers cut: " .. tostring(merr), true,
        true, exchange and { exchange })
    end
    -- look again from just before the new bytes (the blank line may span them)
    local from = #got - 2
    got = got .. more
    head_end = got:find("\r\n\r\n", from > 1 and from or 1, true)
  end
  if head_end - 1 > max_head then
    sock:close()
    return fail(CODE.too_large, string.format("response headers larger than max_header_bytes (%d bytes)",
      max_head), true, true, exchange and { exchange })
  end
  local status, resp_headers = core.parse_response_head(got, head_end - 1)
  if not status then
    sock:close()
    return fail(CODE.recv, "not an HTTP response", true, true, exchange and { exchange })
  end
  local rest = got:sub(head_end + 4)

  local max = o.max_response_bytes
  local length = tonumber(resp_headers["content-length"])
  local te, conn = resp_headers["transfer-encoding"], resp_headers["connection"]
  local chunked = te and te:lower():find("chunked", 1, true)
  local reusable = not conn or conn:lower() ~= "close"
  if method == "HEAD" or status == 204 or status == 304 or (status >= 100 and status < 200) then
    length = 0
  end
  local resp_body
  if chunked then
    local st, parts, size = { pending = rest }, {}, 0
    while true do
      local size_line, cerr = read_line(sock, st)
      local n = size_line and tonumber(size_line:match("^(%x+)"), 16)
      if not n then
        sock:close()
        return fail(cerr == "timeout" and CODE.timeout or CODE.recv, "chunked body cut", true, true, exchange and { exchange })
      end
      if n == 0 then
        repeat local trailer = read_line(sock, st) until not trailer or trailer == ""
        break
      end
      size = size + n
      if size > max then return too_large(sock, max, exchange) end
      local data = read_bytes(sock, st, n)
      if not data or not read_line(sock, st) then
        sock:close()
        return fail(CODE.recv, "chunked body cut", true, true, exchange and { exchange })
      end
      parts[#parts + 1] = data
    end
    resp_body = table.concat(parts)
  elseif length then
    if length > max then return too_large(sock, max, exchange) end
    if #rest >= length then
      resp_body = #rest == length and rest or rest:sub(1, length)
      if #rest > length then reusable = false end -- bytes past the answer: the connection is not clean
    else
      local data, derr = sock:receive(length - #rest)
      if not data then
        sock:close()
        return fail(derr == "timeout" and CODE.timeout or CODE.recv, "response body cut: " .. tostring(derr), true,
          true, exchange and { exchange })
      end
      resp_body = rest .. data
    end
  else
    reusable = false
    local parts, size = { rest }, #rest
    if size > max then return too_large(sock, max, exchange) end
    while true do
      local data, derr, partial = sock:receive(8192)
      data = data or partial
      if data and #data > 0 then
        size = size + #data
        if size > max then return too_large(sock, max, exchange) end
        parts[#parts + 1] = data
      end
      if derr == "closed" then break end
      if derr then
        sock:close()
        return fail(derr == "timeout" and CODE.timeout or CODE.recv, "response body cut: " .. derr, true, true,
          exchange and { exchange })
      end
    end
    resp_body = table.concat(parts)
  end
  if reusable then sock:setkeepalive(60000, 32) else sock:close() end
  if not exchange then return status, resp_headers, resp_body, nil end
  local elapsed = ngx.now() - started
  exchange.status, exchange.elapsed = status, elapsed
  exchange.response_head = redact_head(got:sub(1, head_end + 1))
  -- an answer that carries a secret Atlas shows once (a created API key or service account secret) is
  -- never kept in a trace, whatever the trace's settings (core.secret_route names those answers)
  local secret_answer = core.secret_route(method, url) ~= nil
  exchange.response_body = resp_body ~= "" and ((redact_bodies or secret_answer) and "<redacted>" or resp_body) or nil
  return status, resp_headers, resp_body,
    { total_time = elapsed, new_connections = 0, request_sent = true, response_started = true, exchanges = { exchange } }
end

-- Appends the exchanges of a resent request to the first one's info.
local function merge(first, second)
  if first and first.exchanges and second and second.exchanges then
    for _, x in ipairs(second.exchanges) do first.exchanges[#first.exchanges + 1] = x end
    second.exchanges = first.exchanges
  end
  return second
end

-- A digest session for one request: an idle one, else a new one (no
-- nonce yet: its first request draws the challenge).
function Transport:_take_digest()
  return table.remove(self.digest_idle) or core.digest_session()
end

-- Gives a request's session back once its exchanges are over; one without
-- a nonce is not worth keeping.
function Transport:_give_digest(session)
  local idle = self.digest_idle
  if session:has_nonce() and #idle < MAX_IDLE_DIGEST then idle[#idle + 1] = session end
end

--- transport:send(method, url, headers, body, bearer): as the libcurl
-- transport's (src/transport.c); client.lua's _transfer is the caller.
function Transport:send(method, url, headers, body, bearer)
  if self.closed then error("atlas-admin: the client is closed", 2) end
  local authorization, digest
  if bearer then
    authorization = core.authorization_value(bearer)
  elseif self.digest_idle then
    digest = self:_take_digest() -- this request's own until it is given back below
    local target = select(4, parse_url(url)) or "/"
    authorization = digest:authorization(self.credential, method, target)
  end
  local status, headers_out, resp_body, info = self:_exchange(method, url, headers, body, authorization)
  if status == 401 and digest and headers_out["www-authenticate"] then
    local ok, stale = digest:challenge(headers_out["www-authenticate"])
    -- Answer the first challenge, and a stale nonce, once each; a 401 on
    -- a nonce that worked is the client's to decide (it resends once, and
    -- normally takes this session again: the last one given back).
    if ok and (authorization == nil or stale) then
      local target = select(4, parse_url(url)) or "/"
      local info1 = info
      status, headers_out, resp_body, info = self:_exchange(method, url, headers, body,
        digest:authorization(self.credential, method, target))
      info = merge(info1, info) -- the 4th value on success and on failure alike
    end
  end
  if digest then self:_give_digest(digest) end
  return status, headers_out, resp_body, info
end

--- transport:oauth(url, service_account, "token" [, nil, keep]) and
-- transport:oauth(url, service_account, "revoke", bearer): the OAuth form
-- with HTTP Basic, as the libcurl transport does.  On this path the token
-- answer is decoded by lua-cjson, so the token is a Lua string briefly.
function Transport:oauth(url, account, action, bearer, keep)
  if self.closed then error("atlas-admin: the client is closed", 2) end
  local form
  if action == "token" then
    form = "grant_type=client_credentials"
  else
    local token = core.authorization_value(bearer):sub(#"Bearer " + 1)
    form = "token=" .. core.url_escape(token) .. "&token_type_hint=access_token"
  end
  local status, headers, body, info = self:_exchange("POST", url,
    { Accept = "application/json", ["Content-Type"] = "application/x-www-form-urlencoded" }, form,
    core.authorization_value(account), true)
  if status ~= 200 or action ~= "token" then return status, headers, body, info end
  local decoded = json.decode(body)
  local tok
  if type(decoded) == "table" and type(decoded.access_token) == "string" and type(decoded.expires_in) == "number" then
    local credential = core.credential("bearer", nil, decoded.access_token)
    if credential then
      tok = { bearer = credential, expires_in = decoded.expires_in, token_type = decoded.token_type,
        access_token = keep and decoded.access_token or nil }
    end
  end
  return status, headers, "", info, tok
end

function Transport:close()
  self.closed = true
  if self.digest_idle then self.digest_idle = {} end
end

function Transport:is_closed()
  return self.closed
end

return M
