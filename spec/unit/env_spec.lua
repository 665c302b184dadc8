-- client_from_env: which credentials win, and a clear error without any.
local atlas = require "atlas_admin"

local ALL = {
  MONGODB_ATLAS_CLIENT_ID = "mdb_sa_id_1", MONGODB_ATLAS_CLIENT_SECRET = "mdb_sa_sk_1",
  MONGODB_ATLAS_ACCESS_TOKEN = "token-1",
  MONGODB_ATLAS_PUBLIC_API_KEY = "abcdefgh", MONGODB_ATLAS_PRIVATE_API_KEY = "priv-1",
  MONGODB_ATLAS_BASE_URL = "http://127.0.0.1:9",
}

local function env(without)
  local e = {}
  for k, v in pairs(ALL) do e[k] = v end
  for _, k in ipairs(without or {}) do e[k] = nil end
  return e
end

local function kind(c) return c._settings.auth_kind end

describe("atlas.client_from_env", function()
  it("prefers a service account, then an access token, then API keys", function()
    local c = assert(atlas.client_from_env { env = env() })
    assert.equal("service_account", kind(c))
    assert.equal("http://127.0.0.1:9", c._settings.base_url)
    c:close()
    c = assert(atlas.client_from_env { env = env { "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET" } })
    assert.equal("bearer", kind(c))
    c:close()
    c = assert(atlas.client_from_env { env = env { "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET",
      "MONGODB_ATLAS_ACCESS_TOKEN" } })
    assert.equal("digest", kind(c))
    c:close()
  end)

  it("lets explicit options win over the environment", function()
    local c = assert(atlas.client_from_env { env = env(), base_url = "https://example.com",
      auth = assert(atlas.digest("x", "y")) })
    assert.equal("digest", kind(c))
    assert.equal("https://example.com", c._settings.base_url)
    c:close()
  end)

  it("uses the default base URL when none is set, and treats empty as unset", function()
    local e = env { "MONGODB_ATLAS_BASE_URL" }
    e.MONGODB_ATLAS_CLIENT_ID = ""
    e.MONGODB_ATLAS_CLIENT_SECRET = ""
    local c = assert(atlas.client_from_env { env = e })
    assert.equal("https://cloud.mongodb.com", c._settings.base_url)
    assert.equal("bearer", kind(c))
    c:close()
  end)

  it("names the variables when there are no credentials", function()
    local c, err = atlas.client_from_env { env = {} }
    assert.is_nil(c)
    assert.equal("validation", err.kind)
    for _, v in ipairs { "MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_ACCESS_TOKEN", "MONGODB_ATLAS_PUBLIC_API_KEY" } do
      assert.matches(v, err.message, 1, true)
    end
  end)

  it("names the missing half of a pair", function()
    local _, err = atlas.client_from_env { env = { MONGODB_ATLAS_CLIENT_ID = "mdb_sa_id_1" } }
    assert.matches("MONGODB_ATLAS_CLIENT_SECRET", err.message, 1, true)
    _, err = atlas.client_from_env { env = { MONGODB_ATLAS_PUBLIC_API_KEY = "abcdefgh" } }
    assert.matches("MONGODB_ATLAS_PRIVATE_API_KEY", err.message, 1, true)
  end)

  it("reads the process environment by default", function()
    -- busted runs without Atlas variables in CI; either way the call must
    -- return a client or a validation error, never raise.
    local c, err = atlas.client_from_env()
    if c then c:close() else assert.equal("validation", err.kind) end
  end)
end)
