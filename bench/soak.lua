-- make soak: N calls (100,000 by default) on one client against the local
-- server, with a fault armed before 1 call in 100 (a 503, a 429 with
-- Retry-After: 0, a connection dropped before the status line, an answer
-- lost after the write).  Samples RSS and open file descriptors after
-- warm-up and at the end, and accounts for every call.
local atlas = require "atlas_admin"
local cjson = require "cjson"

local url, n = arg[1], tonumber(arg[2] or "100000")
local GID, IID = "32b6e34b3d91647abb20e7b8", "602eb7429955214668d5b025"
local ROLES = { { "GROUP_OWNER" }, { "GROUP_READ_ONLY" }, { "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY" } }

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

local function control(method, path, body)
  return sh("curl -s -X " .. method .. (body and (" -H 'Content-Type: application/json' --data '" .. body .. "'") or "")
    .. " " .. url .. path)
end

local pid = assert(io.open("/proc/self/stat")):read("*l"):match("^(%d+)")
local function rss_kib()
  for line in io.lines("/proc/" .. pid .. "/status") do
    local v = line:match("^VmRSS:%s+(%d+)")
    if v then return tonumber(v) end
  end
end
local function open_fds() return tonumber(sh("ls /proc/" .. pid .. "/fd | wc -l")) end

local FAULTS = {
  '{"status":503,"count":1}',
  '{"status":429,"count":1,"headers":{"Retry-After":"0"},"content_type":"application/json",'
    .. '"body":"{\\"error\\":429,\\"errorCode\\":\\"RATE_LIMITED\\"}"}',
  '{"action":"drop_before_status","count":2,"match":"PATCH"}',
  '{"action":"drop_after_handling","count":1,"match":"PATCH"}',
}

local retries = 0
local client = assert(atlas.client { auth = assert(atlas.digest(os.getenv("MONGODB_ATLAS_PUBLIC_API_KEY"),
  os.getenv("MONGODB_ATLAS_PRIVATE_API_KEY"))), base_url = url, on_warning = false,
  retry_base = 0.001, retry_max_wait = 0.01, on_retry = function() retries = retries + 1 end })

local ok_calls, failed, lost = 0, 0, 0
local warm_rss, warm_fds
-- Memory and descriptors are measured after a warm-up (5,000 calls, or half
-- of a shorter run) so pools, caches and the allocator have settled.
local WARM_UP = math.min(5000, n // 2)
local t0 = os.time()
for i = 1, n do
  if i % 100 == 0 then control("POST", "/__mock/fault", FAULTS[(i / 100) % #FAULTS + 1]) end
  local roles = ROLES[i % #ROLES + 1]
  local inv, err = client:update_invitation_by_id(GID, IID, { roles = roles })
  if inv then
    ok_calls = ok_calls + 1
    if #inv.roles ~= #roles then lost = lost + 1 end
  else
    failed = failed + 1
    io.stderr:write("call ", i, " failed: ", tostring(err), "\n")
  end
  if i == WARM_UP then
    collectgarbage()
    warm_rss, warm_fds = rss_kib(), open_fds()
  end
end
collectgarbage()
local end_rss, end_fds = rss_kib(), open_fds()
local stats = cjson.decode(control("GET", "/__mock/stats"))
client:close()
print(string.format("soak: %d calls in %d s: %d ok, %d failed, %d wrong results; %d retries; %d requests at the server",
  n, os.time() - t0, ok_calls, failed, lost, retries, stats.requests))
print(string.format("soak: RSS %d KiB after warm-up (%d calls), %d KiB at the end: growth %d KiB; open fds %d -> %d",
  warm_rss, WARM_UP, end_rss, end_rss - warm_rss, warm_fds, end_fds))
local good = ok_calls + failed == n and failed == 0 and lost == 0 and end_rss - warm_rss < 1024 and end_fds <= warm_fds
print(good and "soak: PASS" or "soak: FAIL")
os.exit(good and 0 or 1)
