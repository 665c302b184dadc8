-- client:batch against the local server (real libcurl multi over loopback,
-- with added latency where concurrency matters): order of results, mixed
-- good and bad items, validation before any request, retries per item,
-- progress, the rate limiter, stop_on_error, a raise in progress, service
-- account tokens shared by the slots, and concurrency = 1 as a plain loop.
local atlas = require "atlas_admin"
local core = require "atlas_admin.core"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
-- Sanitizer runs (LD_PRELOAD) are many times slower: lower bounds on speed
-- are checked only in the plain runs.
local INSTRUMENTED = os.getenv("LD_PRELOAD") ~= nil

local function username(i) return string.format("batch%03d@example.com", i) end

describe("client:batch", function()
  local srv, client

  local function new_client(opts)
    opts = opts or {}
    opts.auth = opts.auth or assert(atlas.digest(C.public_key, C.private_key))
    opts.base_url = srv.url
    if opts.on_warning == nil then opts.on_warning = false end
    return assert(atlas.client(opts))
  end

  local function invitation_roles(group, name)
    for _, inv in ipairs(srv:state(group).invitations) do
      if inv.username == name then return inv.roles end
    end
  end

  setup(function() srv = local_server.start { latency_ms = 20 } end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    srv:latency(20)
    client = new_client()
  end)
  after_each(function() client:close() end)

  it("returns one result per call, in input order, and applies every change", function()
    local creates = {}
    for i = 1, 40 do
      creates[i] = { "create_invitation", GID, { username = username(i),
        roles = { i % 2 == 0 and "GROUP_READ_ONLY" or "GROUP_OWNER" } } }
    end
    local results, summary = assert(client:batch(creates, { concurrency = 8 }))
    assert.equal(40, #results)
    for i, r in ipairs(results) do
      assert.is_true(r.ok, tostring(r.err))
      assert.equal(i, r.index)
      assert.equal("create_invitation", r.operation)
      assert.equal(username(i), r.value.username)
      assert.same({ i % 2 == 0 and "GROUP_READ_ONLY" or "GROUP_OWNER" }, r.value.roles)
      assert.equal(r.value, r.values[1])
    end
    assert.same({ total = 40, succeeded = 40, failed = 0, invalid = 0, skipped = 0, requests = 40 },
      (function() summary.elapsed = nil return summary end)())
    for i = 1, 40 do
      assert.same({ i % 2 == 0 and "GROUP_READ_ONLY" or "GROUP_OWNER" }, invitation_roles(GID, username(i)))
    end
    -- the updates by id, each with its own roles, come back matched to their item
    local updates = {}
    for i, r in ipairs(results) do
      updates[i] = { "update_invitation_by_id", GID, r.value.id, { roles = { "GROUP_DATA_ACCESS_READ_ONLY" } } }
      if i % 3 == 0 then updates[i][4] = { roles = { "GROUP_CLUSTER_MANAGER" } } end
    end
    local updated = assert(client:batch(updates, { concurrency = 16 }))
    for i, r in ipairs(updated) do
      assert.equal(results[i].value.id, r.value.id)
      assert.same(updates[i][4].roles, r.value.roles)
      assert.same(updates[i][4].roles, invitation_roles(GID, username(i)))
    end
  end)

  it("validates every call before the first request: bad calls are reported, good ones still run", function()
    local calls = {
      { "update_invitation_by_id", GID, IID, { roles = { "GROUP_READ_ONLY" } } },
      { "update_invitation_by_id", GID, "not-an-id", { roles = { "GROUP_READ_ONLY" } } },
      { "update_invitation", GID, { username = "hello@example.com", roles = { "GROUP_NO_SUCH_ROLE" } } },
      { "update_invitatoin", GID, IID },
      "not a table",
      { "get_invitation", GID, IID },
      { "update_invitation_by_id", GID, "aaaaaaaaaaaaaaaaaaaaaaaa", { roles = { "GROUP_READ_ONLY" } } },
    }
    local seen_before_first_request
    local progress = {}
    local requests, results, summary = srv:count(function()
      return client:batch(calls, { progress = function(done, total, r)
        progress[#progress + 1] = { done, total, r.index, r.ok }
        if r.index == 2 then seen_before_first_request = srv:stats().requests end
      end })
    end)
    assert.equal(7, #results)
    assert.is_true(results[1].ok)
    assert.same({ "GROUP_READ_ONLY" }, results[1].value.roles)
    assert.equal("validation", results[2].err.kind)
    assert.equal("invitationId", results[2].err.field)
    assert.equal("validation", results[3].err.kind)
    assert.matches("roles", results[3].err.field)
    assert.equal("calls[4][1]", results[4].err.field)
    assert.matches("did you mean update_invitation", results[4].err.message, 1, true)
    assert.equal("calls[5]", results[5].err.field)
    assert.is_true(results[6].ok)
    assert.equal("api", results[7].err.kind) -- valid, sent, and Atlas said no
    assert.equal(404, results[7].err.status)
    assert.equal(0, seen_before_first_request) -- the invalid ones were reported before anything was sent
    assert.same({ total = 7, succeeded = 2, failed = 5, invalid = 4, skipped = 0 },
      { total = summary.total, succeeded = summary.succeeded, failed = summary.failed, invalid = summary.invalid,
        skipped = summary.skipped })
    assert.equal(7, #progress)
    for i, p in ipairs(progress) do
      assert.equal(i, p[1])
      assert.equal(7, p[2])
    end
    -- three valid calls on three slots (fresh handles): a challenge each, then one request per call
    assert.equal(3 + 3, requests)
  end)

  it("sends nothing when every call is invalid, and nothing at all with stop_on_error and one bad call", function()
    local n = srv:count(function()
      local results, summary = client:batch({ { "get_invitation", "x", IID }, { "get_invitation", GID, 7 } })
      assert.equal(2, summary.invalid)
      assert.equal("groupId", results[1].err.field)
    end)
    assert.equal(0, n)
    local results, summary
    n = srv:count(function()
      results, summary = client:batch({ { "get_invitation", GID, IID }, { "get_invitation", GID, "bad" },
        { "get_invitation", GID, IID } }, { stop_on_error = true })
    end)
    assert.equal(0, n)
    assert.same({ true, false, true }, { results[1].skipped, results[2].skipped == true, results[3].skipped })
    assert.equal("skipped", results[1].err.kind)
    assert.matches("stop_on_error", tostring(results[1].err), 1, true)
    assert.same({ 0, 1, 2, 1 }, { summary.succeeded, summary.failed, summary.skipped, summary.invalid })
  end)

  it("stop_on_error stops starting calls after a failure and reports the rest as skipped", function()
    local calls = {}
    for i = 1, 12 do calls[i] = { "get_invitation", GID, IID } end
    calls[3] = { "get_invitation", GID, "aaaaaaaaaaaaaaaaaaaaaaaa" }
    local results, summary = client:batch(calls, { concurrency = 2, stop_on_error = true })
    assert.equal(12, #results)
    assert.equal(404, results[3].err.status)
    assert.is_true(summary.skipped > 0)
    assert.equal(12, summary.succeeded + summary.failed + summary.skipped)
    for i = 6, 12 do assert.is_true(results[i].skipped, "call " .. i) end
  end)

  it("retries each rate-limited call on its own, without holding up the others", function()
    -- the next 10 API requests answer 429 with Retry-After: 1
    srv:fault { status = 429, count = 10, headers = { ["Retry-After"] = "1" }, content_type = "application/json",
      body = '{"error":429,"errorCode":"RATE_LIMITED","detail":"Please retry after 1 seconds"}' }
    local retried = {}
    client:close()
    client = new_client { on_retry = function(info) retried[#retried + 1] = info end }
    local calls = {}
    for i = 1, 30 do calls[i] = { "get_invitation", GID, IID } end
    local started = core.monotonic()
    local results, summary = client:batch(calls, { concurrency = 10 })
    local elapsed = core.monotonic() - started
    assert.equal(30, summary.succeeded)
    for _, r in ipairs(results) do assert.equal(IID, r.value.id) end
    assert.is_true(#retried >= 1)
    for _, info in ipairs(retried) do
      assert.equal("rate_limited", info.reason)
      assert.equal(1, info.wait)
    end
    -- the waits overlap: 10 retried calls waiting 1 s each take about 1 s, not 10
    assert.is_true(elapsed < 5, "elapsed " .. elapsed)
  end)

  it("keeps max_per_second within 10% (a pacing token bucket)", function()
    srv:latency(0)
    local calls = {}
    for i = 1, 31 do calls[i] = { "get_invitation", GID, IID } end
    assert(client:get_invitation(GID, IID)) -- the handshake, outside the measurement
    local started = core.monotonic()
    local before = srv:stats()
    local _, summary = client:batch(calls, { concurrency = 8, max_per_second = 30 })
    local elapsed = core.monotonic() - started
    local after = srv:stats()
    assert.equal(31, summary.succeeded)
    -- one request per call, plus the digest handshake of the 7 new slots (inside their first transfer)
    assert.equal(31, (after.requests - before.requests) - (after.challenges - before.challenges))
    local rate = (31 - 1) / elapsed -- 30 intervals between 31 requests
    assert.is_true(rate <= 30 * 1.1, "rate " .. rate .. "/s over 30/s")
    if not INSTRUMENTED then assert.is_true(rate >= 30 * 0.9, "rate " .. rate .. "/s far under 30/s") end
  end)

  it("stops cleanly when progress raises: the error propagates, handles are freed, the client still works", function()
    local baseline = core.open_transports()
    local calls = {}
    for i = 1, 40 do calls[i] = { "get_invitation", GID, IID } end
    local ok, err = pcall(client.batch, client, calls, { concurrency = 8, progress = function(done)
      if done == 5 then error("stop here") end
    end })
    assert.is_false(ok)
    assert.matches("stop here", err)
    assert.equal(baseline, core.open_transports()) -- the extra slots' handles were closed
    -- The server counts a request when it answers it, 20 ms (its latency) after it arrived, so
    -- the requests already sent when the batch stopped are let finish before the count is taken.
    core.sleep(0.1)
    local before = srv:stats().requests
    core.sleep(0.2) -- nothing abandoned keeps talking to the server
    assert.equal(before, srv:stats().requests)
    assert(client:get_invitation(GID, IID)) -- the client's own handle was given back
    local results = assert(client:batch({ { "get_invitation", GID, IID } }))
    assert.is_true(results[1].ok)
  end)

  it("stops cleanly when an item's own callback raises (on_retry)", function()
    client:close()
    client = new_client { on_retry = function() error("no retries wanted") end }
    srv:fault { status = 503, count = 1 }
    local calls = {}
    for i = 1, 6 do calls[i] = { "get_invitation", GID, IID } end
    local ok, err = pcall(client.batch, client, calls, { concurrency = 3 })
    assert.is_false(ok)
    assert.matches("no retries wanted", err)
    assert(client:get_invitation(GID, IID))
  end)

  it("runs the helpers as items: add/remove roles, set_project_roles, dry runs", function()
    local calls = {
      { "add_invitation_roles", GID, "hello@example.com", { "GROUP_READ_ONLY" } },
      { "remove_invitation_roles", GID, "602eb7429955214668d5b026", { "GROUP_NO_SUCH" } },
      { "set_project_roles", GID, "alice@example.com", { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" } },
      { "update_invitation_by_id", GID, IID, { roles = { "GROUP_OWNER" } }, { dry_run = true } },
      { "list_invitations", GID, n = 2 },
    }
    local results, summary = client:batch(calls, { concurrency = 4 })
    assert.is_true(results[1].ok, tostring(results[1].err))
    assert.is_boolean(results[1].values[2]) -- changed
    assert.equal("validation", results[2].err.kind)
    assert.is_true(results[3].ok, tostring(results[3].err))
    local alice = results[3].value
    assert.same({ "GROUP_DATA_ACCESS_READ_ONLY", "GROUP_READ_ONLY" },
      (function()
        local r = {}
        for i, role in ipairs(alice.roles) do r[i] = role end
        table.sort(r)
        return r
      end)())
    assert.equal("PATCH", results[4].value.method) -- a dry run returns the request
    assert.equal("<redacted>", results[4].value.headers.Authorization)
    assert.is_true(#results[5].value >= 1)
    assert.equal(1, summary.invalid)
  end)

  it("with concurrency = 1 sends exactly what a loop of single calls sends, in the same order", function()
    local calls = {}
    for i = 1, 6 do
      calls[i] = { "update_invitation_by_id", GID, IID, { roles = { i % 2 == 0 and "GROUP_OWNER" or "GROUP_READ_ONLY" } } }
    end
    calls[3] = { "add_invitation_roles", GID, IID, { "GROUP_DATA_ACCESS_READ_ONLY" } }
    local function trace_of(run)
      srv:reset()
      local c = new_client()
      local n = srv:count(function() run(c) end)
      c:close()
      local lines, state = {}, {}
      for _, e in ipairs(srv:log()) do lines[#lines + 1] = e.method .. " " .. e.url .. " " .. tostring(e.status) end
      for _, inv in ipairs(srv:state(GID).invitations) do state[#state + 1] = { inv.id, inv.username, inv.roles } end
      return n, lines, state
    end
    local n1, log1, state1 = trace_of(function(c)
      for _, call in ipairs(calls) do c[call[1]](c, call[2], call[3], call[4]) end
    end)
    local n2, log2, state2 = trace_of(function(c) assert(c:batch(calls, { concurrency = 1 })) end)
    assert.equal(n1, n2)
    assert.same(log1, log2)
    assert.same(state1, state2)
  end)

  it("reuses one digest nonce per slot: one challenge per slot, then one request per call", function()
    local calls = {}
    for i = 1, 64 do calls[i] = { "get_invitation", GID, IID } end
    local before = srv:stats()
    local _, summary = client:batch(calls, { concurrency = 8 })
    local after = srv:stats()
    assert.equal(64, summary.succeeded)
    assert.equal(8, after.challenges - before.challenges)
    assert.equal(64 + 8, after.requests - before.requests)
    -- a second batch reuses the slots' handles: no new handshake
    before = srv:stats()
    client:batch(calls, { concurrency = 8 })
    after = srv:stats()
    assert.equal(0, after.challenges - before.challenges)
    assert.equal(64, after.requests - before.requests)
  end)

  it("shares a service account's token across slots: fetched once", function()
    client:close()
    client = new_client { auth = assert(atlas.service_account(C.client_id, C.client_secret)) }
    local calls = {}
    for i = 1, 24 do calls[i] = { "get_invitation", GID, IID } end
    local before = srv:stats()
    local _, summary = client:batch(calls, { concurrency = 8 })
    local after = srv:stats()
    assert.equal(24, summary.succeeded)
    assert.equal(1, after.token_requests - before.token_requests)
    assert.equal(24, after.requests - before.requests - 1) -- requests counts the token request too
  end)

  it("asks for a token once when the service account is refused, not once per call", function()
    client:close()
    client = new_client { auth = assert(atlas.service_account(C.client_id, "mdb_sa_sk_wrong-secret-0000000000")) }
    local calls = {}
    for i = 1, 10 do calls[i] = { "get_invitation", GID, IID } end
    local before = srv:stats()
    local results, summary = client:batch(calls, { concurrency = 4 })
    local after = srv:stats()
    assert.equal(10, summary.failed)
    for _, r in ipairs(results) do assert.equal("auth", r.err.kind) end
    assert.equal(1, after.token_requests - before.token_requests)
    assert.equal(1, after.requests - before.requests) -- that token request, and no API request
  end)

  it("warns about deprecation once, as single calls do", function()
    local warnings = {}
    client:close()
    client = new_client { on_warning = function(m) warnings[#warnings + 1] = m end }
    local calls = {}
    for i = 1, 12 do calls[i] = { "get_invitation", GID, IID } end
    client:batch(calls, { concurrency = 4 })
    client:batch(calls, { concurrency = 4 })
    assert.equal(1, #warnings)
    assert.matches("get_invitation", warnings[1], 1, true)
  end)

  it("drops successful responses unless keep_responses (memory), keeps failed ones", function()
    local calls = { { "get_invitation", GID, IID }, { "get_invitation", GID, "aaaaaaaaaaaaaaaaaaaaaaaa" } }
    local results = client:batch(calls)
    assert.equal(1, results[1].values.n - 1)
    assert.is_nil(results[1].values[2])
    assert.equal(404, results[2].response.status)
    results = client:batch(calls, { keep_responses = true })
    assert.equal(200, results[1].values[2].status)
    assert.matches("application/vnd.atlas", results[1].values[2].headers["content-type"], 1, true)
  end)

  it("rejects malformed batches with nil, err, and misuse with a raise", function()
    local _, err = client:batch("x")
    assert.equal("calls", err.field)
    _, err = client:batch({ { "get_invitation", GID, IID } }, { concurrency = 0 })
    assert.equal("concurrency", err.field)
    _, err = client:batch({}, { concurrency = 65 })
    assert.equal("concurrency", err.field)
    _, err = client:batch({}, { max_per_second = -1 })
    assert.equal("max_per_second", err.field)
    _, err = client:batch({}, { max_per_second = 0 / 0 })
    assert.equal("max_per_second", err.field)
    _, err = client:batch({}, { progres = print })
    assert.matches("did you mean progress", err.message, 1, true)
    _, err = client:batch({ [1] = { "get_invitation", GID, IID }, [3] = { "get_invitation", GID, IID } })
    assert.equal("calls", err.field)
    local results, summary = client:batch({})
    assert.same({}, results)
    assert.equal(0, summary.total)
    assert.has_error(function() client.batch({}, {}) end)
    assert.has_error(function()
      client:batch({ { "get_invitation", GID, IID } }, { progress = function() client:batch({}) end })
    end, "atlas-admin: client:batch() called while a batch is running on this client")
    client:close()
    assert.has_error(function() client:batch({}) end)
  end)

  -- How much faster that makes a batch is the benchmark's business (bench/batch.lua); here, the
  -- behaviour behind it: transfers overlap, up to `concurrency` and never more.
  it("keeps up to `concurrency` calls in flight at once, and a loop only one", function()
    local calls = {}
    for i = 1, 64 do calls[i] = { "get_invitation", GID, IID } end
    srv:reset()
    for _ = 1, 4 do assert(client:get_invitation(GID, IID)) end
    assert.equal(1, srv:stats().peak_in_flight)
    srv:reset()
    local _, summary = client:batch(calls, { concurrency = 16 })
    assert.equal(64, summary.succeeded)
    local peak = srv:stats().peak_in_flight
    assert.is_true(peak <= 16, "peak " .. peak .. " over concurrency 16")
    -- at 20 ms of latency, 16 slots are all in flight unless the machine is slowed down (sanitizers)
    if INSTRUMENTED then assert.is_true(peak >= 2, "no overlap") else assert.equal(16, peak) end
    srv:reset()
    _, summary = client:batch(calls, { concurrency = 1 })
    assert.equal(64, summary.succeeded)
    assert.equal(1, srv:stats().peak_in_flight)
  end)
end)
