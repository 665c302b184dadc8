-- Onboards a team in one batch: invites people concurrently (16 at a time
-- over libcurl's multi interface), with a progress line, then a summary and
-- every failure with its reason.  A bad row fails alone; the rest go in.
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/batch_update.lua [N]
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"
local roles = require "atlas_admin.roles"

local n = tonumber(arg[1] or "40")
local client = common.client()

local calls = {}
for i = 1, n do
  calls[i] = { "create_invitation", common.group_id,
    { username = string.format("teammate%03d@example.com", i), roles = roles.DATA_READ_WRITE } }
end
calls[#calls + 1] = { "create_invitation", common.group_id, { username = "typo@example.com", roles = { "GROUP_REED_ONLY" } } }

local results, summary = client:batch(calls, {
  concurrency = 16,
  progress = function(done, total) io.write(string.format("\r   %d/%d", done, total)) io.flush() end,
})
print()
common.step(string.format("%d invitations: %d sent, %d failed (%d invalid, caught before any request) in %.2f s",
  summary.total, summary.succeeded, summary.failed, summary.invalid, summary.elapsed))
for _, r in ipairs(results) do
  if not r.ok then common.step("call " .. r.index .. " failed", r.err) end
end
print(results[1].value)
client:close()
