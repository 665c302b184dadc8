-- The HTML review in a real browser: Debian's chromium, headless, opens
-- the file from disk with the network off (its own network namespace when
-- it can have one, and no proxy or DNS either way) and the page's
-- #selftest runs: sorting reorders the rows, a filter hides rows, one
-- matrix row per identity, no error, nothing fetched.  Chromium prints
-- every console message on stderr (--enable-logging): there must be none.
-- Skipped only when chromium is missing outside CI; in CI it must run
-- (scripts/deps.sh installs it).
local atlas = require "atlas_admin"
local local_server = require "local_server"
local build = require "atlas_admin.model.build"
local review_mod = require "atlas_admin.review"
local rtime = require "atlas_admin.review.time"
local cjson = require "cjson.safe"

local C = local_server.credentials

local function shell(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

local CHROMIUM = shell("command -v chromium 2>/dev/null"):match("%S+")
local IN_CI = (os.getenv("CI") or "") ~= ""

-- The DOM after load (--dump-dom) and chromium's stderr.
local function open_in_chromium(html)
  local file = os.tmpname() .. ".html"
  local f = assert(io.open(file, "wb"))
  f:write(html)
  f:close()
  local err_file = os.tmpname()
  local netns = os.execute("unshare -n true 2>/dev/null")
  local prefix = (netns == true or netns == 0) and "unshare -n " or ""
  local dom = shell("env -u LD_PRELOAD " .. prefix .. CHROMIUM .. " --headless --no-sandbox --disable-gpu "
    .. "--no-first-run --disable-extensions --disable-background-networking --proxy-server=http://127.0.0.1:9 "
    .. "--host-resolver-rules='MAP * ~NOTFOUND' --enable-logging=stderr --v=0 --user-data-dir=" .. err_file .. ".profile "
    .. "--dump-dom 'file://" .. file .. "#selftest' 2>" .. err_file)
  local ef = io.open(err_file, "rb")
  local stderr = ef and ef:read("*a") or ""
  if ef then ef:close() end
  os.remove(file)
  os.remove(err_file)
  os.execute("rm -rf " .. err_file .. ".profile")
  local result = dom:match('<pre id="selftest%-result">(.-)</pre>')
  return result and cjson.decode((result:gsub("&quot;", '"'):gsub("&lt;", "<"):gsub("&gt;", ">"):gsub("&amp;", "&"))),
    stderr, dom
end

describe("the HTML review in chromium", function()
  if not CHROMIUM then
    if IN_CI then
      it("needs chromium in CI (scripts/deps.sh installs it)", function() error("chromium is not installed") end)
    else
      pending("chromium is not installed (scripts/deps.sh installs it); the browser test is skipped outside CI")
    end
    return
  end

  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  it("runs its script from disk: sorts, filters, one row per identity, no error, nothing fetched", function()
    local client = assert(atlas.client { base_url = srv.url, auth = atlas.digest(C.public_key, C.private_key),
      on_warning = false })
    local review = assert(client:access_review(C.org_id))
    client:close()
    local result, stderr, dom = open_in_chromium(review_mod.render(review, "html"))
    assert.is_table(result, "the page's self-check did not run:\n" .. stderr .. "\n" .. dom:sub(1, 2000))
    assert.is_true(result.ran)
    assert.equal(#review.identities, result.rows)
    assert.equal(#review.identities, result.identities)
    assert.is_true(result.sort_changed_order)
    assert.is_true(result.sorted_ascending)
    assert.is_true(result.sorted_descending)
    assert.equal(review.summary.by_kind.team, result.team_rows)
    assert.equal(result.team_rows, result.visible_after_kind_filter) -- the filter hid every other row
    local flagged = 0
    for _, identity in ipairs(review.identities) do
      if #identity.findings > 0 then flagged = flagged + 1 end
    end
    assert.equal(flagged, result.visible_with_findings)
    assert.is_true(flagged > 0 and flagged < #review.identities)
    assert.equal(#review.identities, result.visible_after_reset)
    assert.equal(0, result.resources)
    assert.same({}, result.errors)
    assert.equal(1, result.scripts)
    assert.is_nil(stderr:find("CONSOLE", 1, true), stderr:match("[^\n]*CONSOLE[^\n]*"))
  end)

  it("hostile names stay text in the browser", function()
    local G = "64f1a2b3c4d5e6f708192a3b"
    local users = { { id = "6a0000000000000000000001", username = "x<script>document.title='pwned'</script>@example.com",
      orgMembershipStatus = "ACTIVE", lastAuth = "2026-05-01T00:00:00Z",
      roles = { orgRoles = { "ORG_OWNER" }, groupRoleAssignments = {} }, teamIds = {} } }
    local model = build.build("4888442a3354817a7320eb61", users,
      { { id = "6b0c0ffee0c0ffee0c0ffe01", name = "<img src=x onerror=\"document.title='pwned'\">" } },
      { { id = G, name = "\"><svg onload=alert(1)>" } }, { [G] = {} }, { [G] = {} })
    local review = review_mod.build(model, assert(review_mod.settings()), rtime.epoch("2026-06-01T00:00:00Z"))
    local result, stderr, dom = open_in_chromium(review_mod.render(review, "html"))
    assert.is_table(result, stderr)
    assert.equal(1, result.scripts)
    assert.same({}, result.errors)
    assert.equal(2, result.rows)
    assert.is_nil(dom:find("<title>pwned", 1, true))
    assert.is_nil(dom:find("<svg", 1, true))
    assert.is_nil(dom:find("<img", 1, true))
    assert.is_nil(stderr:find("CONSOLE", 1, true), stderr:match("[^\n]*CONSOLE[^\n]*"))
  end)
end)
