-- What the libcurl transport puts on the wire and takes off it, read at
-- the local Atlas server: the User-Agent line (built once per transport),
-- Accept-Encoding on reads, a gzip answer decoded, and the per-operation
-- header lines a transport reuses while they stay the same.
local atlas = require "atlas_admin"
local cjson = require "cjson"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id

-- An invitation as JSON, gzip-compressed (python3: gzip.compress(..., mtime=0)),
-- padded with a 600-byte note so the compressed form is much the smaller.
local GZIP_INVITATION_B64 = "H4sIAAAAAAACA+2MwQqCQBQA/+WdJdbn7up66iLRJUOIDhHhy4cI6i5rghT9e+tHdHOuM8wHugZy0AKZUon"
  .. "GKIWx1DprFAlUEME8sR/rgUPVvju356UeXM+7px2Cbb2d3XFdJEiaE0lJY2It05oIBaeUhcjbnifIb3Coysv5UV5PRQX3CEb7W"
  .. "rfLxsYfgO8PS9BEW94CAAA="

describe("the libcurl transport on the wire", function()
  local srv, client

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, user_agent = "transport-spec/1" })
  end)
  after_each(function() client:close() end)

  it("names itself on every request and asks for gzip on reads", function()
    assert(client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
    assert(client:get_invitation(GID, IID))
    assert(client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
    local log = srv:log()
    assert.equal(4, #log) -- the challenge, the update, the read, the update
    for i, entry in ipairs(log) do
      assert.equal("atlas-admin-lua/" .. atlas.VERSION .. " transport-spec/1", entry.user_agent)
      -- a write answers one small object: no compression asked for
      local asked = entry.accept_encoding ~= cjson.null and entry.accept_encoding or nil
      assert.equal(entry.method == "GET" and "gzip" or nil, asked, "request " .. i)
    end
  end)

  it("never waits for a 100 Continue, whatever the body's size", function()
    -- libcurl asks for one on a body past 1 MiB (1 KiB before 7.x releases
    -- of recent years); both kinds of request must go without
    local names, pad = {}, string.rep("x", 200)
    for i = 1, 5000 do names[i] = string.format("m%05d.%s@example.com", i, pad) end
    assert.is_table((client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }, { retries = 0 })))
    client:create_team(C.org_id, { name = "big", usernames = names }, { retries = 0 }) -- a 1.1 MiB body
    local log = srv:log()
    assert.equal("POST", log[#log].method)
    for _, entry in ipairs(log) do assert.equal(cjson.null, entry.expect) end
  end)

  it("decodes a gzip answer, to a read and to a write alike", function()
    for _, call in ipairs {
      function() return client:get_invitation(GID, IID) end,
      function() return client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }) end,
    } do
      srv:fault { status = 200, content_type = "application/vnd.atlas.2023-01-01+json",
        headers = { ["Content-Encoding"] = "gzip" }, body_base64 = GZIP_INVITATION_B64 }
      local inv, res = call()
      assert.is_table(inv, tostring(res))
      assert.equal("gzip@example.com", inv.username)
      assert.equal(string.rep("x", 600), inv.note)
    end
  end)

  it("sends each operation's own headers when calls of different operations alternate", function()
    -- invitations at 2023-01-01, project users at their own version: the
    -- server refuses a wrong Accept (406) and a wrong Content-Type (415)
    for _ = 1, 5 do
      assert(client:get_invitation(GID, IID))
      assert(client:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
      assert(client:list_project_users(GID))
      assert(client:get_invitation(GID, IID, { envelope = true }))
    end
  end)
end)
