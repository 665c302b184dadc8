-- Benchmark (make bench): 1,000 invitation updates against the local Atlas
-- server with 20 ms added to every API answer, first as a loop of single
-- calls, then as one client:batch with concurrency = 16; calls/s and HTTP
-- requests per call from the server's own counters; the same changes
-- through `atlas-admin ... --from-file`; then the peak RSS of this process
-- across a batch of 10,000 calls.
--   lua5.4 bench/batch.lua URL [N] [BIG]     (bench/run.sh runs it)
local atlas = require "atlas_admin"
local cjson = require "cjson"
local core = require "atlas_admin.core"

local url, n, big = arg[1], tonumber(arg[2] or "1000"), tonumber(arg[3] or "10000")
local GID = "32b6e34b3d91647abb20e7b8"
local LATENCY_MS = 20

local function control(method, path, body)
  local cmd = "curl -s -X " .. method .. " "
  if body then cmd = cmd .. "-H 'Content-Type: application/json' --data '" .. body .. "' " end
  local p = assert(io.popen(cmd .. url .. path))
  local out = p:read("*a")
  p:close()
  return cjson.decode(out)
end

local function peak_rss_kib()
  for line in io.lines("/proc/self/status") do
    local v = line:match("^VmHWM:%s*(%d+)")
    if v then return tonumber(v) end
  end
end

local client = assert(atlas.client { auth = assert(atlas.digest(os.getenv("MONGODB_ATLAS_PUBLIC_API_KEY"),
  os.getenv("MONGODB_ATLAS_PRIVATE_API_KEY"))), base_url = url, on_warning = false })

-- n pending invitations to update (created without latency, in a batch)
control("POST", "/__mock/reset")
control("POST", "/__mock/latency", '{"ms":0}')
local creates = {}
for i = 1, n do
  creates[i] = { "create_invitation", GID, { username = string.format("bench%05d@example.com", i),
    roles = { "GROUP_READ_ONLY" } } }
end
local created, summary = assert(client:batch(creates, { concurrency = 16 }))
assert(summary.succeeded == n, "creating the invitations failed: " .. tostring(summary.failed))
local ids = {}
for i, r in ipairs(created) do ids[i] = r.value.id end

local function update(i, round)
  return { "update_invitation_by_id", GID, ids[i], { roles = { round % 2 == 0 and "GROUP_OWNER" or "GROUP_CLUSTER_MANAGER" } } }
end

local function report(name, calls, seconds, requests, extra)
  print(string.format("%-34s %6d calls  %8.1f calls/s  %7.3f s  %.3f requests/call%s", name, calls, calls / seconds,
    seconds, requests / calls, extra or ""))
end

control("POST", "/__mock/latency", string.format('{"ms":%d}', LATENCY_MS))
assert(client:get_invitation(GID, ids[1])) -- the handshake of the client's own handle, outside both runs

-- 1. a loop of single calls
local before, t0 = control("GET", "/__mock/stats"), core.monotonic()
for i = 1, n do
  local call = update(i, 1)
  local inv, err = client:update_invitation_by_id(call[2], call[3], call[4])
  if not inv then error(tostring(err)) end
end
local seq_s, after = core.monotonic() - t0, control("GET", "/__mock/stats")
report("loop of single calls (" .. LATENCY_MS .. " ms)", n, seq_s, after.requests - before.requests)

-- 2. one batch, concurrency 16, on a new client: its 16 slots each do their
-- digest handshake inside the measurement (16 of the requests counted)
client:close()
client = assert(atlas.client { auth = assert(atlas.digest(os.getenv("MONGODB_ATLAS_PUBLIC_API_KEY"),
  os.getenv("MONGODB_ATLAS_PRIVATE_API_KEY"))), base_url = url, on_warning = false })
local calls = {}
for i = 1, n do calls[i] = update(i, 2) end
before, t0 = control("GET", "/__mock/stats"), core.monotonic()
local results
results, summary = client:batch(calls, { concurrency = 16 })
local batch_s = core.monotonic() - t0
after = control("GET", "/__mock/stats")
assert(summary.succeeded == n, "batch failures: " .. summary.failed)
for i, r in ipairs(results) do assert(r.value.id == ids[i]) end
report("batch, concurrency 16 (" .. LATENCY_MS .. " ms)", n, batch_s, after.requests - before.requests,
  string.format("  speed-up %.1fx", seq_s / batch_s))

-- 3. the same n changes through the command line, from a CSV file
local csv_path = os.tmpname()
local csv = assert(io.open(csv_path, "w"))
csv:write("id,roles\n")
for i = 1, n do csv:write(ids[i], ",GROUP_READ_ONLY;GROUP_DATA_ACCESS_READ_ONLY\n") end
csv:close()
local vm = jit and "luajit" or "lua5.4"
before, t0 = control("GET", "/__mock/stats"), core.monotonic()
local ok = os.execute(vm .. " bin/atlas-admin invitations update --project " .. GID .. " --from-file " .. csv_path
  .. " --concurrency 16 -o json >/dev/null 2>&1")
local cli_s = core.monotonic() - t0
after = control("GET", "/__mock/stats")
os.remove(csv_path)
assert(ok == true or ok == 0, "atlas-admin --from-file failed")
report("atlas-admin --from-file (" .. LATENCY_MS .. " ms)", n, cli_s, after.requests - before.requests,
  "  (one process: start-up, read, 16 handshakes included)")

-- 4. peak RSS across a batch of `big` calls (reads, so the server state stays small)
collectgarbage()
local rss_before = peak_rss_kib()
local reads = {}
for i = 1, big do reads[i] = { "get_invitation", GID, ids[(i - 1) % n + 1] } end
before, t0 = control("GET", "/__mock/stats"), core.monotonic()
summary = select(2, client:batch(reads, { concurrency = 16 }))
local big_s = core.monotonic() - t0
after = control("GET", "/__mock/stats")
assert(summary.succeeded == big, "batch failures: " .. summary.failed)
report("batch of " .. big .. ", concurrency 16", big, big_s, after.requests - before.requests,
  string.format("  peak RSS %d KiB (%d KiB before the batch)", peak_rss_kib(), rss_before))

client:close()
control("POST", "/__mock/latency", '{"ms":0}')
control("POST", "/__mock/reset")
