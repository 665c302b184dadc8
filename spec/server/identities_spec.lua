-- The local Atlas server's programmatic identities (server/src/api_keys.c,
-- service_accounts.c, access_lists.c) checked over HTTP with the curl CLI,
-- not the client: an organization's API keys with their access lists and
-- project assignments, its service accounts with their secrets, projects
-- and access lists, and the fixture's identities with their relative dates.
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG = C.org_id
local PROD, STAGING, DEMO = C.projects.prod.id, C.projects.staging.id, C.group_id
local V_KEYS = "application/vnd.atlas.2023-01-01+json"
local V_ACCOUNTS = "application/vnd.atlas.2024-08-05+json"
local KEYS = "/api/atlas/v2/orgs/" .. ORG .. "/apiKeys"
local ACCOUNTS = "/api/atlas/v2/orgs/" .. ORG .. "/serviceAccounts"

-- The fixture's identities, read from the fixture itself.
local fixture
do
  local f = assert(io.open(local_server.fixtures, "r"))
  fixture = assert(cjson.decode(f:read("*a")))
  f:close()
end
local function fixture_key(desc)
  for _, k in ipairs(fixture.api_keys) do
    if k.desc == desc then return k end
  end
end
local function fixture_account(name)
  for _, a in ipairs(fixture.service_accounts) do
    if a.name == name then return a end
  end
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs curl; returns status, headers (lower-case names), decoded-or-raw body.
local function curl(args)
  local p = assert(io.popen("env -u LD_PRELOAD curl -s -S -i --max-time 5 " .. args))
  local out = p:read("*a")
  p:close()
  local head, body = out:match("^(.-)\r\n\r\n(.*)$")
  -- --digest shows the 401 and then the real answer: keep the last one.
  while body:match("^HTTP/") do head, body = body:match("^(.-)\r\n\r\n(.*)$") end
  local headers = {}
  for name, value in head:gmatch("\n([^:\r\n]+):%s*([^\r\n]*)") do headers[name:lower()] = value end
  return tonumber(head:match("^HTTP/[%d.]+ (%d+)")), headers, cjson.decode(body) or body
end

-- Seconds since the epoch of an ISO 8601 UTC time (no time zone involved).
local function epoch(iso)
  local y, m, d, hh, mm, ss = iso:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
end

local function near(expected, actual, slack)
  assert.is_true(math.abs(expected - actual) <= (slack or 120),
    string.format("%d is not within %ds of %d", actual, slack or 120, expected))
end

describe("local Atlas server: API keys and service accounts", function()
  local srv
  local function url(path) return q(srv.url .. path) end

  -- An API call with a key (digest) or a token (bearer): method, path, body (a table, sent as JSON), media type.
  local function call(auth, method, path, body, media)
    local args = auth .. "-X " .. method .. " -H " .. q("Accept: " .. (media or V_KEYS)) .. " "
    if body ~= nil then
      args = args .. "-H " .. q("Content-Type: " .. (media or V_KEYS)) .. " --data-binary "
        .. q(type(body) == "string" and body or cjson.encode(body)) .. " "
    end
    return curl(args .. url(path))
  end
  local function digest(public, private) return "--digest -u " .. q(public .. ":" .. private) .. " " end
  local OWNER = digest(C.public_key, C.private_key)
  local VIEWER = digest(C.viewonly_public_key, C.viewonly_private_key)
  local function keys(method, path, body, auth) return call(auth or OWNER, method, KEYS .. (path or ""), body) end
  local function accounts(method, path, body, auth)
    return call(auth or OWNER, method, ACCOUNTS .. (path or ""), body, V_ACCOUNTS)
  end
  local function token(client_id, secret)
    return curl("-u " .. q(client_id .. ":" .. secret) .. " --data grant_type=client_credentials " .. url("/api/oauth/token"))
  end
  local function bearer(access_token) return "-H " .. q("Authorization: Bearer " .. access_token) .. " " end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  describe("the fixture", function()
    it("makes the credentials the org's API keys, private keys masked", function()
      local status, headers, page = keys("GET", "?itemsPerPage=500")
      assert.equal(200, status)
      assert.matches("^application/vnd%.atlas%.2023%-01%-01%+json", headers["content-type"])
      assert.equal(#fixture.api_keys, page.totalCount)
      local by_public = {}
      for _, k in ipairs(page.results) do by_public[k.publicKey] = k end
      local owner = by_public[C.public_key]
      assert.equal(fixture.api_keys[1].id, owner.id)
      assert.equal("********-****-****-" .. C.private_key:sub(-12), owner.privateKey)
      assert.is_nil(cjson.encode(page):find(C.private_key, 1, true))
      -- roles as the API shows them: this org's and its projects', never the other org's
      local org_roles, projects = {}, 0
      for _, r in ipairs(owner.roles) do
        if r.orgId then org_roles[#org_roles + 1] = r.roleName else projects = projects + 1 end
        assert.not_equal(C.other_org_id, r.orgId)
      end
      assert.same({ "ORG_OWNER" }, org_roles)
      assert.equal(5, projects)
      assert.equal(srv.url .. KEYS .. "/" .. owner.id, owner.links[1].href)
    end)

    it("plants a key with ORG_OWNER and no access list, a key unused for a year, and a well-configured one", function()
      local legacy = fixture_key("legacy-admin")
      local _, _, key = keys("GET", "/" .. legacy.id)
      assert.same({ { orgId = ORG, roleName = "ORG_OWNER" } }, key.roles)
      local _, _, list = keys("GET", "/" .. legacy.id .. "/accessList")
      assert.equal(0, list.totalCount)

      local now = os.time()
      local old = fixture_key("old-reporting")
      local _, _, entries = keys("GET", "/" .. old.id .. "/accessList")
      assert.equal(1, entries.totalCount)
      near(now - 365 * 86400, epoch(entries.results[1].lastUsed))
      near(now - 500 * 86400, epoch(entries.results[1].created))
      assert.equal(1873, entries.results[1].count)

      local ci = fixture_key("ci-deploy")
      _, _, entries = keys("GET", "/" .. ci.id .. "/accessList")
      assert.equal(2, entries.totalCount)
      assert.equal("10.20.0.0/16", entries.results[1].cidrBlock)
      near(now - 2 * 3600, epoch(entries.results[2].lastUsed))
      local _, _, in_prod = call(OWNER, "GET", "/api/atlas/v2/groups/" .. PROD .. "/apiKeys")
      local descs = {}
      for _, k in ipairs(in_prod.results) do descs[#descs + 1] = k.desc end
      assert.same({ "atlas-admin test suite (owner)", "atlas-admin test suite (read-only)", "old-reporting", "ci-deploy" }, descs)
    end)

    it("plants service accounts with secrets that expire, one in three days", function()
      local now = os.time()
      local status, headers, page = accounts("GET", "")
      assert.equal(200, status)
      assert.matches("^application/vnd%.atlas%.2024%-08%-05%+json", headers["content-type"])
      assert.equal(3, page.totalCount)
      local by_name = {}
      for _, a in ipairs(page.results) do by_name[a.name] = a end
      local tests = by_name["atlas-admin-tests"]
      assert.equal(C.client_id, tests.clientId)
      assert.same({ "ORG_OWNER" }, tests.roles)
      assert.is_nil(tests.secrets[1].secret)
      assert.equal("mdb_sa_sk_..." .. C.client_secret:sub(-4), tests.secrets[1].maskedSecretValue)
      assert.is_nil(cjson.encode(page):find(C.client_secret, 1, true))
      local exporter = by_name["metrics-exporter"]
      assert.equal(fixture_account("metrics-exporter").client_id, exporter.clientId)
      near(now + 3 * 86400, epoch(exporter.secrets[1].expiresAt))
      near(now - 2 * 86400, epoch(exporter.secrets[1].lastUsedAt))
      near(now - 300 * 86400, epoch(exporter.createdAt))
      local _, _, projects = accounts("GET", "/" .. by_name["terraform-runner"].clientId .. "/groups")
      assert.same({ { groupId = PROD, roles = { "GROUP_DATA_ACCESS_READ_ONLY" } },
        { groupId = STAGING, roles = { "GROUP_OWNER" } } }, projects.results)
      local _, _, entries = accounts("GET", "/" .. by_name["terraform-runner"].clientId .. "/accessList")
      assert.equal("192.0.2.10", entries.results[1].ipAddress)
      assert.equal(2210, entries.results[1].requestCount)
      near(now - 150 * 86400, epoch(entries.results[1].createdAt))
    end)

    it("shows them in /__mock/state, masked", function()
      local state = srv:org_state(ORG)
      assert.equal(#fixture.api_keys, #state.api_keys)
      assert.equal(3, #state.service_accounts)
      local text = cjson.encode(state)
      assert.is_nil(text:find(C.private_key, 1, true))
      assert.is_nil(text:find(C.client_secret, 1, true))
    end)
  end)

  describe("API keys", function()
    it("pages like the other listings", function()
      local _, _, p1 = keys("GET", "?itemsPerPage=2")
      local _, _, p3 = keys("GET", "?itemsPerPage=2&pageNum=3")
      assert.equal(2, #p1.results)
      assert.equal(#fixture.api_keys, p1.totalCount)
      assert.equal("next", p1.links[2].rel)
      assert.equal(#fixture.api_keys - 4, #p3.results)
      assert.equal("previous", p3.links[#p3.links].rel)
      local _, _, uncounted = keys("GET", "?includeCount=false")
      assert.is_nil(uncounted.totalCount)
      local status, _, err = keys("GET", "?itemsPerPage=501")
      assert.equal(400, status)
      assert.equal("INVALID_QUERY_PARAMETER", err.errorCode)
    end)

    it("returns a created key's private key once, masks it later, and the key can call the API", function()
      local status, _, key = keys("POST", "", { desc = "reporting", roles = { "ORG_READ_ONLY" } })
      assert.equal(200, status)
      assert.matches("^%x+$", key.id)
      assert.equal(24, #key.id)
      assert.matches("^%l+$", key.publicKey)
      assert.equal(8, #key.publicKey)
      assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", key.privateKey)
      assert.same({ { orgId = ORG, roleName = "ORG_READ_ONLY" } }, key.roles)
      local _, _, again = keys("GET", "/" .. key.id)
      assert.equal("********-****-****-" .. key.privateKey:sub(-12), again.privateKey)
      local _, _, listed = keys("GET", "?itemsPerPage=500")
      assert.is_nil(cjson.encode(listed):find(key.privateKey, 1, true))
      -- the new key authenticates: it reads, but may not write (ORG_READ_ONLY)
      local as_new = digest(key.publicKey, key.privateKey)
      assert.equal(200, (keys("GET", "", nil, as_new)))
      assert.equal(401, (keys("POST", "", { desc = "x", roles = { "ORG_MEMBER" } }, as_new)))
      -- deleted, it no longer authenticates
      assert.equal(204, (keys("DELETE", "/" .. key.id)))
      assert.equal(401, (keys("GET", "", nil, as_new)))
      local _, _, gone = keys("GET", "/" .. key.id)
      assert.equal("API_KEY_NOT_FOUND", gone.errorCode)
    end)

    it("updates the description and the org roles, keeping project roles", function()
      local ci = fixture_key("ci-deploy")
      local status, _, key = keys("PATCH", "/" .. ci.id, { desc = "ci-deploy v2", roles = { "ORG_MEMBER", "ORG_BILLING_READ_ONLY" } })
      assert.equal(200, status)
      assert.equal("ci-deploy v2", key.desc)
      local org_roles, projects = {}, 0
      for _, r in ipairs(key.roles) do
        if r.orgId then org_roles[#org_roles + 1] = r.roleName else projects = projects + 1 end
      end
      assert.same({ "ORG_MEMBER", "ORG_BILLING_READ_ONLY" }, org_roles)
      assert.equal(2, projects)
      assert.equal("ci-deploy v2", select(3, keys("GET", "/" .. ci.id)).desc)
    end)

    local bad = {
      { "a missing desc", "POST", "", { roles = { "ORG_MEMBER" } }, 400, "MISSING_ATTRIBUTE" },
      { "missing roles", "POST", "", { desc = "x" }, 400, "MISSING_ATTRIBUTE" },
      { "empty roles", "POST", "", { desc = "x", roles = {} }, 400, "INVALID_ATTRIBUTE" },
      { "a project role", "POST", "", { desc = "x", roles = { "GROUP_OWNER" } }, 400, "INVALID_ROLE_FOR_ORG" },
      { "an unknown role", "POST", "", { desc = "x", roles = { "ORG_BOSS" } }, 400, "INVALID_ENUM_VALUE" },
      { "a desc too long", "POST", "", { desc = string.rep("d", 251), roles = { "ORG_MEMBER" } }, 400, "INVALID_ATTRIBUTE" },
      { "an unknown field", "POST", "", { desc = "x", roles = { "ORG_MEMBER" }, name = "x" }, 400, "INVALID_JSON_ATTRIBUTE" },
      { "malformed JSON", "POST", "", '{"desc":', 400, "INVALID_JSON" },
      { "an empty update", "PATCH", "/65f0a1b2c3d4e5f601234505", {}, 400, "MISSING_ATTRIBUTE" },
      { "an unknown key", "GET", "/aaaaaaaaaaaaaaaaaaaaaaaa", nil, 404, "API_KEY_NOT_FOUND" },
      { "a public key instead of the id", "GET", "/abcdefgh", nil, 400, "PATH_PARAM_PARSE_ERROR" },
      { "an unknown sub-resource", "GET", "/65f0a1b2c3d4e5f601234505/nope", nil, 404, "RESOURCE_NOT_FOUND" },
      { "a method the path has not", "PUT", "/65f0a1b2c3d4e5f601234505", nil, 405, "METHOD_NOT_ALLOWED" },
    }
    for _, case in ipairs(bad) do
      it("answers " .. case[6] .. " for " .. case[1], function()
        local status, _, err = keys(case[2], case[3], case[4])
        assert.equal(case[5], status)
        assert.equal(case[6], err.errorCode)
        assert.is_string(err.detail)
      end)
    end

    it("writes nothing when the request is refused", function()
      local before = select(3, keys("GET", "")).totalCount
      keys("POST", "", { desc = "x", roles = { "GROUP_OWNER" } })
      assert.equal(before, select(3, keys("GET", "")).totalCount)
    end)

    it("lets a read-only key list keys but not change them", function()
      assert.equal(200, (keys("GET", "", nil, VIEWER)))
      local status, _, err = keys("POST", "", { desc = "x", roles = { "ORG_MEMBER" } }, VIEWER)
      assert.equal(401, status)
      assert.equal("USER_UNAUTHORIZED", err.errorCode)
    end)

    it("assigns, updates and unassigns a key in a project", function()
      local legacy = fixture_key("legacy-admin")
      local path = "/api/atlas/v2/groups/" .. DEMO .. "/apiKeys"
      assert.equal(204, (call(OWNER, "POST", path .. "/" .. legacy.id, { { roles = { "GROUP_READ_ONLY" } } })))
      local status, _, err = call(OWNER, "POST", path .. "/" .. legacy.id, { { roles = { "GROUP_OWNER" } } })
      assert.equal(400, status)
      assert.equal("API_KEY_ALREADY_IN_GROUP", err.errorCode)
      local _, _, page = call(OWNER, "GET", path)
      local found
      for _, k in ipairs(page.results) do found = found or k.id == legacy.id end
      assert.is_true(found)
      local _, _, key = call(OWNER, "PATCH", path .. "/" .. legacy.id, { roles = { "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY" } })
      local in_demo = {}
      for _, r in ipairs(key.roles) do
        if r.groupId == DEMO then in_demo[#in_demo + 1] = r.roleName end
      end
      assert.same({ "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY" }, in_demo)
      status, _, err = call(OWNER, "PATCH", path .. "/" .. legacy.id, { roles = { "ORG_MEMBER" } })
      assert.equal(400, status)
      assert.equal("INVALID_ROLE_FOR_GROUP", err.errorCode)
      status, _, err = call(OWNER, "PATCH", path .. "/" .. legacy.id, '{"roles":[]}')
      assert.equal(400, status)
      assert.equal("INVALID_ATTRIBUTE", err.errorCode)
      assert.equal(204, (call(OWNER, "DELETE", path .. "/" .. legacy.id)))
      status, _, err = call(OWNER, "DELETE", path .. "/" .. legacy.id)
      assert.equal(404, status)
      assert.equal("NOT_IN_GROUP", err.errorCode)
      status, _, err = call(OWNER, "POST", path .. "/aaaaaaaaaaaaaaaaaaaaaaaa", { { roles = { "GROUP_READ_ONLY" } } })
      assert.equal(404, status)
      assert.equal("API_KEY_NOT_FOUND", err.errorCode)
      status = call(VIEWER, "POST", path .. "/" .. legacy.id, { { roles = { "GROUP_READ_ONLY" } } })
      assert.equal(401, status)
    end)

    it("creates a key for a project: an org key with ORG_MEMBER and the project's roles, private key once", function()
      local status, _, key = call(OWNER, "POST", "/api/atlas/v2/groups/" .. STAGING .. "/apiKeys",
        { desc = "staging deploys", roles = { "GROUP_CLUSTER_MANAGER" } })
      assert.equal(200, status)
      assert.matches("^%x+%-", key.privateKey)
      assert.same({ { orgId = ORG, roleName = "ORG_MEMBER" }, { groupId = STAGING, roleName = "GROUP_CLUSTER_MANAGER" } },
        key.roles)
      assert.matches("^%*", select(3, keys("GET", "/" .. key.id)).privateKey)
      -- the new key reaches the project it was made for (read), not others
      local as_new = digest(key.publicKey, key.privateKey)
      assert.equal(200, (call(as_new, "GET", "/api/atlas/v2/groups/" .. STAGING .. "/apiKeys")))
      assert.equal(401, (call(as_new, "GET", "/api/atlas/v2/groups/" .. PROD .. "/apiKeys")))
    end)

    it("deletes a key from every project with it", function()
      local old = fixture_key("old-reporting")
      assert.equal(204, (keys("DELETE", "/" .. old.id)))
      local _, _, page = call(OWNER, "GET", "/api/atlas/v2/groups/" .. PROD .. "/apiKeys")
      for _, k in ipairs(page.results) do assert.not_equal(old.id, k.id) end
    end)

    describe("access lists", function()
      local function new_key(roles)
        local _, _, key = keys("POST", "", { desc = "acl", roles = roles or { "ORG_READ_ONLY" } })
        return key, digest(key.publicKey, key.privateKey)
      end

      it("admits only listed addresses and records each use on the entry", function()
        local key, as_key = new_key()
        local status, _, page = keys("POST", "/" .. key.id .. "/accessList", { { ipAddress = "127.0.0.1" }, { cidrBlock = "10.0.0.0/8" } })
        assert.equal(200, status)
        assert.equal(2, page.totalCount)
        assert.is_nil(page.results[1].lastUsed)
        assert.equal(200, (keys("GET", "", nil, as_key)))
        assert.equal(200, (keys("GET", "", nil, as_key)))
        local _, _, entry = keys("GET", "/" .. key.id .. "/accessList/127.0.0.1")
        assert.equal("127.0.0.1", entry.lastUsedAddress)
        assert.equal(2, entry.count)
        near(os.time(), epoch(entry.lastUsed), 5)
        -- the caller cannot remove the entry it is using; the owner can
        local err
        status, _, err = keys("DELETE", "/" .. key.id .. "/accessList/127.0.0.1", nil, digest(key.publicKey, key.privateKey))
        assert.equal(401, status) -- an ORG_READ_ONLY key writes nothing
        assert.equal("USER_UNAUTHORIZED", err.errorCode)
        assert.equal(204, (keys("DELETE", "/" .. key.id .. "/accessList/127.0.0.1")))
        status, _, err = keys("GET", "", nil, as_key)
        assert.equal(403, status)
        assert.equal("IP_ADDRESS_NOT_ON_ACCESS_LIST", err.errorCode)
        assert.equal(204, (keys("DELETE", "/" .. key.id .. "/accessList/10.0.0.0%2F8")))
        assert.equal(200, (keys("GET", "", nil, as_key))) -- an empty list admits any address
      end)

      it("refuses to remove the address the calling key is using", function()
        local key, as_key = new_key { "ORG_OWNER" }
        keys("POST", "/" .. key.id .. "/accessList", { { cidrBlock = "127.0.0.0/8" } })
        local status, _, err = keys("DELETE", "/" .. key.id .. "/accessList/127.0.0.0%2F8", nil, as_key)
        assert.equal(400, status)
        assert.equal("CANNOT_REMOVE_CALLER_ACCESS_LIST_ENTRY", err.errorCode)
      end)

      it("is readable only by the key itself or an Organization Owner", function()
        local ci = fixture_key("ci-deploy")
        local status, _, err = keys("GET", "/" .. ci.id .. "/accessList", nil, VIEWER)
        assert.equal(401, status)
        assert.equal("API_KEY_ACCESS_LIST_ACCESS_DENIED", err.errorCode)
        local key, as_key = new_key()
        assert.equal(200, (keys("GET", "/" .. key.id .. "/accessList", nil, as_key)))
      end)

      local bad_entries = {
        { "a malformed address", { { ipAddress = "300.1.1.1" } }, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION" },
        { "an address with a prefix", { { ipAddress = "10.0.0.0/8" } }, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION" },
        { "a block without one", { { cidrBlock = "10.0.0.0" } }, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION" },
        { "both fields", { { ipAddress = "10.0.0.1", cidrBlock = "10.0.0.0/8" } }, "INVALID_ATTRIBUTE" },
        { "neither", { {} }, "MISSING_ATTRIBUTE" },
        { "an unknown field", { { ipAddress = "10.0.0.1", comment = "x" } }, "INVALID_JSON_ATTRIBUTE" },
        { "an object instead of a list", { ipAddress = "10.0.0.1" }, "INVALID_JSON" },
      }
      for _, case in ipairs(bad_entries) do
        it("answers " .. case[3] .. " for " .. case[1] .. ", adding nothing", function()
          local ci = fixture_key("ci-deploy")
          local status, _, err = keys("POST", "/" .. ci.id .. "/accessList", case[2])
          assert.equal(400, status)
          assert.equal(case[3], err.errorCode)
          assert.equal(2, select(3, keys("GET", "/" .. ci.id .. "/accessList")).totalCount)
        end)
      end

      it("answers 404 for an unknown entry and 400 for a malformed one in the path", function()
        local ci = fixture_key("ci-deploy")
        local status, _, err = keys("GET", "/" .. ci.id .. "/accessList/192.0.2.99")
        assert.equal(404, status)
        assert.equal("ACCESS_LIST_ENTRY_NOT_FOUND", err.errorCode)
        status, _, err = keys("DELETE", "/" .. ci.id .. "/accessList/nonsense")
        assert.equal(400, status)
        assert.equal("PATH_PARAM_PARSE_ERROR", err.errorCode)
        local entry = select(3, keys("GET", "/" .. ci.id .. "/accessList/10.20.0.0%2F16"))
        assert.equal(5120, entry.count)
      end)

      it("adds an entry the list has as a no-op, keeping its use", function()
        local ci = fixture_key("ci-deploy")
        local _, _, page = keys("POST", "/" .. ci.id .. "/accessList", { { ipAddress = "192.0.2.10" }, { ipAddress = "192.0.2.11" } })
        assert.equal(3, page.totalCount)
        assert.equal(311, page.results[2].count)
      end)
    end)
  end)

  describe("service accounts", function()
    local function create(body)
      return accounts("POST", "", body or { name = "ci runner", description = "CI's runner", roles = { "ORG_MEMBER" },
        secretExpiresAfterHours = 24 })
    end

    it("returns a created account's secret once, masks it later, and the secret gets tokens", function()
      local status, _, account = create()
      assert.equal(201, status)
      assert.matches("^mdb_sa_id_%x+$", account.clientId)
      assert.equal(34, #account.clientId)
      assert.same({ "ORG_MEMBER" }, account.roles)
      local secret = account.secrets[1]
      assert.matches("^mdb_sa_sk_", secret.secret)
      assert.equal("mdb_sa_sk_..." .. secret.secret:sub(-4), secret.maskedSecretValue)
      near(os.time() + 24 * 3600, epoch(secret.expiresAt), 5)
      local _, _, again = accounts("GET", "/" .. account.clientId)
      assert.is_nil(again.secrets[1].secret)
      assert.is_nil(again.secrets[1].lastUsedAt)
      assert.is_nil(cjson.encode(select(3, accounts("GET", ""))):find(secret.secret, 1, true))
      local tok
      status, _, tok = token(account.clientId, secret.secret)
      assert.equal(200, status)
      _, _, again = accounts("GET", "/" .. account.clientId)
      near(os.time(), epoch(again.secrets[1].lastUsedAt), 5)
      -- an ORG_MEMBER account lists API keys, not service accounts (Organization Read Only)
      assert.equal(200, (call(bearer(tok.access_token), "GET", KEYS)))
      assert.equal(401, (call(bearer(tok.access_token), "GET", ACCOUNTS, nil, V_ACCOUNTS)))
      -- deleted: no more tokens, and the one it has stops working
      assert.equal(204, (accounts("DELETE", "/" .. account.clientId)))
      assert.equal(401, (call(bearer(tok.access_token), "GET", KEYS)))
      assert.equal(401, (token(account.clientId, secret.secret)))
    end)

    it("creates a second secret, shown once, refuses a third, and deletes one", function()
      local _, _, account = create()
      local status, _, secret = accounts("POST", "/" .. account.clientId .. "/secrets", { secretExpiresAfterHours = 48 })
      assert.equal(201, status)
      assert.matches("^mdb_sa_sk_", secret.secret)
      assert.equal(200, (token(account.clientId, secret.secret)))
      local err
      status, _, err = accounts("POST", "/" .. account.clientId .. "/secrets", { secretExpiresAfterHours = 48 })
      assert.equal(400, status)
      assert.equal("MAX_SERVICE_ACCOUNT_SECRETS_EXCEEDED", err.errorCode)
      assert.equal(204, (accounts("DELETE", "/" .. account.clientId .. "/secrets/" .. secret.id)))
      assert.equal(401, (token(account.clientId, secret.secret)))
      status, _, err = accounts("DELETE", "/" .. account.clientId .. "/secrets/" .. secret.id)
      assert.equal(404, status)
      assert.equal("SERVICE_ACCOUNT_SECRET_NOT_FOUND", err.errorCode)
      local _, _, again = accounts("GET", "/" .. account.clientId)
      assert.equal(1, #again.secrets)
    end)

    it("updates name, description and org roles", function()
      local runner = fixture_account("terraform-runner")
      local status, _, account = accounts("PATCH", "/" .. runner.client_id, { name = "tf runner", roles = { "ORG_MEMBER" } })
      assert.equal(200, status)
      assert.equal("tf runner", account.name)
      assert.equal("Terraform runs from the platform pipeline", account.description)
      assert.same({ "ORG_MEMBER" }, account.roles)
      -- project roles are kept
      assert.equal(2, select(3, accounts("GET", "/" .. runner.client_id .. "/groups")).totalCount)
    end)

    local bad = {
      { "a missing name", { description = "d", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 8 }, "MISSING_ATTRIBUTE" },
      { "a missing expiry", { name = "n", description = "d", roles = { "ORG_MEMBER" } }, "MISSING_ATTRIBUTE" },
      { "too short an expiry", { name = "n", description = "d", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 1 },
        "INVALID_ATTRIBUTE" },
      { "a name with a slash", { name = "a/b", description = "d", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 8 },
        "INVALID_ATTRIBUTE" },
      { "a name too long", { name = string.rep("n", 65), description = "d", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 8 },
        "INVALID_ATTRIBUTE" },
      { "a project role", { name = "n", description = "d", roles = { "GROUP_OWNER" }, secretExpiresAfterHours = 8 },
        "INVALID_ROLE_FOR_ORG" },
      { "an unknown field", { name = "n", description = "d", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 8, x = 1 },
        "INVALID_JSON_ATTRIBUTE" },
    }
    for _, case in ipairs(bad) do
      it("answers " .. case[3] .. " for " .. case[1] .. ", creating nothing", function()
        local status, _, err = create(case[2])
        assert.equal(400, status)
        assert.equal(case[3], err.errorCode)
        assert.equal(3, select(3, accounts("GET", "")).totalCount)
      end)
    end

    it("answers 404 and 400 for unknown and malformed client ids, 406 for the API keys' version", function()
      local status, _, err = accounts("GET", "/mdb_sa_id_aaaaaaaaaaaaaaaaaaaaaaaa")
      assert.equal(404, status)
      assert.equal("SERVICE_ACCOUNT_NOT_FOUND", err.errorCode)
      status, _, err = accounts("GET", "/mdb_sa_id_123")
      assert.equal(400, status)
      assert.equal("PATH_PARAM_PARSE_ERROR", err.errorCode)
      status, _, err = call(OWNER, "GET", ACCOUNTS, nil, V_KEYS)
      assert.equal(406, status)
      assert.equal("INVALID_VERSION_DATE", err.errorCode)
    end)

    it("lets a read-only key read accounts but not change them", function()
      assert.equal(200, (accounts("GET", "", nil, VIEWER)))
      local status, _, err = accounts("POST", "", { name = "n", description = "d", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 8 },
        VIEWER)
      assert.equal(401, status)
      assert.equal("USER_UNAUTHORIZED", err.errorCode)
    end)

    it("keeps access lists with requestCount, and records the use of a bearer token", function()
      local _, _, account = create()
      local status, _, page = accounts("POST", "/" .. account.clientId .. "/accessList", { { ipAddress = "127.0.0.1" } })
      assert.equal(200, status)
      assert.equal(0, page.results[1].requestCount)
      near(os.time(), epoch(page.results[1].createdAt), 5)
      local _, _, tok = token(account.clientId, account.secrets[1].secret)
      assert.equal(200, (call(bearer(tok.access_token), "GET", KEYS)))
      local _, _, entries = accounts("GET", "/" .. account.clientId .. "/accessList")
      assert.equal(1, entries.results[1].requestCount)
      assert.equal("127.0.0.1", entries.results[1].lastUsedAddress)
      assert.equal(405, (accounts("GET", "/" .. account.clientId .. "/accessList/127.0.0.1")))
      assert.equal(204, (accounts("DELETE", "/" .. account.clientId .. "/accessList/127.0.0.1")))
      assert.equal(200, (accounts("POST", "/" .. account.clientId .. "/accessList", { { cidrBlock = "192.0.2.0/24" } })))
      local err
      status, _, err = call(bearer(tok.access_token), "GET", KEYS)
      assert.equal(403, status)
      assert.equal("IP_ADDRESS_NOT_ON_ACCESS_LIST", err.errorCode)
    end)

    describe("in a project", function()
      local PATH = "/api/atlas/v2/groups/" .. DEMO .. "/serviceAccounts"
      local function project(method, path, body, auth) return call(auth or OWNER, method, PATH .. (path or ""), body, V_ACCOUNTS) end

      it("assigns with :invite, lists, updates and unassigns", function()
        local runner = fixture_account("terraform-runner")
        local status, _, account = project("POST", "/" .. runner.client_id .. ":invite", { roles = { "GROUP_READ_ONLY" } })
        assert.equal(200, status)
        assert.same({ "GROUP_READ_ONLY" }, account.roles)
        assert.equal("terraform-runner", account.name)
        local err
        status, _, err = project("POST", "/" .. runner.client_id .. ":invite", { roles = { "GROUP_OWNER" } })
        assert.equal(400, status)
        assert.equal("SERVICE_ACCOUNT_ALREADY_IN_GROUP", err.errorCode)
        local _, _, page = project("GET", "")
        local ids = {}
        for _, a in ipairs(page.results) do ids[#ids + 1] = a.clientId end
        assert.same({ C.client_id, runner.client_id, fixture_account("metrics-exporter").client_id }, ids)
        _, _, account = project("PATCH", "/" .. runner.client_id, { roles = { "GROUP_CLUSTER_MANAGER" }, description = "tf" })
        assert.same({ "GROUP_CLUSTER_MANAGER" }, account.roles)
        assert.equal("tf", account.description)
        assert.same({ "GROUP_CLUSTER_MANAGER" }, select(3, project("GET", "/" .. runner.client_id)).roles)
        assert.equal(204, (project("DELETE", "/" .. runner.client_id)))
        status, _, err = project("GET", "/" .. runner.client_id)
        assert.equal(404, status)
        assert.equal("NOT_IN_GROUP", err.errorCode)
        -- still in the organization
        assert.equal(200, (accounts("GET", "/" .. runner.client_id)))
      end)

      it("needs Organization Owner to assign, a project role, and a known account", function()
        local runner = fixture_account("terraform-runner")
        local status, _, err = project("POST", "/" .. runner.client_id .. ":invite", { roles = { "GROUP_READ_ONLY" } }, VIEWER)
        assert.equal(401, status)
        assert.equal("USER_UNAUTHORIZED", err.errorCode)
        status, _, err = project("POST", "/" .. runner.client_id .. ":invite", { roles = { "ORG_MEMBER" } })
        assert.equal(400, status)
        assert.equal("INVALID_ROLE_FOR_GROUP", err.errorCode)
        status, _, err = project("POST", "/" .. runner.client_id .. ":invite", {})
        assert.equal(400, status)
        assert.equal("MISSING_ATTRIBUTE", err.errorCode)
        status, _, err = project("POST", "/mdb_sa_id_aaaaaaaaaaaaaaaaaaaaaaaa:invite", { roles = { "GROUP_READ_ONLY" } })
        assert.equal(404, status)
        assert.equal("SERVICE_ACCOUNT_NOT_FOUND", err.errorCode)
        assert.equal(2, select(3, accounts("GET", "/" .. runner.client_id .. "/groups")).totalCount) -- unchanged
      end)
    end)
  end)

  describe("requests and faults", function()
    it("counts the new routes per route and injects faults on them", function()
      local before = srv:stats()
      keys("GET", "")
      accounts("GET", "")
      local routes = srv:stats().routes
      assert.equal(2, routes["GET " .. KEYS]) -- the challenge and the answer
      assert.equal(2, routes["GET " .. ACCOUNTS])
      assert.equal(before.requests + 4, srv:stats().requests)
      srv:fault { status = 503, match = "/serviceAccounts", count = 1, body = "{}" }
      assert.equal(200, (keys("GET", "")))
      assert.equal(503, (accounts("GET", "")))
      assert.equal(200, (accounts("GET", "")))
      local log = srv:log()
      assert.equal(KEYS, log[2].url)
    end)
  end)

  describe("with another fixture", function()
    local other, path
    setup(function()
      local data = cjson.decode(cjson.encode(fixture))
      data.service_accounts[#data.service_accounts + 1] = { client_id = "mdb_sa_id_0000000000000000000000e1",
        client_secret = "mdb_sa_sk_expired0000000000000000000000000000", name = "old", roles = { [ORG] = "ORG_MEMBER" },
        secrets = { { expiresAt = "-1d" } } }
      data.service_accounts[#data.service_accounts + 1] = { client_id = "mdb_sa_id_0000000000000000000000e2",
        name = "mcp-egress", roles = { [ORG] = "ORG_MEMBER", [DEMO] = { "GROUP_READ_ONLY" } }, systemManaged = true }
      path = os.tmpname()
      local f = assert(io.open(path, "w"))
      f:write(cjson.encode(data))
      f:close()
      other = local_server.start { fixtures = path }
    end)
    teardown(function()
      other:stop()
      os.remove(path)
    end)

    it("refuses a token for an expired secret", function()
      local status, _, body = curl("-u " .. q("mdb_sa_id_0000000000000000000000e1:mdb_sa_sk_expired0000000000000000000000000000")
        .. " --data grant_type=client_credentials " .. q(other.url .. "/api/oauth/token"))
      assert.equal(401, status)
      assert.equal("invalid_client", body.error)
    end)

    it("lists system-managed accounts only when asked", function()
      local function count(p)
        local _, _, page = curl(OWNER .. "-H " .. q("Accept: " .. V_ACCOUNTS) .. " " .. q(other.url .. p))
        return page.totalCount
      end
      assert.equal(4, count(ACCOUNTS))
      assert.equal(5, count(ACCOUNTS .. "?includeSystemManaged=true"))
      assert.equal(2, count("/api/atlas/v2/groups/" .. DEMO .. "/serviceAccounts"))
      assert.equal(3, count("/api/atlas/v2/groups/" .. DEMO .. "/serviceAccounts?includeSystemManaged=true"))
    end)
  end)
end)
