-- The local Atlas server checked on its own, with the curl CLI and
-- hand-made Digest headers (so its digest code is tested independently of
-- libcurl's and of our client).
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local V2 = "application/vnd.atlas.2023-01-01+json"
local REALM = "MMS Public API"

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function md5(s)
  local p = assert(io.popen("printf %s " .. q(s) .. " | md5sum"))
  local out = p:read("*a")
  p:close()
  return out:match("^(%x+)")
end

-- Runs curl; returns status, headers (lower-case names), decoded-or-raw body.
local function curl(args)
  local p = assert(io.popen("env -u LD_PRELOAD curl -s -S -i --max-time 5 " .. args))
  local out = p:read("*a")
  p:close()
  local head, body = out:match("^(.-)\r\n\r\n(.*)$")
  -- --digest shows the 401 and then the real answer: keep the last one.
  while body:match("^HTTP/") do head, body = body:match("^(.-)\r\n\r\n(.*)$") end
  local status = tonumber(head:match("^HTTP/[%d.]+ (%d+)"))
  local headers = {}
  for name, value in head:gmatch("\n([^:\r\n]+):%s*([^\r\n]*)") do headers[name:lower()] = value end
  return status, headers, cjson.decode(body) or body
end

local function digest_args(user, password)
  return "--digest -u " .. q(user .. ":" .. password) .. " "
end

local function header_for(method, uri, nonce, nc, password)
  local ha1 = md5(C.public_key .. ":" .. REALM .. ":" .. (password or C.private_key))
  local ha2 = md5(method .. ":" .. uri)
  local cnonce = "0a4f113b"
  local response = md5(table.concat({ ha1, nonce, nc, cnonce, "auth", ha2 }, ":"))
  return string.format('Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=%s, '
    .. 'cnonce="%s", response="%s", algorithm=MD5', C.public_key, REALM, nonce, uri, nc, cnonce, response)
end

describe("local Atlas server", function()
  local srv
  local function url(path) return q(srv.url .. path) end
  local INV = "/api/atlas/v2/groups/" .. GID .. "/invites"

  local function challenge()
    local status, headers = curl("-H " .. q("Accept: " .. V2) .. " " .. url(INV))
    assert.equal(401, status)
    return headers["www-authenticate"]:match('nonce="(%x+)"'), headers["www-authenticate"]
  end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  it("challenges like Atlas", function()
    local nonce, header = challenge()
    assert.is_string(nonce)
    assert.equal('Digest realm="MMS Public API", domain="", nonce="' .. nonce .. '", algorithm=MD5, qop="auth", stale=false',
      header)
    assert.is_nil(header:find("opaque", 1, true))
  end)

  it("answers the challenge before reading a body", function()
    local status, _, body = curl("-X PATCH -H 'Content-Type: application/json' -H " .. q("Accept: " .. V2)
      .. " --data 'not json' " .. url(INV))
    assert.equal(401, status)
    assert.equal("UNAUTHORIZED", body.errorCode)
  end)

  it("updates with curl --digest and the change is visible", function()
    local status, headers, body
    status, headers, body = curl(digest_args(C.public_key, C.private_key) .. "-X PATCH -H " .. q("Accept: " .. V2)
      .. " -H " .. q("Content-Type: " .. V2) .. " --data " .. q('{"roles":["GROUP_OWNER"],"username":"' .. C.username .. '"}')
      .. " " .. url(INV))
    assert.equal(200, status)
    assert.same({ "GROUP_OWNER" }, body.roles)
    assert.equal("Wed, 4 Oct 2023 00:00:00 GMT", headers["deprecation"])
    assert.equal("Thu, 1 Jul 2027 00:00:00 GMT", headers["sunset"])
    assert.equal("1200", headers["ratelimit-limit"])
    assert.matches("^application/vnd%.atlas%.2023%-01%-01%+json", headers["content-type"])
    status, headers, body = curl(digest_args(C.public_key, C.private_key) .. "-H " .. q("Accept: " .. V2) .. " "
      .. url(INV .. "/" .. IID))
    assert.equal(200, status)
    assert.same({ "GROUP_OWNER" }, body.roles)
    assert.equal("1200", headers["ratelimit-limit"])
    local stats = srv:stats()
    assert.equal(4, stats.requests) -- the CLI takes the 401 on every URL
    assert.equal(2, stats.challenges)
  end)

  it("rejects a wrong private key", function()
    local status = curl(digest_args(C.public_key, "nope") .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV))
    assert.equal(401, status)
  end)

  it("accepts one nonce across URIs with increasing nc, and refuses a replay", function()
    local nonce = challenge()
    local other = INV .. "/" .. IID .. "?pretty=true"
    local status = curl("-H " .. q(header_for("GET", INV, nonce, "00000001")) .. " -H " .. q("Accept: " .. V2) .. " " .. url(INV))
    assert.equal(200, status)
    status = curl("-H " .. q(header_for("GET", other, nonce, "00000002")) .. " -H " .. q("Accept: " .. V2) .. " " .. url(other))
    assert.equal(200, status)
    local headers
    status, headers = curl("-H " .. q(header_for("GET", INV, nonce, "00000002")) .. " -H " .. q("Accept: " .. V2) .. " " .. url(INV))
    assert.equal(401, status)
    assert.matches("stale=false", headers["www-authenticate"], 1, true)
  end)

  it("refuses a uri that is not the request's, and a bad response", function()
    local nonce = challenge()
    local status = curl("-H " .. q(header_for("GET", INV .. "/" .. IID, nonce, "00000001")) .. " -H " .. q("Accept: " .. V2)
      .. " " .. url(INV))
    assert.equal(401, status)
    status = curl("-H " .. q(header_for("GET", INV, nonce, "00000002", "wrong")) .. " -H " .. q("Accept: " .. V2) .. " " .. url(INV))
    assert.equal(401, status)
  end)

  it("marks an expired nonce stale", function()
    local nonce = challenge()
    srv:expire_nonces()
    local status, headers = curl("-H " .. q(header_for("GET", INV, nonce, "00000001")) .. " -H " .. q("Accept: " .. V2) .. " "
      .. url(INV))
    assert.equal(401, status)
    assert.matches("stale=true", headers["www-authenticate"], 1, true)
    assert.equal(1, srv:stats().stale_challenges)
  end)

  it("counts the connections that carry API requests, each once, and no control request", function()
    local before = srv:stats().connections
    -- curl --digest: the challenge and the answer on one keep-alive connection
    assert.equal(200, (curl(digest_args(C.public_key, C.private_key) .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV))))
    assert.equal(before + 1, srv:stats().connections)
    assert.equal(200, (curl(digest_args(C.public_key, C.private_key) .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV))))
    assert.equal(before + 2, srv:stats().connections)
  end)

  it("adds a random 0..jitter_ms to the latency of each API request until a reset", function()
    srv:latency(0, 300)
    local times = {}
    for i = 1, 5 do
      local p = assert(io.popen("env -u LD_PRELOAD curl -s -o /dev/null -w '%{time_total}' --max-time 5 "
        .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV)))
      times[i] = tonumber(p:read("*a"))
      p:close()
    end
    table.sort(times)
    assert.is_true(times[5] < 0.3 + 0.25, table.concat(times, " "))
    assert.is_true(times[5] - times[1] > 0.02, table.concat(times, " ")) -- not one fixed delay
    srv:reset()
    local p = assert(io.popen("env -u LD_PRELOAD curl -s -o /dev/null -w '%{time_total}' --max-time 5 "
      .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV)))
    local t = tonumber(p:read("*a"))
    p:close()
    assert.is_true(t < 0.1, tostring(t))
  end)

  describe("with valid credentials", function()
    local AUTH = digest_args(C.public_key, C.private_key)
    local function patch(path, body, accept, content_type)
      return curl(AUTH .. "-X PATCH -H " .. q("Accept: " .. (accept or V2)) .. " -H " .. q("Content-Type: " .. (content_type or V2))
        .. " --data " .. q(body) .. " " .. url(path))
    end

    local cases = {
      { "an unknown version", INV, '{"roles":["GROUP_OWNER"],"username":"hello@example.com"}', 406, "INVALID_VERSION_DATE",
        "application/vnd.atlas.2024-11-13+json" },
      { "malformed JSON", INV, '{"roles":', 400, "INVALID_JSON" },
      { "an unknown attribute", INV .. "/" .. IID, '{"roles":["GROUP_OWNER"],"username":"a@b.co"}', 400, "INVALID_JSON_ATTRIBUTE" },
      { "missing roles", INV .. "/" .. IID, '{}', 400, "MISSING_ATTRIBUTE" },
      { "empty roles", INV .. "/" .. IID, '{"roles":[]}', 400, "INVALID_ATTRIBUTE" },
      { "an unknown role", INV .. "/" .. IID, '{"roles":["GROUP_READONLY"]}', 400, "INVALID_ENUM_VALUE" },
      { "an organization role", INV .. "/" .. IID, '{"roles":["ORG_OWNER"]}', 400, "INVALID_ROLE_FOR_GROUP" },
      { "a bad email", INV, '{"roles":["GROUP_OWNER"],"username":"nope"}', 400, "INVALID_EMAIL_ADDRESS" },
      { "an unknown username", INV, '{"roles":["GROUP_OWNER"],"username":"x@example.com"}', 404, "RESOURCE_NOT_FOUND" },
      { "a malformed group id", "/api/atlas/v2/groups/xyz/invites", '{"roles":["GROUP_OWNER"],"username":"hello@example.com"}',
        400, "INVALID_GROUP_ID" },
      { "an unknown group", "/api/atlas/v2/groups/aaaaaaaaaaaaaaaaaaaaaaaa/invites", '{"roles":["GROUP_OWNER"],"username":"a@b.co"}',
        404, "GROUP_NOT_FOUND" },
      { "a malformed invitation id", INV .. "/123", '{"roles":["GROUP_OWNER"]}', 400, "INVALID_INVITATION_ID" },
      { "an expired invitation", INV .. "/" .. C.expired_invitation_id, '{"roles":["GROUP_OWNER"]}', 400, "INVALID_INVITATION_ID" },
      { "a wrong content type", INV .. "/" .. IID, '{"roles":["GROUP_OWNER"]}', 415, "UNSUPPORTED_MEDIA_TYPE", nil, "text/plain" },
    }
    for _, case in ipairs(cases) do
      it("answers " .. case[5] .. " for " .. case[1], function()
        local status, _, body = patch(case[2], case[3], case[6], case[7])
        assert.equal(case[4], status)
        assert.equal(case[4], body.error)
        assert.equal(case[5], body.errorCode)
        assert.is_string(body.detail)
        assert.is_string(body.reason)
      end)
    end

    it("wraps answers with envelope=true and indents with pretty=true", function()
      local status, _, body = patch(INV .. "/aaaaaaaaaaaaaaaaaaaaaaaa?envelope=true", '{"roles":["GROUP_OWNER"]}')
      assert.equal(200, status)
      assert.equal(404, body.status)
      assert.equal("RESOURCE_NOT_FOUND", body.content.errorCode)
      local raw
      status, _, raw = curl(AUTH .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV .. "?pretty=true"))
      assert.equal(200, status)
      assert.is_table(raw)
    end)

    it("serves v1.0 with application/json", function()
      local path = "/api/atlas/v1.0/groups/" .. GID .. "/invites/" .. IID
      local status, headers, body = patch(path, '{"roles":["GROUP_READ_ONLY"]}', "application/json", "application/json")
      assert.equal(200, status)
      assert.matches("^application/json", headers["content-type"])
      assert.same({ "GROUP_READ_ONLY" }, body.roles)
    end)

    it("lists, filters, creates and deletes", function()
      local status, _, list = curl(AUTH .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV .. "?username=hello%40example.com"))
      assert.equal(200, status)
      assert.equal(1, #list)
      status, _, list = curl(AUTH .. "-X POST -H " .. q("Accept: " .. V2) .. " -H " .. q("Content-Type: " .. V2)
        .. " --data '{\"roles\":[\"GROUP_READ_ONLY\"],\"username\":\"new@example.com\"}' " .. url(INV))
      assert.equal(200, status)
      assert.matches("^%x+$", list.id)
      status = curl(AUTH .. "-X DELETE -H " .. q("Accept: " .. V2) .. " " .. url(INV .. "/" .. list.id))
      assert.equal(204, status)
    end)

    it("lets a read-only key read but not write", function()
      local ro = digest_args(C.viewonly_public_key, C.viewonly_private_key)
      local status = curl(ro .. "-H " .. q("Accept: " .. V2) .. " " .. url(INV))
      assert.equal(200, status)
      local _, _, body = curl(ro .. "-X PATCH -H " .. q("Accept: " .. V2) .. " -H " .. q("Content-Type: " .. V2)
        .. " --data '{\"roles\":[\"GROUP_OWNER\"]}' " .. url(INV .. "/" .. IID))
      assert.equal("USER_UNAUTHORIZED", body.errorCode)
    end)
  end)

  describe("OAuth", function()
    local BASIC = "-u " .. q(C.client_id .. ":" .. C.client_secret) .. " "
    it("issues, accepts, revokes and refuses tokens", function()
      local status, _, tok = curl(BASIC .. "--data grant_type=client_credentials " .. url("/api/oauth/token"))
      assert.equal(200, status)
      assert.equal("Bearer", tok.token_type)
      assert.equal(3600, tok.expires_in)
      local bearer = "-H " .. q("Authorization: Bearer " .. tok.access_token) .. " -H " .. q("Accept: " .. V2) .. " "
      assert.equal(200, (curl(bearer .. url(INV))))
      assert.equal(200, (curl(BASIC .. "--data " .. q("token=" .. tok.access_token .. "&token_type_hint=access_token") .. " "
        .. url("/api/oauth/revoke"))))
      assert.equal(401, (curl(bearer .. url(INV))))
      local stats = srv:stats()
      assert.equal(1, stats.token_requests)
      assert.equal(1, stats.revocations)
    end)

    it("refuses bad client credentials and grant types", function()
      local status, _, body = curl("-u " .. q(C.client_id .. ":bad") .. " --data grant_type=client_credentials " .. url("/api/oauth/token"))
      assert.equal(401, status)
      assert.equal("invalid_client", body.error)
      status, _, body = curl(BASIC .. "--data grant_type=password " .. url("/api/oauth/token"))
      assert.equal(400, status)
      assert.equal("unsupported_grant_type", body.error)
    end)

    it("expires tokens on request", function()
      local _, _, tok = curl(BASIC .. "--data grant_type=client_credentials " .. url("/api/oauth/token"))
      srv:expire_tokens()
      assert.equal(401, (curl("-H " .. q("Authorization: Bearer " .. tok.access_token) .. " -H " .. q("Accept: " .. V2) .. " " .. url(INV))))
    end)
  end)
end)
