-- Client construction: options are checked up front and bad ones come
-- back as validation errors naming the option.
local atlas = require "atlas_admin"

local KEY = "0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b"

describe("atlas.client options", function()
  local auth
  before_each(function() auth = assert(atlas.digest("abcdefgh", KEY)) end)

  it("creates a client with defaults", function()
    local c = assert(atlas.client { auth = auth })
    assert.equal("https://cloud.mongodb.com", c._settings.base_url)
    assert.equal("2023-01-01", c._settings.api_version)
    assert.equal(30, c._settings.timeout)
    assert.equal(10, c._settings.connect_timeout)
    c:close()
  end)

  local bad = {
    { "not a table", "options" },
    { {}, "auth" },
    { { auth = "abc:def" }, "auth" },
    { { base_url = "ftp://x" }, "base_url" },
    { { base_url = "https://user:pw@cloud.mongodb.com" }, "base_url" },
    { { base_url = "https://cloud.mongodb.com/?x=1" }, "base_url" },
    { { api_version = "2023-1-1" }, "api_version" },
    { { api_version = "v2" }, "api_version" },
    { { timeout = 0 }, "timeout" },
    { { timeout = -1 }, "timeout" },
    { { connect_timeout = "10" }, "connect_timeout" },
    { { timeout = 0 / 0 }, "timeout" },
    { { envelope = "true" }, "envelope" },
    { { extra_roles = "GROUP_X" }, "extra_roles" },
    { { extra_roles = { "group_x" } }, "extra_roles[1]" },
    { { on_warning = "stderr" }, "on_warning" },
    { { ca_file = "/nonexistent/ca.pem" }, "ca_file" },
    { { max_response_bytes = 10 }, "max_response_bytes" },
    { { timout = 5 }, "timout" },
  }
  for _, case in ipairs(bad) do
    it("rejects " .. case[2], function()
      local opts = case[1]
      if type(opts) == "table" and case[2] ~= "auth" then opts.auth = auth end
      local c, err = atlas.client(opts)
      assert.is_nil(c)
      assert.equal("validation", err.kind)
      assert.equal(case[2], err.field)
      assert.is_string(err.message)
      assert.matches("^atlas: ", tostring(err))
    end)
  end

  it("accepts v1.0, upcoming versions and extra roles", function()
    for _, v in ipairs { "v1.0", "2024-11-13", "2025-03-12.upcoming" } do
      local c = assert(atlas.client { auth = auth, api_version = v })
      c:close()
    end
    local c = assert(atlas.client { auth = auth, extra_roles = { "GROUP_REPLICA_SET_MANAGER" } })
    local req = assert(c:_prepare("update_invitation_by_id", { "32b6e34b3d91647abb20e7b8", "602eb7429955214668d5b025" },
      { roles = { "GROUP_REPLICA_SET_MANAGER" } }))
    assert.equal('{"roles":["GROUP_REPLICA_SET_MANAGER"]}', req.body)
    c:close()
  end)
end)

describe("credentials", function()
  it("validate their parts without echoing secrets", function()
    local cred, err = atlas.digest("abcdefgh", "secret with space")
    assert.is_nil(cred)
    assert.equal("auth.secret", err.field)
    assert.not_matches("secret with space", tostring(err), 1, true)
    cred, err = atlas.digest(nil, KEY)
    assert.is_nil(cred)
    assert.matches("MONGODB_ATLAS_PUBLIC_API_KEY", err.message, 1, true)
    cred, err = atlas.bearer("")
    assert.is_nil(cred)
    assert.matches("empty", err.message, 1, true)
    cred, err = atlas.bearer("tok\r\nX-Injected: 1")
    assert.is_nil(cred)
    assert.equal("auth.secret", err.field)
  end)

  it("redact the secret in tostring and expose no fields", function()
    local cred = assert(atlas.digest("abcdefgh", KEY))
    assert.equal("atlas.digest(public key abcdefgh, private key <redacted>)", tostring(cred))
    assert.equal("digest", cred:kind())
    assert.equal("abcdefgh", cred:id())
    assert.equal("locked", getmetatable(cred))
    local bearer = assert(atlas.bearer("eyJhbGciOi.secret-token"))
    assert.not_matches("secret%-token", tostring(bearer))
    assert.is_nil(bearer:id())
    local c = assert(atlas.client { auth = cred })
    assert.not_matches(KEY, tostring(c), 1, true)
    c:close()
  end)
end)

describe("transport", function()
  it("refuses to send anything but a bearer token as Bearer", function()
    local core = require "atlas_admin.core"
    local digest = assert(atlas.digest("abcdefgh", KEY))
    local t = core.transport({}, digest)
    assert.has_error(function() t:send("GET", "http://127.0.0.1:9/", {}, nil, digest) end)
    t:close()
    assert.has_error(function() t:send("GET", "http://127.0.0.1:9/", {}) end, "atlas-admin: the client is closed")
  end)
end)

describe("the owner guards' overrides", function()
  it("are the same in the options checker and in the guards", function()
    local options = require "atlas_admin.http.options"
    for _, g in ipairs(require("atlas_admin.converge.owner_guards").GUARDS) do
      assert.equal("boolean", options.METHODS.set_org_roles[g.option], g.option)
      assert.equal("boolean", options.METHODS.offboard[g.option], g.option)
      assert.equal("boolean", options.METHODS.plan_access[g.option], g.option)
    end
  end)
end)

describe("atlas.help", function()
  it("has an entry for every public client method", function()
    local help = require "atlas_admin.help"
    local Client = require("atlas_admin.client").Client
    local documented = {}
    for _, e in ipairs(help.ENTRIES) do documented[e[1]] = true end
    local missing = {}
    for name, v in pairs(Client) do
      if type(v) == "function" and not name:find("^_") and name ~= "is_closed" and name ~= "revoke_token"
          and not documented[name] then
        missing[#missing + 1] = name
      end
    end
    table.sort(missing)
    assert.same({}, missing)
    -- and the registry (methods.lua) names every helper the client has
    local methods = require "atlas_admin.http.methods"
    local ops = require("atlas_admin.http.operations").rows
    local registered = {}
    for _, h in ipairs(methods.HELPERS) do for _, m in ipairs(h.methods) do registered[m] = true end end
    local unregistered = {}
    for name, v in pairs(Client) do
      if type(v) == "function" and not name:find("^_") and not ops[name] and not registered[name]
          and name ~= "close" and name ~= "is_closed" and name ~= "revoke_token" then
        unregistered[#unregistered + 1] = name
      end
    end
    table.sort(unregistered)
    assert.same({}, unregistered)
  end)
end)
