-- Issue 12: defects a security review found in the C core, each with the
-- spec that showed it.  The C programs under spec/c are built by
-- `make testbins` (make check does it).
local atlas = require "atlas_admin"
local core = require "atlas_admin.core"
local local_server = require "local_server"

local C = local_server.credentials
local root = local_server.root
local CLEAN_ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS "

local function run(cmd)
  local p = assert(io.popen(CLEAN_ENV .. cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

-- A listener that accepts connections and never answers (the kernel
-- completes the handshake from the backlog).  Returns its port and a
-- function that stops it.  It ends by itself after 30 s in any case.
local function silent_listener()
  local p = assert(io.popen(CLEAN_ENV .. "python3 -c 'import os,socket,time\n"
    .. "s=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(16)\n"
    .. "print(os.getpid(), s.getsockname()[1], flush=True)\n"
    .. "time.sleep(30)' & ", "r"))
  local pid, port = p:read("*l"):match("^(%d+) (%d+)$")
  return tonumber(port), function()
    os.execute("kill " .. pid .. " 2>/dev/null")
    p:close()
  end
end

describe("timeouts never become 'no timeout' (point 1)", function()
  it("rejects sub-millisecond, NaN, infinite and overflowing timeouts in Lua", function()
    local auth = assert(atlas.digest(C.public_key, C.private_key))
    for _, v in ipairs { 0.0004, 0, -1, 0 / 0, math.huge, 1e300 } do
      for _, f in ipairs { "timeout", "connect_timeout" } do
        local client, err = atlas.client { auth = auth, [f] = v }
        assert.is_nil(client, f .. "=" .. tostring(v))
        assert.equal(f, err.field)
        assert.matches("0%.001", err.message)
      end
    end
  end)

  it("rounds a sub-millisecond timeout up to 1 ms in C: a silent listener cannot hold a call", function()
    local port, stop = silent_listener()
    local cred = assert(core.credential("digest", "abcdefgh", "secret-key"))
    local t = core.transport({ timeout = 0.0004, connect_timeout = 1 }, cred)
    local status, code = t:send("GET", "http://127.0.0.1:" .. port .. "/", {})
    assert.is_nil(status)
    assert.equal(28, code) -- CURLE_OPERATION_TIMEDOUT, not a hang
    t:close()
    stop()
  end)

  it("refuses NaN, infinite and overflowing timeouts in C", function()
    local cred = assert(core.credential("digest", "abcdefgh", "secret-key"))
    for _, v in ipairs { 0 / 0, math.huge, -math.huge, 1e300, -1, 0 } do
      assert.has_error(function() core.transport({ timeout = v }, cred) end)
      assert.has_error(function() core.transport({ connect_timeout = v }, cred) end)
    end
  end)
end)

describe("option strings outlive their stack slot (point 2)", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  it("keeps strings an __index function computes alive until libcurl copied them", function()
    -- Each lookup builds a fresh string and collects garbage, so a string
    -- popped too early is freed before curl_easy_setopt reads it (ASan
    -- reported a use-after-free here before the fix).
    local values = { user_agent = "hardening-spec/" .. string.rep("x", 64), ca_file = "/etc/ssl/certs/ca-certificates.crt", timeout = 5 }
    local opts = setmetatable({}, { __index = function(_, k)
      collectgarbage("collect")
      local v = values[k]
      if type(v) == "string" then return (v .. "!"):sub(1, -2) end -- a fresh string each time
      return v
    end })
    local cred = assert(core.credential("digest", C.public_key, C.private_key))
    local t = core.transport(opts, cred)
    collectgarbage("collect")
    local status = t:send("GET", srv.url .. "/api/atlas/v2/groups/" .. C.group_id .. "/invites",
      { Accept = "application/vnd.atlas.2023-01-01+json" })
    assert.equal(200, status)
    t:close()
  end)

  it("refuses option values that are not strings instead of converting them", function()
    local cred = assert(core.credential("digest", "abcdefgh", "secret-key"))
    assert.has_error(function() core.transport({ user_agent = 12345 }, cred) end,
      "atlas-admin: transport option user_agent must be a string")
    assert.has_error(function() core.transport({ ca_file = "a\0b" }, cred) end,
      "atlas-admin: transport option ca_file contains a NUL byte")
  end)
end)

describe("max_response_bytes is bounded and reported correctly (point 3)", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  it("refuses 2^64 and 1e300 in Lua and in C", function()
    local auth = assert(atlas.digest(C.public_key, C.private_key))
    for _, v in ipairs { 2 ^ 64, 1e300, 2 ^ 31, 1023, 0 / 0, 4096.5 } do
      local client, err = atlas.client { auth = auth, max_response_bytes = v }
      assert.is_nil(client)
      assert.equal("max_response_bytes", err.field)
    end
    local cred = assert(core.credential("digest", "abcdefgh", "secret-key"))
    assert.has_error(function() core.transport({ max_response_bytes = 1e300 }, cred) end)
    assert.has_error(function() core.transport({ max_response_bytes = 2 ^ 64 }, cred) end)
  end)

  it("names the limit in the error, as a size", function()
    local client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)),
      base_url = srv.url, max_response_bytes = 1024, on_warning = false })
    srv:fault { status = 200, count = 1, content_type = "application/json", body = '{"x":"' .. string.rep("y", 5000) .. '"}' }
    local inv, err = client:get_invitation(C.group_id, C.invitation_id)
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.matches("max_response_bytes %(1024 bytes%)", err.message)
    -- the client stays usable
    assert.is_table((client:get_invitation(C.group_id, C.invitation_id)))
    client:close()
  end)
end)

describe("secrets the core handles (point 4)", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  it("grows secret buffers by allocate-copy-wipe-free (no unwiped block is freed)", function()
    local out, rc = run(root .. "/build/spec-c/buffer_wipe")
    assert.equal(0, rc, out)
    assert.matches("0 not wiped", out)
  end)

  it("returns the token endpoint's answer as a credential, never as a string", function()
    local sa = assert(core.credential("service_account", C.client_id, C.client_secret))
    local t = core.transport({ timeout = 5 }, sa)
    local status, headers, body, info, tok = t:oauth(srv.url .. "/api/oauth/token", sa, "token")
    assert.equal(200, status, tostring(headers))
    assert.equal("", body)
    assert.is_table(info)
    assert.equal("bearer", core.credential_kind(tok.bearer))
    assert.is_number(tok.expires_in)
    assert.is_nil(tok.access_token)
    assert.matches("<redacted>", tostring(tok.bearer))
    -- with keep (a token_store is configured) the string comes back too
    local _, _, _, _, kept = t:oauth(srv.url .. "/api/oauth/token", sa, "token", nil, true)
    assert.is_string(kept.access_token)
    t:close()
  end)

  it("gives token_store.save the token and nothing else secret", function()
    local saved
    local client = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
      base_url = srv.url, on_warning = false,
      token_store = { load = function() return nil end, save = function(t) saved = t end } })
    assert.is_table((client:get_invitation(C.group_id, C.invitation_id)))
    assert.same({ "access_token", "base_url", "client_id", "expires_at" }, (function()
      local keys = {}
      for k in pairs(saved) do keys[#keys + 1] = k end
      table.sort(keys)
      return keys
    end)())
    for _, v in pairs(saved) do assert.not_equal(C.client_secret, v) end
    client:close()
  end)
end)

describe("no credential is left on the handle after an error (point 5)", function()
  it("clears Basic credentials and the form before anything can raise", function()
    local out, rc = run(root .. "/build/spec-c/oom_oauth " .. root .. "/build/lua54")
    assert.equal(0, rc, out)
    assert.matches("no Basic credentials on API requests", out)
  end)
end)

describe("process-wide state (point 6)", function()
  it("opens the module in 8 Lua states on 8 threads at once", function()
    local out, rc = run(root .. "/build/spec-c/threads " .. root .. "/build/lua54 8 50")
    assert.equal(0, rc, out)
    assert.matches("8 of 8 states ok, 0 transports open", out)
  end)
end)

describe("the core is safe on its own (point 7)", function()
  local cred = core.credential("digest", "abcdefgh", "secret-key")
  local t
  before_each(function() t = core.transport({ timeout = 1 }, cred) end)
  after_each(function() t:close() end)

  it("rejects CR, LF and NUL in header names and values, and a caller's Authorization", function()
    for _, h in ipairs {
      { ["X-A"] = "v\r\nInjected: 1" }, { ["X-A"] = "v\nx" }, { ["X-A"] = "v\0x" },
      { ["X-\0A"] = "v" }, { ["X A"] = "v" }, { ["X:A"] = "v" }, { [""] = "v" },
      { Authorization = "Bearer stolen" }, { authorization = "x" },
    } do
      assert.has_error(function() t:send("GET", "http://127.0.0.1:9/", h) end)
    end
  end)

  it("checks the method and the URL in C", function()
    for _, m in ipairs { "GET\0X", "get", "GE T", "", "PATCH\r\nX" } do
      assert.has_error(function() t:send(m, "http://127.0.0.1:9/", {}) end)
    end
    for _, u in ipairs { "http://127.0.0.1:9/\0x", "http://127.0.0.1:9/ x", "http://127.0.0.1:9/\r\nX: y",
      "ftp://127.0.0.1/", "file:///etc/passwd", "127.0.0.1:9/" } do
      assert.has_error(function() t:send("GET", u, {}) end)
    end
  end)

  it("finds a bad URL byte at every position (the check reads eight bytes at a time)", function()
    local base = "http://127.0.0.1:9/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/invites/x"
    for pos = 8, #base do
      local function at(c) return base:sub(1, pos) .. string.char(c) .. base:sub(pos + 1) end
      for _, c in ipairs { 0, 1, 9, 10, 13, 31, 32, 127 } do
        assert.has_error(function() t:send("GET", at(c), {}) end,
          "bad argument #2 to 'send' (URL contains a space, control byte or NUL)")
      end
      for _, c in ipairs { 33, 126, 128, 255 } do -- allowed: the request goes out (and finds no server)
        assert.is_nil((t:send("GET", at(c), {})))
      end
    end
  end)

  it("takes the request headers as CRLF-joined lines, checked when they change", function()
    for _, lines in ipairs { "X-A: v\nInjected: 1", "X-A: v\0x", "X A: v", "no colon", ": v",
      "Authorization: Bearer stolen", "X-A: ok\r\nauthorization: x", "X-A: v\rY" } do
      assert.has_error(function() t:send("GET", "http://127.0.0.1:9/", lines) end)
    end
    -- a good string after a refused one is built afresh, and works
    assert.is_nil((t:send("GET", "http://127.0.0.1:9/", "Accept: application/json\r\nX-B: 1")))
  end)
end)
