-- offboard of a username that is nowhere in the organization says so
-- (issue 23, point 12): a typo is the likely cause, so it is an error
-- (kind "not_found", the CLI exits 1) naming close usernames, never a
-- quiet "nothing to remove"; and nothing is written.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local ORG = C.org_id
local N_PROJECTS = 5 -- the org's projects in the fixture
local ORG_USER_PAGES = 2 -- its users of every status, 100 a page
local VM = jit and "luajit" or "lua5.4"

describe("offboard of someone who is nowhere", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    assert(client:get_team(ORG, C.teams.dba.id)) -- the digest handshake
  end)
  after_each(function() client:close() end)

  local function no_writes()
    for _, e in ipairs(srv:log()) do assert.equal("GET", e.method, e.url) end
  end

  it("is an error of kind not_found that suggests the close usernames (a typo)", function()
    local n, report, err = srv:count(function() return client:offboard(ORG, "bob@exmple.com") end)
    assert.is_nil(report)
    assert.equal("not_found", err.kind)
    assert.equal("username", err.field)
    assert.equal("offboard", err.operation)
    assert.matches("bob@exmple.com is nowhere in organization " .. ORG, err.message, 1, true)
    assert.matches("no pending legacy invitation in its " .. N_PROJECTS .. " projects", err.message, 1, true)
    assert.matches("did you mean bob@example.com?", err.message, 1, true)
    assert.same({ "bob@example.com" }, err.suggestions)
    -- the person, the projects, each project's invitations, then the org's usernames for the suggestion
    assert.equal(1 + 1 + N_PROJECTS + ORG_USER_PAGES, n)
    no_writes()
  end)

  it("without a close username, says to check the spelling", function()
    local report, err = client:offboard(ORG, "zz.nobody.at.all@elsewhere.example")
    assert.is_nil(report)
    assert.equal("not_found", err.kind)
    assert.matches("(check the spelling)", err.message, 1, true)
    assert.same({}, err.suggestions)
    no_writes()
  end)

  it("in a dry run too", function()
    local report, err = client:offboard(ORG, "bob@exmple.com", { dry_run = true })
    assert.is_nil(report)
    assert.equal("not_found", err.kind)
  end)

  it("and the second offboard of someone already gone", function()
    assert(client:offboard(ORG, "bob@example.com"))
    local report, err = client:offboard(ORG, "bob@example.com")
    assert.is_nil(report)
    assert.equal("not_found", err.kind)
    assert.matches("bob@example.com is nowhere", err.message, 1, true)
  end)

  it("at the command line: exit 1, the reason and the suggestion on stderr", function()
    local err_file = os.tmpname()
    local p = assert(io.popen(srv:lua_env() .. " " .. VM .. " bin/atlas-admin offboard --org " .. ORG
      .. " --username bob@exmple.com 2>" .. err_file .. "; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    local f = assert(io.open(err_file, "rb"))
    local err = f:read("*a")
    f:close()
    os.remove(err_file)
    assert.equal("1", out:match("exit=(%d+)"))
    assert.matches("bob@exmple.com is nowhere in organization", err, 1, true)
    assert.matches("did you mean bob@example.com?", err, 1, true)
    no_writes()
  end)
end)
