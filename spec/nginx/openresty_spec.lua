-- The OpenResty path with a real nginx (Debian's, with its Lua module):
-- the example app with each auth kind against the local server, proof
-- that a call does not block the worker, the token shared across workers,
-- and a clean error log.
local cjson = require "cjson"
local local_server = require "local_server"
local nginx = require "nginx"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local PATH = "/projects/" .. GID .. "/invitations/" .. IID

local function clean(log)
  for line in log:gmatch("[^\n]+") do
    assert.is_nil(line:match("%[emerg%]") or line:match("%[alert%]") or line:match("%[crit%]") or line:match("%[error%]"),
      line)
  end
end

-- n PATCH requests at once (curl --parallel); returns how many answered 200.
-- Each request is its own option group (--next): repeated --data options
-- would be joined into one body.
local function parallel_patches(app, n, max)
  local groups = {}
  for i = 1, n do
    groups[i] = "-s -o /dev/null -w '%{http_code}\\n' -X PATCH --data '{\"roles\":[\"GROUP_OWNER\"]}' " .. app.url .. PATH
  end
  -- --parallel-immediate: without it curl sends the first request alone and holds the others
  -- until it knows whether that connection can multiplex them (it cannot: HTTP/1.1).
  local codes = nginx.sh("curl --no-progress-meter --parallel --parallel-immediate --parallel-max " .. max .. " "
    .. table.concat(groups, " --next "))
  local ok = 0
  for code in codes:gmatch("%d+") do if code == "200" then ok = ok + 1 end end
  return ok
end

describe("OpenResty example app", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  local function digest_env()
    return { MONGODB_ATLAS_BASE_URL = srv.url, MONGODB_ATLAS_PUBLIC_API_KEY = C.public_key,
      MONGODB_ATLAS_PRIVATE_API_KEY = C.private_key }
  end

  it("serves /healthz without touching Atlas, and updates with API keys (digest): one challenge, then nonce reuse", function()
    local app = nginx.start { env = digest_env() }
    finally(function() app:stop() end)
    assert.equal(0, srv:stats().requests)
    local status, inv = app:request("PATCH", PATH, '{"roles":["GROUP_OWNER","GROUP_READ_ONLY"]}')
    assert.equal(200, status)
    assert.equal(IID, inv.id)
    assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, inv.roles)
    local before = srv:stats()
    for _ = 1, 5 do assert.equal(200, (app:request("PATCH", PATH, '{"roles":["GROUP_OWNER"]}'))) end
    local after = srv:stats()
    assert.equal(5, after.requests - before.requests) -- one round trip per call
    assert.equal(0, after.challenges - before.challenges)
    -- errors: validation (400, nothing sent), Atlas's own (status and errorCode), transport (502)
    local n = srv:stats().requests
    local s1, e1 = app:request("PATCH", PATH, '{"roles":["GROUP_OWNR"]}')
    assert.equal(400, s1)
    assert.equal("validation", e1.kind)
    assert.matches("did you mean GROUP_OWNER", e1.message)
    assert.equal(n, srv:stats().requests)
    local s2, e2 = app:request("PATCH", "/projects/" .. GID .. "/invitations/aaaaaaaaaaaaaaaaaaaaaaaa", '{"roles":["GROUP_OWNER"]}')
    assert.equal(404, s2)
    assert.equal("RESOURCE_NOT_FOUND", e2.errorCode)
    clean(app:stop())
  end)

  it("updates with a bearer token and with a service account", function()
    local token = cjson.decode(nginx.sh("curl -s -u " .. C.client_id .. ":" .. C.client_secret
      .. " -d grant_type=client_credentials " .. srv.url .. "/api/oauth/token")).access_token
    local app = nginx.start { env = { MONGODB_ATLAS_BASE_URL = srv.url, MONGODB_ATLAS_ACCESS_TOKEN = token } }
    finally(function() app:stop() end)
    assert.equal(200, (app:request("PATCH", PATH, '{"roles":["GROUP_OWNER"]}')))
    clean(app:stop())
    srv:reset()
    app = nginx.start { env = { MONGODB_ATLAS_BASE_URL = srv.url, MONGODB_ATLAS_CLIENT_ID = C.client_id,
      MONGODB_ATLAS_CLIENT_SECRET = C.client_secret } }
    local sa_app = app
    finally(function() sa_app:stop() end)
    for _ = 1, 3 do assert.equal(200, (app:request("PATCH", PATH, '{"roles":["GROUP_READ_ONLY"]}'))) end
    assert.equal(1, srv:stats().token_requests)
    local log = app:stop()
    clean(log)
    assert.not_matches(C.client_secret, log, 1, true)
  end)

  it("answers 502 with a transport error when Atlas cannot be reached", function()
    local app = nginx.start { env = { MONGODB_ATLAS_BASE_URL = "http://127.0.0.1:9",
      MONGODB_ATLAS_PUBLIC_API_KEY = C.public_key, MONGODB_ATLAS_PRIVATE_API_KEY = C.private_key } }
    finally(function() app:stop() end)
    local status, err = app:request("PATCH", PATH, '{"roles":["GROUP_OWNER"]}')
    assert.equal(502, status)
    assert.equal("transport", err.kind)
    -- nginx itself logs a cosocket's failed connect at [error]; nothing else may be there
    local other = app:stop():gsub("[^\n]*connect%(%) failed %(111: Connection refused%)[^\n]*\n?", "")
    clean(other)
  end)

  it("does not block the worker: /healthz sent while an update waits on Atlas completes first", function()
    srv:control("POST", "/__mock/latency", '{"ms": 500}')
    local app = nginx.start { env = digest_env(), workers = 1 }
    finally(function() app:stop() end)
    local order = os.tmpname()
    local patch = "curl -s -o /dev/null -X PATCH --data '{\"roles\":[\"GROUP_OWNER\"]}' " .. app.url .. PATH
      .. " && echo patch >> " .. order
    local health = "curl -s -o /dev/null " .. app.url .. "/healthz && echo healthz >> " .. order
    nginx.run("(" .. patch .. ") & sleep 0.15; " .. health .. "; wait")
    local f = assert(io.open(order))
    local lines = f:read("*a")
    f:close()
    os.remove(order)
    assert.equal("healthz\npatch\n", lines)
    clean(app:stop())
  end)

  it("runs 16 concurrent updates on one worker at once (the server sees all 16 in flight)", function()
    srv:control("POST", "/__mock/latency", '{"ms": 500}')
    local app = nginx.start { env = digest_env(), workers = 1 }
    finally(function() app:stop() end)
    assert.equal(200, (app:request("PATCH", PATH, '{"roles":["GROUP_OWNER"]}'))) -- the digest handshake
    local ok = parallel_patches(app, 16, 16)
    assert.equal(16, ok)
    -- a worker blocked by each call would show 1 here; all 16 arrive within the 500 ms latency
    assert.equal(16, srv:stats().peak_in_flight)
    clean(app:stop())
  end)

  it("gives each concurrent call a digest state of its own: 16 concurrent updates cost 16 requests, no replay challenge",
    function()
    -- Concurrent requests reach the server's digest check in any order (a random 0..200 ms on top of
    -- 300 ms), and the server wants nc strictly increasing per nonce: calls sharing one nonce draw
    -- replay challenges (about 12 of 16), calls that each hold their own nonce draw none.
    srv:latency(300, 200)
    local app = nginx.start { env = digest_env(), workers = 1 }
    finally(function() app:stop() end)
    assert.equal(200, (app:request("PATCH", PATH, '{"roles":["GROUP_OWNER"]}'))) -- warm-up: the first handshake
    local function round()
      local before = srv:stats()
      local ok = parallel_patches(app, 16, 16)
      local after = srv:stats()
      return ok, after.requests - before.requests, after.challenges - before.challenges,
        after.connections - before.connections
    end
    -- the first 16 at once: the warm-up's connection and 15 new ones, each new one handshakes once
    local ok, requests, challenges, connections = round()
    assert.equal(16, ok)
    assert.is_true(challenges <= connections, challenges .. " challenges for " .. connections .. " new connections")
    assert.equal(16 + challenges, requests) -- one authenticated request per call
    -- again: every call finds a nonce of its own, so one request each and not one challenge
    ok, requests, challenges = round()
    assert.equal(16, ok)
    assert.equal(0, challenges)
    assert.equal(16, requests)
    assert.equal(16, srv:stats().peak_in_flight)
    clean(app:stop())
  end)

  it("runs a batch on light threads over cosockets: in order, concurrently, without blocking the worker", function()
    -- 16 invitations to update, each to its own roles
    local ids, rows = {}, {}
    for i = 1, 16 do
      local inv = assert(cjson.decode(nginx.sh("curl -s --digest -u " .. C.public_key .. ":" .. C.private_key
        .. " -H 'Accept: application/vnd.atlas.2023-01-01+json' -H 'Content-Type: application/vnd.atlas.2023-01-01+json'"
        .. " --data '{\"username\":\"b" .. i .. "@example.com\",\"roles\":[\"GROUP_READ_ONLY\"]}' "
        .. srv.url .. "/api/atlas/v2/groups/" .. GID .. "/invites")))
      ids[i] = inv.id
      rows[i] = { id = inv.id, roles = { i % 2 == 0 and "GROUP_OWNER" or "GROUP_CLUSTER_MANAGER" } }
    end
    rows[17] = { id = "not-an-id", roles = { "GROUP_OWNER" } } -- invalid: reported, the rest still run
    srv:control("POST", "/__mock/latency", '{"ms": 500}')
    local app = nginx.start { env = digest_env(), workers = 1 }
    finally(function() app:stop() end)
    local out, order = os.tmpname(), os.tmpname()
    local batch = "curl -s -o " .. out .. " -X POST --data-binary " .. nginx.q(cjson.encode(rows)) .. " "
      .. app.url .. "/projects/" .. GID .. "/invitations && echo batch >> " .. order
    local health = "curl -s -o /dev/null " .. app.url .. "/healthz && echo healthz >> " .. order
    nginx.run("(" .. batch .. ") & sleep 0.2; " .. health .. "; wait")
    local f = assert(io.open(order))
    assert.equal("healthz\nbatch\n", f:read("*a")) -- the worker kept serving during the batch
    f:close()
    f = assert(io.open(out))
    local answer = assert(cjson.decode(f:read("*a")))
    f:close()
    os.remove(out)
    os.remove(order)
    assert.equal(17, #answer.results)
    for i = 1, 16 do
      assert.is_true(answer.results[i].ok, cjson.encode(answer.results[i]))
      assert.equal(ids[i], answer.results[i].invitation.id)
      assert.same(rows[i].roles, answer.results[i].invitation.roles)
    end
    assert.equal("validation", answer.results[17].error.kind)
    assert.same({ 17, 16, 1, 1 }, { answer.summary.total, answer.summary.succeeded, answer.summary.failed,
      answer.summary.invalid })
    -- 16 slots, all in flight at once (their digest handshakes too): not one call after another
    assert.equal(16, srv:stats().peak_in_flight)
    clean(app:stop())
  end)

  it("shares one service-account token across several workers", function()
    local app = nginx.start { workers = 4, env = { MONGODB_ATLAS_BASE_URL = srv.url,
      MONGODB_ATLAS_CLIENT_ID = C.client_id, MONGODB_ATLAS_CLIENT_SECRET = C.client_secret } }
    finally(function() app:stop() end)
    assert.equal(40, parallel_patches(app, 40, 20))
    assert.equal(1, srv:stats().token_requests)
    clean(app:stop())
  end)
end)
