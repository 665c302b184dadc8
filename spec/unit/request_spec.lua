-- Request building: the exact method, path, query, headers and body, with
-- no I/O (the client points at a port nothing listens on).
local atlas = require "atlas_admin"

local GID, IID = "32b6e34b3d91647abb20e7b8", "602eb7429955214668d5b025"

local function client(opts)
  opts = opts or {}
  opts.auth = opts.auth or assert(atlas.digest("abcdefgh", "0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b"))
  opts.base_url = opts.base_url or "http://127.0.0.1:9"
  return assert(atlas.client(opts))
end

describe("request building", function()
  local c
  before_each(function() c = client() end)
  after_each(function() c:close() end)

  it("builds the v2 update by username", function()
    local req = assert(c:_prepare("update_invitation", { GID },
      { username = "hello@example.com", roles = { "GROUP_READ_ONLY", "GROUP_OWNER" } }))
    assert.same({
      url = "http://127.0.0.1:9/api/atlas/v2/groups/" .. GID .. "/invites",
      headers = {
        Accept = "application/vnd.atlas.2023-01-01+json",
        ["Content-Type"] = "application/vnd.atlas.2023-01-01+json",
      },
      header_lines = "Accept: application/vnd.atlas.2023-01-01+json\r\n"
        .. "Content-Type: application/vnd.atlas.2023-01-01+json",
      body = '{"roles":["GROUP_READ_ONLY","GROUP_OWNER"],"username":"hello@example.com"}',
    }, req)
    assert.equal("/api/atlas/v2/groups/" .. GID .. "/invites", require("atlas_admin.errors").request_path(req))
    assert.same({ "", false, false }, { req.query, req.envelope, req.dry_run })
    -- the operation's own fields, shared by its calls through the metatable
    assert.same({ "update_invitation", "PATCH", "invitations", "object", "invitation", true },
      { req.operation, req.method, req.resource, req.result, req.presents, req.idempotent })
  end)

  it("builds the v2 update by id with envelope and pretty", function()
    local req = assert(c:_prepare("update_invitation_by_id", { GID, IID }, { roles = { "GROUP_OWNER" } },
      { envelope = true, pretty = true }))
    assert.equal("PATCH", req.method)
    local path = require("atlas_admin.errors").request_path(req)
    assert.equal("/api/atlas/v2/groups/" .. GID .. "/invites/" .. IID, path)
    assert.equal("envelope=true&pretty=true", req.query)
    assert.equal("http://127.0.0.1:9" .. path .. "?envelope=true&pretty=true", req.url)
    assert.equal('{"roles":["GROUP_OWNER"]}', req.body)
    assert.is_true(req.envelope)
  end)

  it("takes client-wide flags and lets a call turn them off", function()
    local c2 = client { envelope = true, pretty = true, api_version = "2024-11-13" }
    local req = assert(c2:_prepare("update_invitation_by_id", { GID, IID }, { roles = { "GROUP_OWNER" } }))
    assert.equal("envelope=true&pretty=true", req.query)
    assert.equal("application/vnd.atlas.2024-11-13+json", req.headers.Accept)
    req = assert(c2:_prepare("update_invitation_by_id", { GID, IID }, { roles = { "GROUP_OWNER" } }, { envelope = false }))
    assert.equal("pretty=true", req.query)
    assert.is_false(req.envelope)
    c2:close()
  end)

  it("switches to v1.0 paths and application/json", function()
    local c1 = client { api_version = "v1.0", base_url = "https://cloud.mongodb.com/" }
    local req = assert(c1:_prepare("update_invitation_by_id", { GID, IID }, { roles = { "GROUP_OWNER" } }, { pretty = true }))
    assert.equal("https://cloud.mongodb.com/api/atlas/v1.0/groups/" .. GID .. "/invites/" .. IID .. "?pretty=true", req.url)
    assert.same({ Accept = "application/json", ["Content-Type"] = "application/json" }, req.headers)
    c1:close()
  end)

  it("never puts a secret in a prepared request", function()
    local req = assert(c:_prepare("update_invitation", { GID }, { username = "a@b.co", roles = { "GROUP_OWNER" } }))
    local function walk(t)
      for k, v in pairs(t) do
        assert.not_matches("0f4e1b2c", tostring(k), 1, true)
        if type(v) == "table" then walk(v) else assert.not_matches("0f4e1b2c", tostring(v), 1, true) end
      end
    end
    walk(req)
  end)

  it("rejects bad call options", function()
    local _, err = c:_prepare("update_invitation", { GID }, { username = "a@b.co", roles = { "GROUP_OWNER" } }, { envelop = true })
    assert.equal("validation", err.kind)
    assert.equal("envelop", err.field)
    _, err = c:_prepare("update_invitation", { GID }, { username = "a@b.co", roles = { "GROUP_OWNER" } }, { pretty = "yes" })
    assert.equal("pretty", err.field)
    _, err = c:_prepare("update_invitation", { GID }, { username = "a@b.co", roles = { "GROUP_OWNER" } }, "pretty")
    assert.equal("options", err.field)
  end)
end)

describe("core.id_path", function()
  local core = require "atlas_admin.core"

  it("checks every id and joins the path, short or long", function()
    assert.equal("/g/" .. GID .. "/i/" .. IID .. "/t", core.id_path("/g/", GID, "groupId", "/i/", IID, "invitationId", "/t"))
    local head = "https://" .. string.rep("h", 600) .. "/g/" -- past the stack buffer
    assert.equal(head .. GID, core.id_path(head, GID, "groupId", ""))
    local path, field, message = core.id_path("/g/", GID, "groupId", "/i/", IID:upper(), "invitationId", "")
    assert.is_nil(path)
    assert.equal("invitationId", field)
    assert.matches("lowercase", message)
    assert.has_error(function() core.id_path("/g/", GID) end)
  end)
end)
