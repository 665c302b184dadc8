-- Offboards a person everywhere in one call: out of the organization (and
-- so every project and team) and every pending legacy project invitation
-- deleted; first as a dry run, then for real.  The report lists what they
-- held, to keep.
--   eval "$(scripts/local-server.sh start)"; lua5.4 examples/offboard.lua [username]
package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or ".") .. "/?.lua;" .. package.path
local common = require "common"

local username = arg[1] or "bob@example.com"
local client = common.client()

common.step("dry run", assert(client:offboard(common.org_id, username, { dry_run = true })))
local report, err = client:offboard(common.org_id, username)
if not report then
  common.step("stopped", err, err.report or "")
  os.exit(1)
end
common.step("done", report)
-- Again: they are nowhere now, which offboard reports as an error (kind
-- "not_found"): a misspelled username would look just the same.
local again, why = client:offboard(common.org_id, username)
common.step("again (nowhere now)", again or why)
client:close()
