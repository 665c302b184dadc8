-- The two update calls end to end: real libcurl over loopback against the
-- local Atlas server, HTTP Digest with the fixture's API key.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local NO_RETRY = { retries = 0 }
local GID, IID, USER = C.group_id, C.invitation_id, C.username

describe("update invitation (v2, digest)", function()
  local srv, client

  local function new_client(opts)
    opts = opts or {}
    opts.auth = opts.auth or assert(atlas.digest(C.public_key, C.private_key))
    opts.base_url = srv.url
    if opts.on_warning == nil then opts.on_warning = false end
    return assert(atlas.client(opts))
  end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = new_client()
  end)
  after_each(function() client:close() end)

  it("updates by username and returns the invitation and the response", function()
    local inv, res = client:update_invitation(GID, { username = USER, roles = { "GROUP_READ_ONLY", "GROUP_OWNER" } })
    assert.is_table(inv, tostring(res))
    assert.equal(IID, inv.id)
    assert.equal(USER, inv.username)
    assert.equal(GID, inv.groupId)
    assert.same({ "GROUP_READ_ONLY", "GROUP_OWNER" }, inv.roles)
    assert.is_string(inv.createdAt)
    assert.is_string(inv.expiresAt)
    assert.is_string(inv.groupName)
    assert.equal(200, res.status)
    assert.matches("^application/vnd%.atlas%.2023%-01%-01%+json", res.headers["content-type"])
    assert.is_string(res.headers["ratelimit-remaining"])
    assert.is_nil(res.headers["Content-Type"]) -- names are lower-cased
    local stats = srv:stats()
    assert.equal(1, stats.routes["PATCH /api/atlas/v2/groups/" .. GID .. "/invites"] and 1)
  end)

  it("updates by id, replacing (not merging) the roles", function()
    local inv, res = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } })
    assert.is_table(inv, tostring(res))
    assert.same({ "GROUP_OWNER" }, inv.roles)
    inv = assert(client:update_invitation_by_id(GID, IID, { roles = { "GROUP_CLUSTER_MANAGER" } }))
    assert.same({ "GROUP_CLUSTER_MANAGER" }, inv.roles)
    local by_name = assert(client:update_invitation(GID, { username = USER, roles = { "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY" } }))
    assert.equal(IID, by_name.id)
  end)

  it("unwraps envelope=true and reports the envelope's status", function()
    local inv, res = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, { envelope = true })
    assert.is_table(inv, tostring(res))
    assert.equal(IID, inv.id)
    assert.is_nil(inv.status)
    assert.equal(200, res.status)
    assert.equal(200, res.envelope_status)
    assert.matches('"content"', res.body, 1, true)
  end)

  it("returns an enveloped error as an api error with the real status", function()
    local inv, err = client:update_invitation_by_id(GID, "aaaaaaaaaaaaaaaaaaaaaaaa", { roles = { "GROUP_OWNER" } },
      { envelope = true })
    assert.is_nil(inv)
    assert.equal("api", err.kind)
    assert.equal(404, err.status)
  end)

  it("answers with Atlas's JSON text, one request, when asked for decode = false", function()
    assert(client:get_invitation(GID, IID)) -- the digest handshake
    local n, text, res = srv:count(function()
      return client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, { decode = false })
    end)
    assert.equal(1, n)
    assert.is_string(text, tostring(res))
    assert.equal(res.body, text)
    local inv = require("cjson").decode(text)
    assert.equal(IID, inv.id)
    assert.same({ "GROUP_OWNER" }, inv.roles)
    assert.equal(200, res.status)
    -- an error is decoded all the same: its fields make the error object
    local none, err = client:update_invitation_by_id(GID, "aaaaaaaaaaaaaaaaaaaaaaaa", { roles = { "GROUP_OWNER" } },
      { decode = false })
    assert.is_nil(none)
    assert.equal(404, err.status)
    assert.is_string(err.errorCode)
    -- a call without a result still answers true; a list comes as its text
    local list = assert(client:list_invitations(GID, nil, { decode = false }))
    assert.equal("[", list:sub(1, 1))
    local results = assert(client:batch({ { "get_invitation", GID, IID, { decode = false }, n = 4 } }))
    assert.is_true(results[1].ok)
    assert.equal(IID, require("cjson").decode(results[1].value).id)
  end)

  it("refuses decode = false where the answer has to be decoded, before any request", function()
    local cases = {
      function() return client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } },
        { decode = false, envelope = true }) end,
      function() return client:list_project_users(GID, nil, { decode = false }) end,
      function() return client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, { decode = "no" }) end,
    }
    for i, call in ipairs(cases) do
      local n, value, err = srv:count(call)
      assert.equal(0, n, "case " .. i)
      assert.is_nil(value, "case " .. i)
      assert.equal("validation", err.kind, "case " .. i)
      assert.equal("decode", err.field, "case " .. i)
    end
    local _, err = client:list_project_users(GID, nil, { decode = false })
    assert.matches("follows the pages", err.message, 1, true)
    local c = new_client { envelope = true }
    local none, err2 = c:get_invitation(GID, IID, { decode = false })
    assert.is_nil(none)
    assert.matches("envelope = true", err2.message, 1, true)
    c:close()
  end)

  it("asks for pretty output and still parses it", function()
    local c = new_client { pretty = true }
    local inv, res = c:update_invitation(GID, { username = USER, roles = { "GROUP_OWNER" } })
    assert.is_table(inv, tostring(res))
    assert.matches("\n ", res.body, 1, true)
    c:close()
  end)

  it("sends the version date it is given, and reports a 406 for an unknown one", function()
    local c = new_client { api_version = "2024-11-13" }
    local inv, err = c:update_invitation(GID, { username = USER, roles = { "GROUP_OWNER" } })
    assert.is_nil(inv)
    assert.equal("api", err.kind)
    assert.equal(406, err.status)
    assert.equal("INVALID_VERSION_DATE", err.errorCode)
    assert.matches("^atlas: 406 INVALID_VERSION_DATE: ", tostring(err))
    c:close()
  end)

  describe("API errors", function()
    local cases = {
      { "an unknown username", function() return client:update_invitation(GID, { username = "nobody@example.com", roles = { "GROUP_OWNER" } }) end,
        404, "RESOURCE_NOT_FOUND" },
      { "an unknown invitation id",
        function() return client:update_invitation_by_id(GID, "aaaaaaaaaaaaaaaaaaaaaaaa", { roles = { "GROUP_OWNER" } }) end,
        404, "RESOURCE_NOT_FOUND" },
      { "an expired invitation", function() return client:update_invitation_by_id(GID, C.expired_invitation_id, { roles = { "GROUP_OWNER" } }) end,
        400, "INVALID_INVITATION_ID" },
      { "an unknown project", function() return client:update_invitation(C.unknown_group_id, { username = USER, roles = { "GROUP_OWNER" } }) end,
        404, "GROUP_NOT_FOUND" },
    }
    for _, case in ipairs(cases) do
      it("reports " .. case[1], function()
        local inv, err = case[2]()
        assert.is_nil(inv)
        assert.equal("api", err.kind)
        assert.equal(case[3], err.status)
        assert.equal(case[3], err.error)
        assert.equal(case[4], err.errorCode)
        assert.is_string(err.detail)
        assert.equal("PATCH", err.method)
        local line = tostring(err)
        assert.matches("^atlas: " .. case[3] .. " " .. case[4] .. ": ", line)
        assert.matches("(PATCH /api/atlas/v2/groups/", line, 1, true)
        assert.not_matches("\n", line)
      end)
    end

    -- These check what an error looks like: retries are off for them (the
    -- retry policy has its own specs in spec/reliability).
    it("passes through a 500, a 403 and a 429 with Retry-After", function()
      srv:fault { status = 500, content_type = "application/json",
        body = '{"error":500,"errorCode":"UNEXPECTED_ERROR","reason":"Internal Server Error","detail":"boom","parameters":[]}' }
      local _, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, NO_RETRY)
      assert.equal(500, err.status)
      assert.equal("UNEXPECTED_ERROR", err.errorCode)
      srv:fault { status = 403, content_type = "application/json",
        body = '{"error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","reason":"Forbidden","detail":"IP not on the access list."}' }
      _, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, NO_RETRY)
      assert.equal("api", err.kind)
      assert.equal(403, err.status)
      srv:fault { status = 429, content_type = "application/json", headers = { ["Retry-After"] = "55" },
        body = '{"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","reason":"Too Many Requests","detail":"retry after 55 seconds"}' }
      _, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, NO_RETRY)
      assert.equal(429, err.status)
      assert.equal(55, err.retry_after)
    end)

    it("explains a non-JSON or truncated error body", function()
      srv:fault { status = 502, content_type = "text/html", body = "<html><h1>502 Bad Gateway</h1>\n</html>" }
      local _, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, NO_RETRY)
      assert.equal("api", err.kind)
      assert.equal(502, err.status)
      assert.matches("non-JSON body (text/html)", tostring(err), 1, true)
      srv:fault { status = 500, content_type = "application/json", body = '{"error":500,"errorCode":"UNEXP' }
      _, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, NO_RETRY)
      assert.equal(500, err.status)
      assert.matches("non-JSON body", err.message, 1, true)
    end)
  end)

  describe("authentication", function()
    it("reports a wrong private key as an auth error with a hint", function()
      local c = new_client { auth = assert(atlas.digest(C.public_key, "11111111-2222-4333-8444-555555555555")) }
      local inv, err = c:update_invitation(GID, { username = USER, roles = { "GROUP_OWNER" } })
      assert.is_nil(inv)
      assert.equal("auth", err.kind)
      assert.equal(401, err.status)
      assert.matches("API access list", tostring(err), 1, true)
      assert.not_matches("11111111-2222", tostring(err), 1, true)
      c:close()
    end)

    it("reports a key without the Project Owner role", function()
      local c = new_client { auth = assert(atlas.digest(C.viewonly_public_key, C.viewonly_private_key)) }
      local _, err = c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } })
      assert.equal("auth", err.kind)
      assert.equal(401, err.status)
      assert.equal("USER_UNAUTHORIZED", err.errorCode)
      assert.matches("Project Owner", err.hint, 1, true)
      c:close()
    end)

    it("reuses the digest nonce: after the first call, 10 calls cost 10 requests", function()
      assert(client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
      local before = srv:stats()
      for i = 1, 10 do
        local roles = i % 2 == 0 and { "GROUP_OWNER" } or { "GROUP_READ_ONLY" }
        if i % 3 == 0 then
          assert(client:update_invitation(GID, { username = USER, roles = roles }))
        else
          assert(client:update_invitation_by_id(GID, IID, { roles = roles }))
        end
      end
      local after = srv:stats()
      assert.equal(10, after.requests - before.requests)
      assert.equal(0, after.challenges - before.challenges)
    end)

    it("recovers from an expired nonce with one extra round trip", function()
      assert(client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
      srv:expire_nonces()
      local before = srv:stats()
      local inv, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_READ_ONLY" } })
      assert.is_table(inv, tostring(err))
      local after = srv:stats()
      assert.equal(2, after.requests - before.requests)
      assert.equal(1, after.stale_challenges - before.stale_challenges)
    end)
  end)

  describe("validation", function()
    it("sends nothing when an argument is wrong", function()
      local calls = {
        function() return client:update_invitation("32B6E34B3D91647ABB20E7B8", { username = USER, roles = { "GROUP_OWNER" } }) end,
        function() return client:update_invitation(GID, { username = USER, roles = { "GROUP_READONLY" } }) end,
        function() return client:update_invitation(GID, { username = "not-an-email", roles = { "GROUP_OWNER" } }) end,
        function() return client:update_invitation(GID, { roles = { "GROUP_OWNER" } }) end,
        function() return client:update_invitation(GID, nil) end,
        function() return client:update_invitation_by_id(GID, IID, { roles = {} }) end,
        function() return client:update_invitation_by_id(GID, IID, { roles = { "ORG_OWNER" } }) end,
        function() return client:update_invitation_by_id(GID, nil, { roles = { "GROUP_OWNER" } }) end,
        function() return client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" }, username = USER }) end,
        function() return client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, { envelop = true }) end,
      }
      for i, call in ipairs(calls) do
        local inv, err = call()
        assert.is_nil(inv, "call " .. i)
        assert.equal("validation", err.kind, "call " .. i)
        assert.is_string(err.field)
        assert.is_string(err.message)
      end
      assert.equal(0, srv:stats().requests)
    end)

    it("accepts a role Atlas knows when the client lists it in extra_roles", function()
      local _, err = client:update_invitation_by_id(GID, IID, { roles = { "GROUP_REPLICA_SET_MANAGER" } })
      assert.equal("validation", err.kind)
      local c = new_client { extra_roles = { "GROUP_REPLICA_SET_MANAGER" } }
      local inv, err2 = c:update_invitation_by_id(GID, IID, { roles = { "GROUP_REPLICA_SET_MANAGER" } })
      assert.is_table(inv, tostring(err2))
      assert.same({ "GROUP_REPLICA_SET_MANAGER" }, inv.roles)
      c:close()
    end)
  end)

  describe("deprecation notices", function()
    it("warn once per operation, through on_warning", function()
      local seen = {}
      local c = new_client { on_warning = function(message, info) seen[#seen + 1] = { message, info } end }
      for _ = 1, 3 do
        assert(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
        assert(c:update_invitation(GID, { username = USER, roles = { "GROUP_OWNER" } }))
      end
      assert.equal(2, #seen)
      assert.matches("update_invitation_by_id (PATCH /api/atlas/v2/groups/{id}/invites/{id}) is deprecated", seen[1][1], 1, true)
      assert.matches("Thu, 1 Jul 2027", seen[1][1], 1, true)
      assert.equal("Wed, 4 Oct 2023 00:00:00 GMT", seen[1][2].deprecation)
      assert.equal("update_invitation", seen[2][2].operation)
      c:close()
    end)
  end)

  describe("v1.0", function()
    it("updates by username and by id with application/json", function()
      local c = new_client { api_version = "v1.0" }
      local inv, res = c:update_invitation(GID, { username = USER, roles = { "GROUP_READ_ONLY" } })
      assert.is_table(inv, tostring(res))
      assert.same({ "GROUP_READ_ONLY" }, inv.roles)
      assert.matches("^application/json", res.headers["content-type"])
      inv, res = c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, { pretty = true })
      assert.is_table(inv, tostring(res))
      assert.same({ "GROUP_OWNER" }, inv.roles)
      local routes = srv:stats().routes
      assert.is_number(routes["PATCH /api/atlas/v1.0/groups/" .. GID .. "/invites"])
      assert.is_number(routes["PATCH /api/atlas/v1.0/groups/" .. GID .. "/invites/" .. IID])
      c:close()
    end)
  end)
end)
