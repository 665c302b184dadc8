-- Secrets never leak: run the suite's error paths with known secrets and
-- search every string they produce (errors, tostring of every object,
-- warnings, misuse errors) for the secrets.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id

describe("secrets", function()
  local srv
  setup(function() srv = local_server.start { token_rate = 1000 } end)
  before_each(function() srv:reset() end)
  teardown(function() srv:stop() end)

  it("appear in no error, tostring, warning or raised message", function()
    local secrets = { C.private_key, C.client_secret, "wrong-private-key-0000", "mdb_sa_sk_wrong_secret_9999",
      "bearer-token-secret-1234" }
    local produced = {}
    local function keep(...)
      for i = 1, select("#", ...) do
        local v = select(i, ...)
        if v ~= nil then produced[#produced + 1] = tostring(v) end
        if type(v) == "table" then
          for k, x in pairs(v) do produced[#produced + 1] = tostring(k) .. "=" .. tostring(x) end
        end
      end
    end
    local function on_warning(message, info) keep(message, info) end

    -- credentials and clients of every kind, good and bad
    local creds = {
      atlas.digest(C.public_key, C.private_key), atlas.digest(C.public_key, "wrong-private-key-0000"),
      atlas.service_account(C.client_id, C.client_secret), atlas.service_account(C.client_id, "mdb_sa_sk_wrong_secret_9999"),
      atlas.bearer("bearer-token-secret-1234"),
    }
    keep(atlas.digest(nil, C.private_key), atlas.digest(C.public_key, C.private_key .. " "),
      atlas.bearer("bearer-token-secret-1234\n"), atlas.service_account(nil, C.client_secret))
    for _, cred in ipairs(creds) do
      keep(cred)
      local c = assert(atlas.client { auth = cred, base_url = srv.url, on_warning = on_warning })
      keep(c)
      keep(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
      keep(c:update_invitation(GID, { username = C.username, roles = { "GROUP_READONLY" } }))
      keep(c:update_invitation(GID, { username = "nobody@example.com", roles = { "GROUP_OWNER" } }))
      srv:fault { status = 500, content_type = "text/plain", body = "boom" }
      keep(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
      keep(c:revoke_token())
      keep(c:close { revoke = true })
      keep(c)
      keep(pcall(c.update_invitation, c, GID, {}))
      keep(pcall(c.update_invitation, nil, GID, {}))
      local down = assert(atlas.client { auth = cred, base_url = "http://127.0.0.1:9", on_warning = on_warning })
      keep(down:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
      down:close()
    end
    keep(atlas.client { auth = creds[1], timout = 1 })
    keep(atlas.client_from_env { env = { MONGODB_ATLAS_CLIENT_ID = C.client_id, MONGODB_ATLAS_CLIENT_SECRET = C.client_secret,
      MONGODB_ATLAS_BASE_URL = "not a url" } })

    assert.is_true(#produced > 60)
    for _, s in ipairs(produced) do
      for _, secret in ipairs(secrets) do
        assert.is_nil(s:find(secret, 1, true), "secret found in: " .. s)
      end
    end
  end)

  it("are not reachable by walking a client's tables", function()
    local c = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
      base_url = srv.url, on_warning = false })
    assert(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
    local seen = {}
    local function walk(v)
      if type(v) == "string" then
        assert.is_nil(v:find(C.client_secret, 1, true))
        assert.is_nil(v:find("^%x+$") and #v == 64 and v or nil) -- no access token (64 hex) as a plain string
      elseif type(v) == "table" and not seen[v] then
        seen[v] = true
        for k, x in pairs(v) do walk(k); walk(x) end
        local mt = getmetatable(v)
        if type(mt) == "table" then walk(mt) end
      end
    end
    walk(c)
    c:close()
  end)
end)
