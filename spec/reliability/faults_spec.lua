-- Every fault of the local server's matrix, with the exact outcome: retried
-- and succeeded (attempts counted at the server), or nil, err of the right
-- kind; never a raise, never a hang past the deadline, never a lost update.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local PATCH_PATH = "PATCH /api/atlas/v2/groups/" .. GID .. "/invites/" .. IID

describe("faults", function()
  local srv, client, waits, retries_seen

  local function new_client(opts)
    opts = opts or {}
    opts.auth = opts.auth or assert(atlas.digest(C.public_key, C.private_key))
    opts.base_url = opts.base_url or srv.url
    opts.on_warning = false
    opts.sleep = function(s) waits[#waits + 1] = s end -- a fake: nothing really waits
    opts.random = function() return 0.5 end
    opts.on_retry = function(info) retries_seen[#retries_seen + 1] = info end
    local c = assert(atlas.client(opts))
    assert(c:get_invitation(GID, IID)) -- the digest handshake
    return c
  end

  local function patches()
    return srv:stats().routes[PATCH_PATH] or 0
  end

  local function stored_roles()
    for _, inv in ipairs(srv:state(GID).invitations) do
      if inv.id == IID then return inv.roles end
    end
  end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    waits, retries_seen = {}, {}
    client = new_client()
  end)
  after_each(function() client:close() end)

  local function patch(roles, opts)
    return client:update_invitation_by_id(GID, IID, { roles = roles }, opts)
  end

  it("waits Retry-After on a 429 and succeeds on the next attempt", function()
    srv:fault { status = 429, count = 1, headers = { ["Retry-After"] = "1" }, content_type = "application/json",
      body = '{"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","detail":"Please retry after 1 seconds"}' }
    local inv = assert(patch { "GROUP_OWNER", "GROUP_READ_ONLY" })
    assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, inv.roles)
    assert.same({ 1 }, waits)
    assert.equal(2, patches())
    assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, stored_roles())
    assert.same({ attempt = 1, reason = "rate_limited", operation = "update_invitation_by_id", wait = 1, status = 429,
      errorCode = "RATE_LIMITED_TOKEN_BUCKET", message = "Please retry after 1 seconds" },
      (function() local i = retries_seen[1] i.code = nil return i end)())
  end)

  it("takes an HTTP-date Retry-After", function()
    srv:fault { status = 503, count = 1, headers = { ["Retry-After"] = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 3) } }
    assert(patch { "GROUP_OWNER" })
    assert.equal(1, #waits)
    assert.is_true(waits[1] >= 1 and waits[1] <= 4)
  end)

  it("retries Atlas's invitation rate limit, a 400", function()
    srv:fault { status = 400, count = 2, content_type = "application/json",
      body = '{"error":400,"errorCode":"INVITATIONS_RATE_LIMITED_IP","detail":"Rate limit of 10 invitations per 1 minutes exceeded"}' }
    assert(patch { "GROUP_OWNER" })
    assert.equal(3, patches())
    assert.same({ 0.25, 0.5 }, waits) -- full jitter (random 0.5) of 0.5 and 1
  end)

  it("retries 502, 503 and 504, but not a 500", function()
    for _, status in ipairs { 502, 503, 504 } do
      srv:reset()
      srv:fault { status = status, count = 1 }
      assert(patch { "GROUP_OWNER" })
    end
    srv:reset()
    srv:fault { status = 500, count = 1, content_type = "application/json", body = '{"error":500,"errorCode":"UNEXPECTED_ERROR"}' }
    local inv, err = patch { "GROUP_OWNER" }
    assert.is_nil(inv)
    assert.equal(500, err.status)
    assert.equal(1, err.attempts)
  end)

  it("gives up after `retries` and says how many attempts were made", function()
    srv:fault { status = 503, count = 10 }
    local inv, err = patch({ "GROUP_OWNER" }, { retries = 2 })
    assert.is_nil(inv)
    assert.equal("api", err.kind)
    assert.equal(3, err.attempts)
    assert.matches("after 3 attempts", tostring(err))
    assert.equal(3, patches())
    local _, e0 = patch({ "GROUP_OWNER" }, { retries = 0 })
    assert.equal(1, e0.attempts)
  end)

  it("resends a PATCH whose connection dropped before any status line", function()
    -- libcurl itself resends once on a reused connection that died; the
    -- second drop (on a fresh connection) reaches the policy as "no response".
    srv:fault { action = "drop_before_status", count = 2, match = "PATCH" }
    local inv = assert(patch { "GROUP_CLUSTER_MANAGER" })
    assert.same({ "GROUP_CLUSTER_MANAGER" }, inv.roles)
    assert.equal("no_response", retries_seen[1].reason)
    assert.equal(52, retries_seen[1].code)
    assert.equal(3, patches())
  end)

  it("loses no update when the answer to an applied PATCH is lost", function()
    srv:fault { action = "drop_after_handling", count = 1, match = "PATCH" }
    local inv = assert(patch { "GROUP_SEARCH_INDEX_EDITOR" })
    assert.same({ "GROUP_SEARCH_INDEX_EDITOR" }, inv.roles)
    assert.same({ "GROUP_SEARCH_INDEX_EDITOR" }, stored_roles())
    assert.equal(2, patches())
  end)

  it("does not resend a create whose request reached the server", function()
    srv:fault { action = "drop_after_handling", count = 1, match = "POST" }
    local inv, err = client:create_invitation(GID, { username = "once@example.com", roles = { "GROUP_READ_ONLY" } })
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.is_true(err.request_sent)
    assert.equal(1, err.attempts)
    -- it was created (the answer was lost): a blind resend would have duplicated the work
    local found = 0
    for _, i in ipairs(srv:state(GID).invitations) do
      if i.username == "once@example.com" then found = found + 1 end
    end
    assert.equal(1, found)
  end)

  it("resends a create whose connection was refused", function()
    local closed = new_client()
    closed:close()
    local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)),
      base_url = "http://127.0.0.1:9", on_warning = false, retries = 2,
      sleep = function(s) waits[#waits + 1] = s end, random = function() return 0.5 end })
    local inv, err = c:create_invitation(GID, { username = "x@example.com", roles = { "GROUP_READ_ONLY" } })
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.equal(7, err.code)
    assert.is_false(err.request_sent)
    assert.equal(3, err.attempts)
    assert.equal(2, #waits)
    c:close()
  end)

  it("does not retry a response that broke mid-body", function()
    srv:fault { action = "drop_mid_body", count = 1, match = "PATCH" }
    local inv, err = patch { "GROUP_OWNER" }
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.is_true(err.response_started)
    assert.equal(1, err.attempts)
  end)

  it("abandons a trickling response at the low-speed limit, long before the timeout", function()
    local c = new_client { timeout = 30, low_speed_limit = 100, low_speed_time = 1 }
    srv:fault { action = "trickle", trickle_bytes = 3, count = 1, match = "PATCH" }
    local t0 = os.time()
    local inv, err = c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } })
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.equal(28, err.code)
    assert.is_true(os.time() - t0 < 10)
    c:close()
  end)

  it("times out a slow server and retries it, within the deadline", function()
    local c = new_client { timeout = 0.3 }
    srv:fault { latency_ms = 1000, count = 1, match = "PATCH" }
    local inv = assert(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
    assert.same({ "GROUP_OWNER" }, inv.roles)
    assert.equal("no_response", retries_seen[#retries_seen].reason)
    c:close()
  end)

  it("does not wait past the call's deadline", function()
    srv:fault { status = 503, count = 5, headers = { ["Retry-After"] = "100" } }
    local inv, err = patch({ "GROUP_OWNER" }, { retry_deadline = 5 })
    assert.is_nil(inv)
    assert.equal(503, err.status)
    assert.equal("deadline", err.retry_stopped)
    assert.same({}, waits)
  end)

  it("reports a 200 with a truncated or non-JSON body, or the wrong content type, as an api error", function()
    for _, spec in ipairs {
      { action = "truncated_json" }, { action = "non_json" },
      { status = 200, content_type = "text/plain", body = '{"id":"x"}' },
    } do
      spec.count, spec.match = 1, "PATCH"
      srv:fault(spec)
      local inv, err = patch { "GROUP_OWNER" }
      assert.is_nil(inv)
      assert.equal("api", err.kind)
      assert.equal(200, err.status)
      assert.matches("non%-JSON body", err.message)
      assert.equal(1, err.attempts)
    end
  end)

  it("refuses an oversized body with a transport error naming the limit", function()
    local c = new_client { max_response_bytes = 64 * 1024 }
    srv:fault { action = "oversized", size = 1024 * 1024, count = 1 }
    local inv, err = c:get_invitation(GID, IID)
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.matches("max_response_bytes %(65536 bytes%)", err.message)
    assert.is_table((c:get_invitation(GID, IID))) -- still usable
    c:close()
  end)

  describe("digest", function()
    it("answers a stale=true challenge once with the new nonce: 2 requests", function()
      srv:fault { action = "stale_nonce", count = 1 }
      local before = srv:stats().requests
      assert(patch { "GROUP_OWNER" })
      assert.equal(2, srv:stats().requests - before)
      srv:expire_nonces()
      before = srv:stats().requests
      assert(patch { "GROUP_READ_ONLY" })
      assert.equal(2, srv:stats().requests - before)
    end)

    it("answers one fresh challenge on a reused nonce without stale: 2 requests", function()
      srv:fault { action = "challenge", count = 1 }
      local before = srv:stats().requests
      assert(patch { "GROUP_OWNER" })
      assert.equal(2, srv:stats().requests - before)
    end)

    it("reports a challenge that keeps coming as auth, after one fresh try, never looping", function()
      srv:fault { action = "challenge", count = 5 }
      local before = srv:stats().requests
      local inv, err = patch { "GROUP_OWNER" }
      assert.is_nil(inv)
      assert.equal("auth", err.kind)
      -- the 401, our one resend (libcurl answers its fresh challenge within
      -- that transfer), and no more
      assert.equal(3, srv:stats().requests - before)
    end)

    it("reports a wrong key after exactly one challenge, never looping", function()
      local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, "11111111-2222-4333-8444-555555555555")),
        base_url = srv.url, on_warning = false })
      local before = srv:stats()
      local inv, err = c:get_invitation(GID, IID)
      local after = srv:stats()
      assert.is_nil(inv)
      assert.equal("auth", err.kind)
      -- one challenge round trip (the probe's 401), one authenticated
      -- attempt (refused with a challenge too), then the report
      assert.equal(2, after.requests - before.requests)
      assert.equal(2, after.challenges - before.challenges)
      c:close()
    end)
  end)
end)

describe("credentials and transport options", function()
  local auth = atlas.digest("abcdefgh", "0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b")

  it("refuses plain http to another machine unless asked", function()
    for _, url in ipairs { "http://cloud.mongodb.com", "http://10.0.0.5:8080", "http://example.com/" } do
      local c, err = atlas.client { auth = auth, base_url = url }
      assert.is_nil(c)
      assert.equal("base_url", err.field)
      assert.matches("allow_insecure_http", err.message)
    end
    for _, url in ipairs { "http://127.0.0.1:1", "http://localhost:8080", "http://127.1.2.3", "http://[::1]:9" } do
      assert.is_table((atlas.client { auth = auth, base_url = url }), url)
    end
    assert.is_table((atlas.client { auth = auth, base_url = "http://example.com", allow_insecure_http = true }))
    assert.is_table((atlas.client { auth = auth, base_url = "https://example.com" }))
  end)

  it("takes a proxy and a CA directory, and checks them", function()
    assert.is_table((atlas.client { auth = auth, proxy = "http://127.0.0.1:3128", ca_path = "/etc/ssl/certs" }))
    local _, err = atlas.client { auth = auth, proxy = "not a url" }
    assert.equal("proxy", err.field)
    _, err = atlas.client { auth = auth, ca_path = "" }
    assert.equal("ca_path", err.field)
    _, err = atlas.client { auth = auth, retries = 2.5 }
    assert.equal("retries", err.field)
    _, err = atlas.client { auth = auth, retry_deadline = 0 }
    assert.equal("retry_deadline", err.field)
    _, err = atlas.client { auth = auth, sleep = 3 }
    assert.equal("sleep", err.field)
  end)

  it("lets nothing a caller passes put CR, LF or NUL into the request line or a header", function()
    local c = assert(atlas.client { auth = auth, base_url = "http://127.0.0.1:9" })
    local bad = { "a\r\nX-Injected: 1", "a\nb", "a\0b", "a\rb" }
    for _, v in ipairs(bad) do
      local _, err = c:get_invitation(C.group_id .. v, IID)
      assert.equal("validation", err.kind)
      _, err = c:get_invitation(GID, v)
      assert.equal("validation", err.kind)
      _, err = c:list_invitations(GID, { username = "a" .. v .. "@example.com" })
      assert.equal("validation", err.kind)
      _, err = c:update_invitation(GID, { username = "a" .. v .. "@example.com", roles = { "GROUP_OWNER" } })
      assert.equal("validation", err.kind)
      _, err = c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" .. v } })
      assert.equal("validation", err.kind)
      for _, opts in ipairs { { user_agent = "x" .. v }, { base_url = "https://example.com" .. v },
        { api_version = "2023-01-01" .. v } } do
        opts.auth = auth
        local client2, cerr = atlas.client(opts)
        assert.is_nil(client2)
        assert.equal("validation", cerr.kind)
      end
      assert.is_nil((atlas.digest("abc" .. v, "secret")))
      assert.is_nil((atlas.bearer("tok" .. v)))
    end
    c:close()
  end)
end)
