-- Benchmark: update_invitation_by_id in a loop on one client against the
-- local Atlas server; reports calls per second and HTTP requests per call
-- (from the server's own counters).  Run through make bench (bench/run.sh).
local atlas = require "atlas_admin"
local cjson = require "cjson"

local url, n = arg[1], tonumber(arg[2] or "2000")
local GID, IID = "32b6e34b3d91647abb20e7b8", "602eb7429955214668d5b025"

local function stats()
  local p = assert(io.popen("curl -s " .. url .. "/__mock/stats"))
  local s = cjson.decode(p:read("*a"))
  p:close()
  return s
end

local function clock()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("*a"))
  p:close()
  return t
end

local function run(name, auth)
  local c = assert(atlas.client { auth = auth, base_url = url, on_warning = false })
  assert(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } })) -- warm-up: challenge or token
  local before, t0 = stats(), clock()
  for i = 1, n do
    local inv, err = c:update_invitation_by_id(GID, IID, { roles = { i % 2 == 0 and "GROUP_OWNER" or "GROUP_READ_ONLY" } })
    if not inv then error(tostring(err)) end
  end
  local t1, after = clock(), stats()
  c:close()
  print(string.format("%-28s %6d calls  %8.0f calls/s  %6.1f us/call  %.3f requests/call  %d challenges  %d token requests",
    name .. " (" .. (jit and jit.version or _VERSION) .. ")", n, n / (t1 - t0), (t1 - t0) / n * 1e6,
    (after.requests - before.requests) / n, after.challenges - before.challenges,
    after.token_requests - before.token_requests))
end

-- Keys come from the environment scripts/local-server.sh exports.
run("digest", assert(atlas.digest(os.getenv("MONGODB_ATLAS_PUBLIC_API_KEY"), os.getenv("MONGODB_ATLAS_PRIVATE_API_KEY"))))
run("service account", assert(atlas.service_account(os.getenv("ATLAS_LOCAL_CLIENT_ID"), os.getenv("ATLAS_LOCAL_CLIENT_SECRET"))))
