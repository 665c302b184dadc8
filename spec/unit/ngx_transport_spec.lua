-- The nginx transport's reading and writing, off nginx: a scripted socket
-- stands in for ngx.socket.tcp(), handing out the answer in the pieces a
-- test chooses (a head split anywhere, body bytes that come with the head,
-- chunks, a close), and recording what was sent.  The real-nginx specs
-- (spec/nginx) run the same code against the local server.
local atlas = require "atlas_admin"
local ngx_transport = require "atlas_admin.ngx.transport"

local URL = "http://atlas.test:8080/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/invites/602eb7429955214668d5b025"
local OPTS = { timeout = 5, connect_timeout = 2, max_response_bytes = 4096, max_header_bytes = 1024,
  user_agent = "atlas-admin-lua/test", trace = false }

-- A fake ngx with one scripted socket: pieces are what receiveany returns
-- in turn (then "closed"); receive(n) / receive("*l") read from the same
-- bytes, as nginx's buffered reader does.
local function fake_ngx(pieces)
  local sock = { sent = {}, kept = false, closed = false }
  local buffer, i = "", 0
  local function more()
    i = i + 1
    if pieces[i] == nil then return false end
    buffer = buffer .. pieces[i]
    return true
  end
  function sock.settimeouts() end
  function sock:connect(host, port, opts) self.host, self.port, self.pool = host, port, opts.pool return true end
  function sock.getreusedtimes() return 1 end
  function sock:send(data)
    self.sent[#self.sent + 1] = type(data) == "table" and table.concat(data) or data
    return #self.sent[#self.sent]
  end
  function sock.receiveany(_, max)
    if buffer == "" and not more() then return nil, "closed" end
    local out = buffer:sub(1, max)
    buffer = buffer:sub(max + 1)
    return out
  end
  function sock.receive(_, what)
    if what == "*l" then
      while not buffer:find("\n", 1, true) do
        if not more() then return nil, "closed" end
      end
      local at = buffer:find("\n", 1, true)
      local line = buffer:sub(1, at - 1):gsub("\r$", "")
      buffer = buffer:sub(at + 1)
      return line
    end
    if type(what) == "number" then
      while #buffer < what do
        if not more() then
          local partial = buffer
          buffer = ""
          return nil, "closed", partial
        end
      end
      local out = buffer:sub(1, what)
      buffer = buffer:sub(what + 1)
      return out
    end
    error("unexpected receive pattern " .. tostring(what))
  end
  function sock:setkeepalive() self.kept = true return true end
  function sock:close() self.closed = true return true end
  return { now = function() return 0 end, socket = { tcp = function() return sock end } }, sock
end

local function exchange(pieces, opts)
  local ngx, sock = fake_ngx(pieces)
  local saved = rawget(_G, "ngx")
  rawset(_G, "ngx", ngx)
  local t = ngx_transport.new(opts or OPTS, assert(atlas.bearer("tok-123")))
  local r = table.pack(pcall(t.send, t, "PATCH", URL, "Accept: a/b\r\nContent-Type: a/b", '{"roles":[]}',
    assert(atlas.bearer("tok-123"))))
  rawset(_G, "ngx", saved)
  assert(r[1], r[2])
  return sock, table.unpack(r, 2, r.n)
end

local BODY = '{"id":"602eb7429955214668d5b025","roles":["GROUP_OWNER"]}'
local HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: 7\r\nContent-Length: " .. #BODY
  .. "\r\n\r\n"

describe("the nginx transport on the wire (a scripted socket)", function()
  it("sends one request: the target, Host, keep-alive, User-Agent, the lines, the length, the token", function()
    local sock, status = exchange { HEAD .. BODY }
    assert.equal(200, status)
    assert.equal(1, #sock.sent)
    assert.equal("PATCH /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/invites/602eb7429955214668d5b025 HTTP/1.1\r\n"
      .. "Host: atlas.test:8080\r\nConnection: keep-alive\r\nUser-Agent: atlas-admin-lua/test\r\n"
      .. "Accept: a/b\r\nContent-Type: a/b\r\nContent-Length: 12\r\nAuthorization: Bearer tok-123\r\n\r\n"
      .. '{"roles":[]}', sock.sent[1])
    assert.equal("atlas.test", sock.host)
    assert.equal(8080, sock.port)
    assert.is_true(sock.kept)
  end)

  it("reads a head and body that arrive together, apart, or split anywhere", function()
    local whole = HEAD .. BODY
    for cut = 1, #whole - 1 do
      local sock, status, headers, body = exchange { whole:sub(1, cut), whole:sub(cut + 1) }
      assert.equal(200, status, "cut at " .. cut)
      assert.equal("application/json", headers["content-type"])
      assert.equal("7", headers["x-request-id"])
      assert.equal(BODY, body, "cut at " .. cut)
      assert.is_true(sock.kept)
    end
  end)

  it("reads a chunked body, its chunks split from the head anywhere", function()
    local head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    local chunks = "10\r\n" .. BODY:sub(1, 16) .. "\r\n" .. string.format("%x", #BODY - 16) .. "\r\n" .. BODY:sub(17)
      .. "\r\n0\r\n\r\n"
    for cut = #head - 3, #head + #chunks - 1 do
      local whole = head .. chunks
      local _, status, _, body = exchange { whole:sub(1, cut), whole:sub(cut + 1) }
      assert.equal(200, status, "cut at " .. cut)
      assert.equal(BODY, body, "cut at " .. cut)
    end
  end)

  it("reads a body without a length until the connection closes, and does not keep that connection", function()
    local sock, status, _, body = exchange { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" .. BODY:sub(1, 9),
      BODY:sub(10) }
    assert.equal(200, status)
    assert.equal(BODY, body)
    assert.is_false(sock.kept)
  end)

  it("joins repeated headers and lower-cases names", function()
    local _, _, headers = exchange { "HTTP/1.1 200 OK\r\nVary: a\r\nVARY: b\r\nContent-Length: 2\r\n\r\n{}" }
    assert.equal("a, b", headers.vary)
  end)

  it("turns a cut answer, a head past max_header_bytes and a body past max_response_bytes into transport errors",
    function()
    local cases = {
      { pieces = {}, code = 52, message = "no response" },
      { pieces = { "HTTP/1.1 200 OK\r\nContent-Le" }, code = 56, message = "response headers cut" },
      { pieces = { HEAD .. BODY:sub(1, 10) }, code = 56, message = "response body cut" },
      { pieces = { "HTTP/1.1 200 OK\r\nX-Big: " .. string.rep("x", 2000) .. "\r\n\r\n" }, code = 63,
        message = "max_header_bytes" },
      { pieces = { "HTTP/1.1 200 OK\r\nContent-Length: 9999\r\n\r\n" }, code = 63, message = "max_response_bytes" },
      { pieces = { "SSH-2.0-OpenSSH\r\n\r\n" }, code = 56, message = "not an HTTP response" },
    }
    for _, case in ipairs(cases) do
      local sock, status, code, message, info = exchange(case.pieces)
      assert.is_nil(status, case.message)
      assert.equal(case.code, code, case.message)
      assert.matches(case.message, message, 1, true)
      assert.is_true(info.request_sent)
      assert.is_true(sock.closed)
    end
  end)

  it("keeps the traced exchange, with the token and cookies redacted", function()
    local opts = {}
    for k, v in pairs(OPTS) do opts[k] = v end
    opts.trace = true
    local _, status, _, _, info = exchange({ "HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\nContent-Length: 2\r\n\r\n{}" }, opts)
    assert.equal(200, status)
    local x = info.exchanges[1]
    assert.matches("Authorization: <redacted>", x.request_head, 1, true)
    assert.not_matches("tok-123", x.request_head, 1, true)
    assert.matches("Set-Cookie: <redacted>", x.response_head, 1, true)
    assert.equal("{}", x.response_body)
  end)
end)

-- The C core's head parser keeps the strings of the last head (by line)
-- to hand them out again: every head must still read as its own bytes.
describe("core.parse_response_head", function()
  local core = require "atlas_admin.core"

  it("reads each head as it is, whatever the head before it held", function()
    local first = "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 15:24:09 GMT\r\nContent-Type: application/json\r\n"
      .. "X-Request-Id: 0000000000000001\r\nContent-Length: 399"
    local status, h = core.parse_response_head(first)
    assert.equal(200, status)
    assert.same({ date = "Wed, 02 Dec 2026 15:24:09 GMT", ["content-type"] = "application/json",
      ["x-request-id"] = "0000000000000001", ["content-length"] = "399" }, h)
    -- the same lines, one value changed, one line gone, the order changed
    local second = "HTTP/1.1 404 Not Found\r\nDate: Wed, 02 Dec 2026 15:24:10 GMT\r\nX-Request-Id: 0000000000000002\r\n"
      .. "Content-Type: application/json"
    status, h = core.parse_response_head(second)
    assert.equal(404, status)
    assert.same({ date = "Wed, 02 Dec 2026 15:24:10 GMT", ["x-request-id"] = "0000000000000002",
      ["content-type"] = "application/json" }, h)
    -- the same head again: the same strings
    local _, again = core.parse_response_head(second)
    assert.same(h, again)
    -- a repeated header is joined; a long value is read as it is
    local long = string.rep("n", 300)
    _, h = core.parse_response_head("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest nonce=\"" .. long
      .. "\"\r\nVia: a\r\nvia: b\r\n\r\n")
    assert.same({ ["www-authenticate"] = "Digest nonce=\"" .. long .. "\"", via = "a, b" }, h)
  end)

  it("keeps no cookie", function()
    local function kept(value)
      for _, t in pairs(debug.getregistry()) do
        if type(t) == "table" then
          for _, v in ipairs(t) do
            if v == value then return true end
          end
        end
      end
      return false
    end
    local _, h = core.parse_response_head("HTTP/1.1 200 OK\r\nSet-Cookie: s=c00k1e-value\r\n"
      .. "Content-Type: application/x-kept-type")
    assert.equal("s=c00k1e-value", h["set-cookie"])
    assert.is_true(kept("application/x-kept-type")) -- what is kept, to show the search works
    assert.is_false(kept("s=c00k1e-value"))
  end)

  it("reads a head of more lines than it keeps", function()
    local lines = { "HTTP/1.1 200 OK" }
    for i = 1, 100 do lines[#lines + 1] = "X-H" .. i .. ": v" .. i end
    for round = 1, 2 do
      local _, h = core.parse_response_head(table.concat(lines, "\r\n"))
      local n = 0
      for k, v in pairs(h) do
        n = n + 1
        assert.equal("v" .. k:sub(4), v, "round " .. round)
      end
      assert.equal(100, n)
    end
  end)
end)
