-- Response parsing on recorded answers (ATLAS.md): success, envelope,
-- ApiError bodies, 401 hints, non-JSON and truncated bodies.
local cjson = require "cjson.safe"
local response = require "atlas_admin.http.response"

local json = cjson.new()
local PREPARED = {
  operation = "update_invitation_by_id", method = "PATCH",
  path = "/api/atlas/v2/groups/6a793fd0c0eb9e7a177181d4/invites/6a793fd52c88faeba59bd5d0", envelope = false,
}
local RECORDED = '{"createdAt":"2026-08-10T03:04:53Z","expiresAt":"2026-09-09T03:04:53Z","groupId":"6a793fd0c0eb9e7a177181d4",'
  .. '"groupName":"invitations-e2e-233","id":"6a793fd52c88faeba59bd5d0","inviterUsername":"nmtxqlkl",'
  .. '"roles":["GROUP_READ_ONLY","GROUP_DATA_ACCESS_READ_ONLY"],"username":"test-738@mongodb.com"}'
local V2 = { ["content-type"] = "application/vnd.atlas.2023-01-01+json;charset=utf-8" }
local JSON = { ["content-type"] = "application/json" }

local function with(t, extra)
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

describe("response.parse", function()
  it("returns the invitation and the response on 200", function()
    local inv, res = response.parse(PREPARED, 200, V2, RECORDED, json, "digest")
    assert.equal("6a793fd52c88faeba59bd5d0", inv.id)
    assert.same({ "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" }, inv.roles)
    assert.equal("nmtxqlkl", inv.inviterUsername) -- not an email: tolerated
    assert.is_nil(inv.links)
    assert.equal(200, res.status)
    assert.equal(V2, res.headers)
    assert.equal(RECORDED, res.body)
  end)

  it("unwraps an envelope and reports its status", function()
    local prepared = with(PREPARED, { envelope = true })
    local inv, res = response.parse(prepared, 200, V2, '{"status":200,"content":' .. RECORDED .. '}', json, "digest")
    assert.equal("6a793fd52c88faeba59bd5d0", inv.id)
    assert.equal(200, res.status)
    assert.equal(200, res.envelope_status)
  end)

  it("turns an enveloped error into an api error with the envelope's status", function()
    local prepared = with(PREPARED, { envelope = true })
    local body = '{"status":404,"content":{"error":404,"errorCode":"RESOURCE_NOT_FOUND",'
      .. '"detail":"Cannot find resource x.","reason":"Not Found","parameters":[]}}'
    local inv, err, res = response.parse(prepared, 200, JSON, body, json, "digest")
    assert.is_nil(inv)
    assert.equal("api", err.kind)
    assert.equal(404, err.status)
    assert.equal("RESOURCE_NOT_FOUND", err.errorCode)
    assert.equal(404, res.envelope_status)
  end)

  it("keeps the ApiError fields verbatim", function()
    local body = '{"error":400,"errorCode":"INVALID_ENUM_VALUE","reason":"Bad Request","detail":"An invalid enumeration value X was specified.",'
      .. '"parameters":["X","roles"],"badRequestDetail":{"fields":[{"field":"roles","description":"bad"}]}}'
    local _, err = response.parse(PREPARED, 400, JSON, body, json, "digest")
    assert.equal("api", err.kind)
    assert.equal(400, err.status)
    assert.equal(400, err.error)
    assert.equal("Bad Request", err.reason)
    assert.same({ "X", "roles" }, err.parameters)
    assert.same({ fields = { { field = "roles", description = "bad" } } }, err.badRequestDetail)
    assert.equal("atlas: 400 INVALID_ENUM_VALUE: An invalid enumeration value X was specified. (PATCH " .. PREPARED.path .. ")",
      tostring(err))
  end)

  it("makes a 401 an auth error with a hint for the credential kind", function()
    local body = '{"error":401,"errorCode":"UNAUTHORIZED","reason":"Unauthorized","detail":"You are not authorized for this resource."}'
    local _, err = response.parse(PREPARED, 401, JSON, body, json, "digest")
    assert.equal("auth", err.kind)
    assert.matches("API access list", err.hint, 1, true)
    assert.matches("Project Owner", err.hint, 1, true)
    assert.matches("^atlas: 401 UNAUTHORIZED: You are not authorized", tostring(err))
    local _, err2 = response.parse(PREPARED, 401, JSON, body, json, "bearer")
    assert.matches("expired", err2.hint, 1, true)
  end)

  it("explains non-JSON and truncated error bodies", function()
    local _, err = response.parse(PREPARED, 502, { ["content-type"] = "text/html" }, "<html><body>Bad gateway\n</body></html>", json, "digest")
    assert.equal("api", err.kind)
    assert.equal(502, err.status)
    assert.matches("non-JSON body (text/html)", err.message, 1, true)
    assert.not_matches("\n", tostring(err))
    local _, err2 = response.parse(PREPARED, 500, JSON, '{"error":500,"errorCo', json, "digest")
    assert.equal(500, err2.status)
    assert.matches("non-JSON body", err2.message, 1, true)
    local _, err3 = response.parse(PREPARED, 503, {}, "", json, "digest")
    assert.matches("empty body", err3.message, 1, true)
  end)

  it("reads Retry-After", function()
    local _, err = response.parse(PREPARED, 429, with(JSON, { ["retry-after"] = "55" }),
      '{"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","detail":"Please retry after 55 seconds"}', json, "digest")
    assert.equal(55, err.retry_after)
  end)

  it("rejects a 200 that is not an invitation", function()
    local inv, err = response.parse(PREPARED, 200, { ["content-type"] = "text/plain" }, "ok", json, "digest")
    assert.is_nil(inv)
    assert.equal("api", err.kind)
    assert.equal(200, err.status)
  end)
  it("with decode = false, answers a success with its JSON text and still decodes an error", function()
    local TEXT = setmetatable({ text = true }, { __index = PREPARED })
    local text, res = response.parse(TEXT, 200, V2, RECORDED, json, "digest")
    assert.equal(RECORDED, text)
    assert.equal(RECORDED, res.body)
    local none, err = response.parse(TEXT, 200, { ["content-type"] = "text/plain" }, "ok", json, "digest")
    assert.is_nil(none)
    assert.equal("api", err.kind)
    local _, empty = response.parse(TEXT, 200, V2, "", json, "digest")
    assert.equal("api", empty.kind)
    local _, err404 = response.parse(TEXT, 404, JSON,
      '{"error":404,"errorCode":"RESOURCE_NOT_FOUND","reason":"Not Found","detail":"No invitation."}', json, "digest")
    assert.equal("RESOURCE_NOT_FOUND", err404.errorCode)
    local deleted = response.parse(setmetatable({ result = "none" }, { __index = TEXT }), 204, {}, "", json, "digest")
    assert.is_true(deleted)
  end)
end)
