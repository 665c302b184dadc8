-- The programmatic identities' calls against the local server, over real
-- libcurl: every call's happy path (checked in the server's state through
-- the API), a 404 for each kind of thing that can be missing, and the
-- validation that refuses a call before any request (the server's count).
local atlas = require "atlas_admin"
local core = require "atlas_admin.core"
local local_server = require "local_server"

local C = local_server.credentials
local O, G, G2 = C.org_id, C.group_id, C.other_group_id
local KEY = "65f0a1b2c3d4e5f601234505"              -- ci-deploy: ORG_MEMBER, two projects, two entries
local OLD_KEY = "65f0a1b2c3d4e5f601234504"          -- old-reporting
local NO_KEY = "65f0a1b2c3d4e5f6012345ff"
local SA = "mdb_sa_id_6529e1d8c9f8f12c0e2a8f12"     -- terraform-runner
local NO_SA = "mdb_sa_id_aaaaaaaaaaaaaaaaaaaaaaaa"

local function find(list, field, value)
  for _, item in ipairs(list) do
    if item[field] == value then return item end
  end
end

local function project_roles(key, gid)
  local roles = {}
  for _, r in ipairs(key.roles) do
    if r.groupId == gid then roles[#roles + 1] = r.roleName end
  end
  table.sort(roles)
  return roles
end

local function org_roles(key)
  local roles = {}
  for _, r in ipairs(key.roles) do
    if r.orgId then roles[#roles + 1] = r.roleName end
  end
  table.sort(roles)
  return roles
end

local function addresses(entries)
  local out = {}
  for _, e in ipairs(entries) do out[#out + 1] = e.cidrBlock or e.ipAddress end
  table.sort(out)
  return out
end

describe("identities against the local server", function()
  local srv, c
  setup(function()
    srv = local_server.start()
    c = assert(atlas.client { auth = atlas.digest(C.public_key, C.private_key), base_url = srv.url, on_warning = false })
  end)
  teardown(function()
    c:close()
    srv:stop()
  end)
  before_each(function()
    srv:reset()
    assert(c:get_api_key(O, KEY)) -- the digest handshake after the reset, so counts are the calls' own
  end)

  describe("API keys", function()
    it("lists the organization's keys in one request, with their org and project roles", function()
      local n, keys = srv:count(function() return c:list_api_keys(O) end)
      assert.equal(1, n)
      assert.equal(5, #keys)
      local key = assert(find(keys, "id", KEY))
      assert.equal("ci-deploy", key.desc)
      assert.same({ "ORG_MEMBER" }, org_roles(key))
      assert.matches("^5 API keys\n  API key ", tostring(keys))
      assert.matches("API key " .. KEY .. " cideploy \"ci%-deploy\": ORG_MEMBER; 2 projects", tostring(keys))
    end)

    it("creates a key whose private key works at once, then gets, updates and deletes it", function()
      local key, res = c:create_api_key(O, { desc = "ci deploy (new)", roles = { "ORG_MEMBER", "ORG_READ_ONLY" } })
      assert.is_table(key, tostring(res))
      assert.equal("created_secret", core.credential_kind(key.privateKey))
      assert.matches("<secret>", res.body, 1, true)
      local private = key.privateKey:reveal()
      assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", private)
      -- the new key authenticates (digest) and reads the organization
      local as_key = assert(atlas.client { auth = atlas.digest(key.publicKey, private), base_url = srv.url })
      assert.is_table(as_key:get_api_key(O, key.id))
      as_key:close()
      local got = assert(c:get_api_key(O, key.id))
      assert.equal("ci deploy (new)", got.desc)
      assert.same({ "ORG_MEMBER", "ORG_READ_ONLY" }, org_roles(got))
      assert.is_nil(core.credential_kind(got.privateKey)) -- a read shows Atlas's redacted form only
      local updated = assert(c:update_api_key(O, key.id, { desc = "renamed", roles = { "ORG_READ_ONLY" } }))
      assert.equal("renamed", updated.desc)
      assert.same({ "ORG_READ_ONLY" }, org_roles(updated))
      assert.is_true((c:delete_api_key(O, key.id)))
      local gone, err = c:get_api_key(O, key.id)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      assert.equal("API_KEY_NOT_FOUND", err.errorCode)
    end)

    it("adds to, lists and removes from a key's access list (addresses and blocks, v4 and v6)", function()
      local list = assert(c:add_api_key_access_list(O, KEY, { { ipAddress = "198.51.100.7" },
        { cidrBlock = "2001:db8::/32" } }))
      assert.same({ "10.20.0.0/16", "192.0.2.10", "198.51.100.7", "2001:db8::/32" }, addresses(list))
      assert.matches("^4 access%-list entries", tostring(list))
      local used = assert(find(list, "cidrBlock", "10.20.0.0/16"))
      assert.is_string(used.lastUsed)
      assert.is_true((c:remove_api_key_access_entry(O, KEY, "10.20.0.0/16")))
      assert.is_true((c:remove_api_key_access_entry(O, KEY, "2001:db8::/32")))
      assert.same({ "192.0.2.10", "198.51.100.7" }, addresses(assert(c:list_api_key_access_list(O, KEY))))
    end)

    it("assigns a key to a project, replaces its roles there and unassigns it", function()
      local before = assert(c:list_project_api_keys(G2))
      assert.is_nil(find(before, "id", OLD_KEY))
      assert.is_true((c:assign_api_key(G2, OLD_KEY, { "GROUP_READ_ONLY" })))
      local key = assert(find(assert(c:list_project_api_keys(G2)), "id", OLD_KEY))
      assert.same({ "GROUP_READ_ONLY" }, project_roles(key, G2))
      -- a second assignment is Atlas's 400, not a silent change
      local again, err = c:assign_api_key(G2, OLD_KEY, { "GROUP_OWNER" })
      assert.is_nil(again)
      assert.equal(400, err.status)
      local updated = assert(c:update_project_api_key(G2, OLD_KEY, { roles = { "GROUP_OWNER", "GROUP_READ_ONLY" } }))
      assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, project_roles(updated, G2))
      assert.is_true((c:unassign_api_key(G2, OLD_KEY)))
      assert.same({}, project_roles(assert(c:get_api_key(O, OLD_KEY)), G2))
    end)

    it("answers 404 for a key that is not there, for every call naming one", function()
      local calls = {
        function() return c:get_api_key(O, NO_KEY) end,
        function() return c:update_api_key(O, NO_KEY, { desc = "x" }) end,
        function() return c:delete_api_key(O, NO_KEY) end,
        function() return c:list_api_key_access_list(O, NO_KEY) end,
        function() return c:add_api_key_access_list(O, NO_KEY, { { ipAddress = "192.0.2.1" } }) end,
        function() return c:remove_api_key_access_entry(O, NO_KEY, "192.0.2.1") end,
        function() return c:assign_api_key(G, NO_KEY, { "GROUP_READ_ONLY" }) end,
        function() return c:update_project_api_key(G, NO_KEY, { roles = { "GROUP_OWNER" } }) end,
        function() return c:unassign_api_key(G, NO_KEY) end,
        function() return c:list_project_api_keys(C.unknown_group_id) end,
      }
      for i, call in ipairs(calls) do
        local value, err = call()
        assert.is_nil(value, "call " .. i)
        assert.equal(404, err.status, "call " .. i .. ": " .. tostring(err))
      end
    end)
  end)

  describe("service accounts", function()
    it("lists the organization's accounts and a project's, with their secrets' dates", function()
      local n, accounts = srv:count(function() return c:list_service_accounts(O) end)
      assert.equal(1, n)
      assert.equal(3, #accounts)
      local sa = assert(find(accounts, "clientId", SA))
      assert.equal("terraform-runner", sa.name)
      assert.same({ "ORG_READ_ONLY" }, sa.roles)
      assert.is_string(sa.secrets[1].expiresAt)
      assert.is_nil(sa.secrets[1].secret)
      local in_project = assert(c:list_project_service_accounts(C.projects.staging.id))
      assert.same({ "GROUP_OWNER" }, assert(find(in_project, "clientId", SA)).roles)
      assert.same(3, #assert(c:list_service_accounts(O, { include_system_managed = true })))
      assert.matches("service account " .. SA .. " \"terraform%-runner\": ORG_READ_ONLY; 1 secret", tostring(accounts))
    end)

    it("creates an account whose secret gets a token at once, then gets, updates and deletes it", function()
      local sa, res = c:create_service_account(O, { name = "ci runner", description = "Runs CI, prod.",
        roles = { "ORG_READ_ONLY" }, secretExpiresAfterHours = 24 })
      assert.is_table(sa, tostring(res))
      assert.equal(201, res.status)
      local secret = sa.secrets[1].secret
      assert.equal("created_secret", core.credential_kind(secret))
      local as_sa = assert(atlas.client { auth = atlas.service_account(sa.clientId, secret:reveal()), base_url = srv.url })
      assert.is_table(as_sa:get_service_account(O, sa.clientId))
      as_sa:close { revoke = true }
      assert.equal("ci runner", assert(c:get_service_account(O, sa.clientId)).name)
      local updated = assert(c:update_service_account(O, sa.clientId, { name = "ci-runner", roles = { "ORG_MEMBER" } }))
      assert.equal("ci-runner", updated.name)
      assert.same({ "ORG_MEMBER" }, updated.roles)
      assert.is_true((c:delete_service_account(O, sa.clientId)))
      local _, err = c:get_service_account(O, sa.clientId)
      assert.equal(404, err.status)
    end)

    it("makes and deletes secrets", function()
      local s, res = c:create_service_account_secret(O, SA, { secretExpiresAfterHours = 48 })
      assert.is_table(s, tostring(res))
      assert.equal("created_secret", core.credential_kind(s.secret))
      assert.matches("^mdb_sa_sk_", s.secret:reveal())
      assert.matches("^secret %x+, expires %d", tostring(s))
      assert.equal(2, #assert(c:get_service_account(O, SA)).secrets)
      assert.is_true((c:delete_service_account_secret(O, SA, s.id)))
      assert.equal(1, #assert(c:get_service_account(O, SA)).secrets)
    end)

    it("adds to, lists and removes from an account's access list", function()
      local list = assert(c:add_service_account_access_list(O, SA, { { cidrBlock = "203.0.113.0/24" } }))
      assert.same({ "192.0.2.10", "203.0.113.0/24" }, addresses(list))
      assert.is_true((c:remove_service_account_access_entry(O, SA, "203.0.113.0/24")))
      assert.same({ "192.0.2.10" }, addresses(assert(c:list_service_account_access_list(O, SA))))
    end)

    it("assigns an account to a project (:invite), replaces its roles, lists its projects and unassigns it", function()
      assert.is_nil(find(assert(c:service_account_projects(O, SA)), "groupId", G2))
      local sa = assert(c:assign_service_account(G2, SA, { "GROUP_READ_ONLY" }))
      assert.same({ "GROUP_READ_ONLY" }, sa.roles)
      assert.same({ "GROUP_READ_ONLY" }, assert(c:get_project_service_account(G2, SA)).roles)
      assert.same({ "GROUP_OWNER" }, assert(c:update_project_service_account(G2, SA, { roles = { "GROUP_OWNER" } })).roles)
      local projects = assert(c:service_account_projects(O, SA))
      assert.same({ "GROUP_OWNER" }, assert(find(projects, "groupId", G2)).roles)
      assert.is_true((c:unassign_service_account(G2, SA)))
      assert.is_nil(find(assert(c:service_account_projects(O, SA)), "groupId", G2))
      assert.is_table(c:get_service_account(O, SA)) -- still in the organization
    end)

    it("answers 404 for an account that is not there, for every call naming one", function()
      local calls = {
        function() return c:get_service_account(O, NO_SA) end,
        function() return c:update_service_account(O, NO_SA, { name = "x" }) end,
        function() return c:delete_service_account(O, NO_SA) end,
        function() return c:service_account_projects(O, NO_SA) end,
        function() return c:create_service_account_secret(O, NO_SA, { secretExpiresAfterHours = 8 }) end,
        function() return c:delete_service_account_secret(O, SA, "aaaaaaaaaaaaaaaaaaaaaaaa") end,
        function() return c:list_service_account_access_list(O, NO_SA) end,
        function() return c:add_service_account_access_list(O, NO_SA, { { ipAddress = "192.0.2.1" } }) end,
        function() return c:remove_service_account_access_entry(O, NO_SA, "192.0.2.1") end,
        function() return c:get_project_service_account(G, NO_SA) end,
        function() return c:assign_service_account(G, NO_SA, { "GROUP_READ_ONLY" }) end,
        function() return c:update_project_service_account(G, NO_SA, { roles = { "GROUP_OWNER" } }) end,
        function() return c:unassign_service_account(G, NO_SA) end,
        function() return c:list_project_service_accounts(C.unknown_group_id) end,
      }
      for i, call in ipairs(calls) do
        local value, err = call()
        assert.is_nil(value, "call " .. i)
        assert.equal(404, err.status, "call " .. i .. ": " .. tostring(err))
      end
    end)
  end)

  it("refuses every invalid call before any request, naming the field and the fix", function()
    local long = ("x"):rep(251)
    local cases = {
      -- field, what the message says, the call
      { "orgId", "24 lowercase", function() return c:list_api_keys("nope") end },
      { "apiUserId", "24 lowercase", function() return c:get_api_key(O, "abcdefgh") end },
      { "desc", "is required", function() return c:create_api_key(O, { roles = { "ORG_MEMBER" } }) end },
      { "desc", "at most 250", function() return c:create_api_key(O, { desc = long, roles = { "ORG_MEMBER" } }) end },
      { "desc", "empty", function() return c:create_api_key(O, { desc = "", roles = { "ORG_MEMBER" } }) end },
      { "roles[1]", "GROUP_OWNER", function() return c:create_api_key(O, { desc = "x", roles = { "GROUP_OWNER" } }) end },
      { "roles", "at least one", function() return c:create_api_key(O, { desc = "x", roles = {} }) end },
      { "decode", "placeholder", function()
        return c:create_api_key(O, { desc = "x", roles = { "ORG_MEMBER" } }, { decode = false })
      end },
      { "body", "nothing to change", function() return c:update_api_key(O, KEY, {}) end },
      { "entries[1]", "not both", function()
        return c:add_api_key_access_list(O, KEY, { { ipAddress = "192.0.2.1", cidrBlock = "10.0.0.0/8" } })
      end },
      { "entries[1].ipAddress", "block", function() return c:add_api_key_access_list(O, KEY, { { ipAddress = "10.0.0.0/8" } }) end },
      { "entries[1].cidrBlock", "10.20.0.0/16", function()
        return c:add_api_key_access_list(O, KEY, { { cidrBlock = "10.20.1.0/16" } })
      end },
      { "entries[1].cidrBlock", "0 to 32", function() return c:add_api_key_access_list(O, KEY, { { cidrBlock = "10.0.0.0/33" } }) end },
      { "entries[1].ipAddress", "IPv4", function() return c:add_api_key_access_list(O, KEY, { { ipAddress = "300.1.1.1" } }) end },
      { "entries[1].ipAddress", "lowercase", function()
        return c:add_api_key_access_list(O, KEY, { { ipAddress = "2001:DB8::1" } })
      end },
      { "address", "IPv4", function() return c:remove_api_key_access_entry(O, KEY, "not-an-ip") end },
      { "roles[1]", "did you mean", function() return c:assign_api_key(G, KEY, { "GROUP_READONLY" }) end },
      { "roles", "list", function() return c:assign_api_key(G, KEY, "GROUP_OWNER") end },
      { "body", "nothing to change", function() return c:update_project_api_key(G, KEY, {}) end },
      { "clientId", "mdb_sa_id_", function() return c:get_service_account(O, "6529e1d8c9f8f12c0e2a8f12") end },
      { "clientId", "hexadecimal", function() return c:delete_service_account(O, "mdb_sa_id_6529e1d8c9f8f12c0e2a8fzz") end },
      { "name", "letters, digits", function()
        return c:create_service_account(O, { name = "ci/runner", description = "x", roles = { "ORG_MEMBER" },
          secretExpiresAfterHours = 8 })
      end },
      { "name", "at most 64", function()
        return c:create_service_account(O, { name = ("n"):rep(65), description = "x", roles = { "ORG_MEMBER" },
          secretExpiresAfterHours = 8 })
      end },
      { "secretExpiresAfterHours", "is required", function()
        return c:create_service_account(O, { name = "ci", description = "x", roles = { "ORG_MEMBER" } })
      end },
      { "secretExpiresAfterHours", "at least 1", function()
        return c:create_service_account_secret(O, SA, { secretExpiresAfterHours = 0 })
      end },
      { "secretExpiresAfterHours", "whole number", function()
        return c:create_service_account_secret(O, SA, { secretExpiresAfterHours = 1.5 })
      end },
      { "secretExpiresAfterHours", "whole number", function()
        return c:create_service_account_secret(O, SA, { secretExpiresAfterHours = "8" })
      end },
      { "secretId", "24 lowercase", function() return c:delete_service_account_secret(O, SA, "s1") end },
      { "entries", "at most 200", function()
        local many = {}
        for i = 1, 201 do many[i] = { ipAddress = "10.0." .. math.floor(i / 256) .. "." .. (i % 256) } end
        return c:add_service_account_access_list(O, SA, many)
      end },
      { "roles", "at least one", function() return c:assign_service_account(G, SA, {}) end },
      { "groupId", "24 lowercase", function() return c:unassign_service_account("prod", SA) end },
      { "include_system_managed", "true or false", function()
        return c:list_service_accounts(O, { include_system_managed = "yes" })
      end },
    }
    for _, case in ipairs(cases) do
      local n, value, err = srv:count(case[3])
      assert.equal(0, n, case[1] .. ": a request was sent")
      assert.is_nil(value, case[1])
      assert.equal("validation", err.kind, case[1] .. ": " .. tostring(err))
      assert.equal(case[1], err.field, tostring(err))
      assert.matches(case[2], err.message, 1, true)
    end
  end)

  it("sends nothing for a dry run and shows the request, the block escaped in the path", function()
    local n, req = srv:count(function() return c:remove_api_key_access_entry(O, KEY, "10.20.0.0/16", { dry_run = true }) end)
    assert.equal(0, n)
    assert.matches("/accessList/10%.20%.0%.0%%2F16$", req.url)
    n, req = srv:count(function()
      return c:create_service_account(O, { name = "ci", description = "x", roles = { "ORG_MEMBER" },
        secretExpiresAfterHours = 8 }, { dry_run = true })
    end)
    assert.equal(0, n)
    assert.equal("application/vnd.atlas.2024-08-05+json", req.headers.Accept)
    assert.equal('{"description":"x","name":"ci","roles":["ORG_MEMBER"],"secretExpiresAfterHours":8}', req.body)
  end)
end)
