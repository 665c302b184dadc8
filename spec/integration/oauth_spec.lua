-- Service accounts end to end: the token flow, the token cache, refresh on
-- expiry and on a revoked token, revoke, the token store, and the token
-- endpoint's limits; plus plain bearer tokens.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local ROLES = { roles = { "GROUP_OWNER" } }

describe("service account", function()
  local srv

  local function sa_client(opts)
    opts = opts or {}
    opts.auth = opts.auth or assert(atlas.service_account(C.client_id, C.client_secret))
    opts.base_url = srv.url
    opts.on_warning = false
    return assert(atlas.client(opts))
  end

  setup(function() srv = local_server.start { token_rate = 1000, token_cap = 1000 } end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  it("fetches one token for 100 calls", function()
    local c = sa_client()
    for _ = 1, 100 do
      local inv, err = c:update_invitation_by_id(GID, IID, ROLES)
      assert.is_table(inv, tostring(err))
    end
    local stats = srv:stats()
    assert.equal(1, stats.token_requests)
    assert.equal(101, stats.requests)
    c:close()
  end)

  it("refreshes once when the token nears expiry", function()
    local now = 1000000
    local c = sa_client { clock = function() return now end }
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    now = now + 3600 - 61 -- still outside the 60 s margin
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    assert.equal(1, srv:stats().token_requests)
    now = now + 2 -- inside the margin: one refresh, then reuse
    for _ = 1, 3 do assert(c:update_invitation_by_id(GID, IID, ROLES)) end
    assert.equal(2, srv:stats().token_requests)
    c:close()
  end)

  it("never waits past half a short token's lifetime", function()
    local short = local_server.start { token_ttl = 100 }
    local now = 0
    local c = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
      base_url = short.url, on_warning = false, clock = function() return now end })
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    now = 49
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    assert.equal(1, short:stats().token_requests)
    now = 51
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    assert.equal(2, short:stats().token_requests)
    c:close()
    short:stop()
  end)

  it("refreshes and retries once when the server revoked the token", function()
    local c = sa_client()
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    srv:revoke_tokens()
    local inv, err = c:update_invitation_by_id(GID, IID, { roles = { "GROUP_READ_ONLY" } })
    assert.is_table(inv, tostring(err))
    assert.same({ "GROUP_READ_ONLY" }, inv.roles)
    local stats = srv:stats()
    assert.equal(2, stats.token_requests)
    assert.equal(2, stats.routes["PATCH /api/atlas/v2/groups/" .. GID .. "/invites/" .. IID] - 1)
    c:close()
  end)

  it("returns the second 401 as an auth error", function()
    local c = sa_client()
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    srv:fault { status = 401, count = 2, content_type = "application/json",
      body = '{"error":401,"errorCode":"NOT_AUTHORIZED","reason":"Unauthorized","detail":"Token expired."}' }
    local inv, err = c:update_invitation_by_id(GID, IID, ROLES)
    assert.is_nil(inv)
    assert.equal("auth", err.kind)
    assert.equal(401, err.status)
    assert.equal(2, srv:stats().token_requests)
    c:close()
  end)

  it("reports a bad secret as an auth error without echoing it", function()
    local c = sa_client { auth = assert(atlas.service_account(C.client_id, "mdb_sa_sk_wrongwrongwrong")) }
    local inv, err = c:update_invitation_by_id(GID, IID, ROLES)
    assert.is_nil(inv)
    assert.equal("auth", err.kind)
    assert.equal(401, err.status)
    assert.equal("invalid_client", err.error)
    assert.matches("MONGODB_ATLAS_CLIENT_SECRET", err.hint, 1, true)
    assert.not_matches("wrongwrong", tostring(err), 1, true)
    assert.equal(0, srv:stats().routes["PATCH /api/atlas/v2/groups/" .. GID .. "/invites/" .. IID] or 0)
    c:close()
  end)

  it("keeps tokens across clients through token_store", function()
    local saved
    local store = {
      load = function() return saved end,
      save = function(t) saved = t end,
    }
    local c1 = sa_client { token_store = store }
    assert(c1:update_invitation_by_id(GID, IID, ROLES))
    c1:close()
    assert.is_string(saved.access_token)
    assert.is_number(saved.expires_at)
    assert.equal(C.client_id, saved.client_id)
    local c2 = sa_client { token_store = store }
    assert(c2:update_invitation_by_id(GID, IID, ROLES))
    c2:close()
    assert.equal(1, srv:stats().token_requests)
    -- a store with a token for another account is ignored
    saved.client_id = "mdb_sa_id_someone_else"
    local c3 = sa_client { token_store = store }
    assert(c3:update_invitation_by_id(GID, IID, ROLES))
    c3:close()
    assert.equal(2, srv:stats().token_requests)
  end)

  it("revokes its token on close{ revoke = true }", function()
    local saved
    local c = sa_client { token_store = { load = function() end, save = function(t) saved = t end } }
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    assert.is_true(c:close { revoke = true })
    assert.equal(1, srv:stats().revocations)
    local b = assert(atlas.client { auth = assert(atlas.bearer(saved.access_token)), base_url = srv.url, on_warning = false })
    local inv, err = b:update_invitation_by_id(GID, IID, ROLES)
    assert.is_nil(inv)
    assert.equal("auth", err.kind)
    assert.matches("expired", err.hint, 1, true)
    b:close()
  end)

  it("revokes on request and fetches a new token on the next call", function()
    local c = sa_client()
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    assert.is_true(c:revoke_token())
    assert.is_true(c:revoke_token()) -- nothing left to revoke
    assert(c:update_invitation_by_id(GID, IID, ROLES))
    local stats = srv:stats()
    assert.equal(1, stats.revocations)
    assert.equal(2, stats.token_requests)
    c:close()
  end)
end)

describe("token endpoint limits", function()
  it("reports a 429 with Retry-After", function()
    local srv = local_server.start { token_rate = 2 }
    local errs = {}
    for i = 1, 3 do
      local c = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
        base_url = srv.url, on_warning = false })
      local inv, err = c:update_invitation_by_id(GID, IID, ROLES)
      errs[i] = not inv and err or false
      c:close()
    end
    assert.is_false(errs[1])
    assert.is_false(errs[2])
    assert.equal("auth", errs[3].kind)
    assert.equal(429, errs[3].status)
    assert.is_number(errs[3].retry_after)
    assert.matches("10 token requests a minute", errs[3].hint, 1, true)
    srv:stop()
  end)

  it("explains the live-token cap", function()
    local srv = local_server.start { token_cap = 2 }
    local last
    for _ = 1, 3 do
      local c = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
        base_url = srv.url, on_warning = false })
      local _, err = c:update_invitation_by_id(GID, IID, ROLES)
      last = err
      c:close()
    end
    assert.equal("auth", last.kind)
    assert.equal(403, last.status)
    assert.equal("access_denied", last.error)
    assert.matches("100 live tokens", last.hint, 1, true)
    srv:stop()
  end)
end)
