-- Client lifecycle: close is idempotent, misuse raises, a dropped client
-- is collected and its libcurl handle freed, transport failures are data.
local atlas = require "atlas_admin"
local core = require "atlas_admin.core"
local local_server = require "local_server"

local C = local_server.credentials

local function new_client(base_url)
  return assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = base_url,
    on_warning = false, connect_timeout = 2, timeout = 5 })
end

describe("client lifecycle", function()
  it("closes once, and raises when used after close", function()
    local c = new_client("http://127.0.0.1:9")
    assert.is_false(c:is_closed())
    assert.is_true(c:close())
    assert.is_true(c:close())
    assert.is_true(c:is_closed())
    assert.has_error(function() c:update_invitation(C.group_id, { username = C.username, roles = { "GROUP_OWNER" } }) end,
      "atlas-admin: client:update_invitation() called on a closed client")
    assert.matches("closed", tostring(c))
  end)

  it("raises on a call without a colon", function()
    local c = new_client("http://127.0.0.1:9")
    assert.has_error(function() c.update_invitation(C.group_id, {}) end)
    assert.has_error(function() c.update_invitation_by_id(nil) end)
    c:close()
  end)

  it("collects a dropped client and frees its handle", function()
    collectgarbage()
    collectgarbage()
    local open_before = core.open_transports()
    local weak = setmetatable({}, { __mode = "v" })
    do
      local c = new_client("http://127.0.0.1:9")
      weak.client, weak.transport = c, c._transport
      assert.equal(open_before + 1, core.open_transports())
    end
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak.client)
    assert.is_nil(weak.transport)
    assert.equal(open_before, core.open_transports())
  end)

  it("reports a refused connection as a transport error", function()
    local c = new_client("http://127.0.0.1:9")
    local inv, err = c:update_invitation_by_id(C.group_id, C.invitation_id, { roles = { "GROUP_OWNER" } })
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.equal(7, err.code) -- CURLE_COULDNT_CONNECT
    assert.matches("^atlas: transport error 7: ", tostring(err))
    assert.matches("(PATCH /api/atlas/v2/groups/", tostring(err), 1, true)
    c:close()
  end)

  it("reports a response over max_response_bytes as a transport error", function()
    local srv = local_server.start()
    local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, max_response_bytes = 2048 })
    srv:fault { status = 200, content_type = "application/json", body = '{"x":"' .. string.rep("a", 4096) .. '"}' }
    local inv, err = c:update_invitation_by_id(C.group_id, C.invitation_id, { roles = { "GROUP_OWNER" } })
    assert.is_nil(inv)
    assert.equal("transport", err.kind)
    assert.matches("max_response_bytes", err.message, 1, true)
    -- the handle is still usable afterwards
    local inv2, err2 = c:update_invitation_by_id(C.group_id, C.invitation_id, { roles = { "GROUP_OWNER" } })
    assert.is_table(inv2, tostring(err2))
    c:close()
    srv:stop()
  end)
end)
