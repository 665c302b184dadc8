-- The batch engine's C half (src/multi.c) used directly and misused: a
-- transport busy in a multi refuses other work, either object may be closed
-- or collected first, abandoned transfers leave nothing behind.  These run
-- under ASan/UBSan and valgrind in make check.
local core = require "atlas_admin.core"
local local_server = require "local_server"

local C = local_server.credentials
local URL_PATH = "/api/atlas/v2/groups/" .. C.group_id .. "/invites/" .. C.invitation_id
local HEADERS = { Accept = "application/vnd.atlas.2023-01-01+json",
  ["Content-Type"] = "application/vnd.atlas.2023-01-01+json" }

describe("core.multi", function()
  local srv, cred

  local function transport() return core.transport({ timeout = 5 }, cred) end

  local function drive(multi, want)
    local done = {}
    for _ = 1, 500 do
      local ids = multi:perform(0.05)
      for _, id in ipairs(ids) do done[#done + 1] = id end
      if #done >= want then break end
    end
    table.sort(done)
    return done
  end

  setup(function()
    srv = local_server.start()
    cred = assert(core.credential("digest", C.public_key, C.private_key))
  end)
  teardown(function() srv:stop() end)

  it("runs transfers on several transports and hands each result back once", function()
    local m = core.multi()
    local ts = { transport(), transport(), transport() }
    for i, t in ipairs(ts) do assert.is_true(m:add(t, i * 10, "GET", srv.url .. URL_PATH, HEADERS)) end
    assert.equal(3, m:in_flight())
    assert.same({ 10, 20, 30 }, drive(m, 3))
    assert.equal(0, m:in_flight())
    for _, t in ipairs(ts) do
      local status, headers, body = t:finish()
      assert.equal(200, status)
      assert.matches("application/vnd.atlas", headers["content-type"], 1, true)
      assert.matches(C.invitation_id, body, 1, true)
      assert.has_error(function() t:finish() end, "atlas-admin: no completed batch transfer on this transport")
      -- idle again: a blocking send works on the same handle (its nonce kept)
      assert.equal(200, (t:send("GET", srv.url .. URL_PATH, HEADERS)))
      t:close()
    end
    m:close()
    m:close() -- idempotent
    assert.has_error(function() m:perform(0) end, "atlas-admin: the batch engine is closed")
  end)

  it("refuses other work on a transport while its transfer is in flight", function()
    local m, t = core.multi(), transport()
    assert.is_true(m:add(t, 1, "PATCH", srv.url .. URL_PATH, HEADERS, '{"roles":["GROUP_OWNER"]}'))
    assert.has_error(function() t:send("GET", srv.url .. URL_PATH, HEADERS) end,
      "atlas-admin: this transport has a transfer in progress in a batch")
    assert.has_error(function() m:add(t, 2, "GET", srv.url .. URL_PATH, HEADERS) end,
      "atlas-admin: this transport has a transfer in progress in a batch")
    assert.same({ 1 }, drive(m, 1))
    assert.equal(200, (t:finish()))
    m:close()
    t:close()
  end)

  it("copies the body: the Lua string may be collected while the transfer runs", function()
    local m, t = core.multi(), transport()
    assert.is_true(m:add(t, 1, "PATCH", srv.url .. URL_PATH, HEADERS,
      table.concat { '{"roles":["GROUP_', "READ_ONLY", '"]}' }))
    collectgarbage()
    collectgarbage()
    drive(m, 1)
    local status, _, body = t:finish()
    assert.equal(200, status)
    assert.matches('"GROUP_READ_ONLY"', body, 1, true)
    m:close()
    t:close()
  end)

  it("reports bad requests before starting them and raises on misuse", function()
    local m, t = core.multi(), transport()
    assert.has_error(function() m:add(t, 1, "get", srv.url, HEADERS) end)
    assert.has_error(function() m:add(t, 1, "GET", "ftp://x", HEADERS) end)
    assert.has_error(function() m:add(t, 1.5, "GET", srv.url, HEADERS) end)
    assert.has_error(function() m:add(t, 1, "GET", srv.url, { Authorization = "x" }) end)
    assert.has_error(function() m:perform(-1) end)
    assert.has_error(function() m:perform(0 / 0) end)
    assert.equal(0, m:in_flight())
    -- the transport is still usable after the refused setups
    assert.equal(200, (t:send("GET", srv.url .. URL_PATH, HEADERS)))
    m:close()
    assert.has_error(function() m:add(t, 1, "GET", srv.url .. URL_PATH, HEADERS) end,
      "atlas-admin: the batch engine is closed")
    t:close()
    assert.has_error(function() core.multi():add(t, 1, "GET", srv.url .. URL_PATH, HEADERS) end,
      "atlas-admin: the client is closed")
  end)

  it("survives either side being closed or collected first with transfers in flight", function()
    collectgarbage()
    collectgarbage()
    local baseline = core.open_transports()
    -- the transport closed first: it leaves the multi
    local m, t = core.multi(), transport()
    assert.is_true(m:add(t, 1, "GET", srv.url .. URL_PATH, HEADERS))
    t:close()
    assert.equal(0, m:in_flight())
    assert.same({}, (m:perform(0.01)))
    m:close()
    -- the multi closed first: the transport is idle and usable again
    m, t = core.multi(), transport()
    assert.is_true(m:add(t, 1, "GET", srv.url .. URL_PATH, HEADERS))
    m:close()
    assert.equal(200, (t:send("GET", srv.url .. URL_PATH, HEADERS)))
    t:close()
    -- both dropped with a transfer in flight, collected in whatever order
    for _ = 1, 10 do
      local mm = core.multi()
      for i = 1, 4 do mm:add(transport(), i, "GET", srv.url .. URL_PATH, HEADERS) end
      mm:perform(0)
    end
    collectgarbage()
    collectgarbage()
    assert.equal(baseline, core.open_transports())
    -- an uncollected result is dropped by the next use of the transport
    m, t = core.multi(), transport()
    m:add(t, 1, "GET", srv.url .. URL_PATH, HEADERS)
    drive(m, 1)
    assert.equal(200, (t:send("GET", srv.url .. URL_PATH, HEADERS)))
    assert.has_error(function() t:finish() end)
    m:close()
    t:close()
  end)
end)
