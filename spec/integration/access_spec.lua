-- set_project_roles, project_access and remove_project_access across the
-- two worlds (Cloud users and legacy invitations), before and after the
-- sunset, with exact request counts and the order of writes at the server.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local GID = C.group_id
local ALICE, CAROL = C.users["alice@example.com"], C.users["carol@example.com"]


-- The writes the server saw (method, url tail, status), in order.
local function writes(srv)
  local out = {}
  for _, e in ipairs(srv:log()) do
    if e.method ~= "GET" and e.status ~= 401 then
      out[#out + 1] = { e.method, e.url:match("/groups/%x+(/.*)$"), e.status, e.body }
    end
  end
  return out
end

local function stored_user(srv, username)
  for _, u in ipairs(srv:state(GID).users) do
    if u.username == username then return u end
  end
end

describe("set_project_roles", function()
  local srv, client, warnings
  local function new_client(opts)
    opts = opts or {}
    opts.auth = assert(atlas.digest(C.public_key, C.private_key))
    opts.base_url = srv.url
    opts.on_warning = opts.on_warning or function(m) warnings[#warnings + 1] = m end
    local c = assert(atlas.client(opts))
    assert(c:get_project_user(GID, ALICE.id)) -- digest handshake: counts below are steady state
    return c
  end
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    warnings = {}
    client = new_client()
  end)
  after_each(function() client:close() end)

  it("writes nothing for a Cloud user who already holds exactly the roles: 1 request", function()
    local n, access, changed, plan = srv:count(function()
      return client:set_project_roles(GID, "alice@example.com", { "GROUP_DATA_ACCESS_READ_ONLY", "GROUP_READ_ONLY" })
    end)
    assert.equal(1, n)
    assert.is_false(changed)
    assert.same({}, plan)
    assert.equal("user", access.kind)
    assert.equal(ALICE.id, access.id)
    assert.equal("ACTIVE", access.status)
  end)

  it("adds before it removes, one request per role: 1 + k requests", function()
    local n, access, changed, plan = srv:count(function()
      return client:set_project_roles(GID, "Alice@Example.com", { "GROUP_OWNER" })
    end)
    assert.equal(1 + 3, n)
    assert.is_true(changed)
    assert.same({ "GROUP_OWNER" }, access.roles)
    assert.same({
      { operation = "add_project_user_role", groupId = GID, userId = ALICE.id, role = "GROUP_OWNER",
        username = ALICE.username },
      { operation = "remove_project_user_role", groupId = GID, userId = ALICE.id, role = "GROUP_READ_ONLY",
        username = ALICE.username },
      { operation = "remove_project_user_role", groupId = GID, userId = ALICE.id, role = "GROUP_DATA_ACCESS_READ_ONLY",
        username = ALICE.username },
    }, plan)
    -- the plan prints one line per write
    assert.equal("3 writes\n  1. add_project_user_role alice@example.com GROUP_OWNER in project " .. GID
      .. "\n  2. remove_project_user_role alice@example.com GROUP_READ_ONLY in project " .. GID
      .. "\n  3. remove_project_user_role alice@example.com GROUP_DATA_ACCESS_READ_ONLY in project " .. GID,
      tostring(plan))
    local w = writes(srv)
    assert.equal(3, #w)
    assert.matches(":addRole$", w[1][2])
    assert.matches(":removeRole$", w[2][2])
    assert.same({ "GROUP_OWNER" }, stored_user(srv, "alice@example.com").roles)
  end)

  it("never leaves a user with zero roles: a one-role user gets a different role", function()
    local access = assert(client:set_project_roles(GID, "carol@example.com", { "GROUP_CLUSTER_MANAGER" }))
    assert.same({ "GROUP_CLUSTER_MANAGER" }, access.roles)
    assert.equal("PENDING", access.status)
    assert.is_string(access.expires_at)
    -- the server refuses to remove a last role (400 CANNOT_REMOVE_LAST_ROLE); no write failed
    for _, w in ipairs(writes(srv)) do assert.equal(200, w[3]) end
    assert.same({ "GROUP_CLUSTER_MANAGER" }, stored_user(srv, "carol@example.com").roles)
    -- and the rule is real: removing first is refused at the server
    local _, err = client:remove_project_user_role(GID, CAROL.id, "GROUP_CLUSTER_MANAGER")
    assert.equal(400, err.status)
    assert.equal("CANNOT_REMOVE_LAST_ROLE", err.errorCode)
  end)

  it("PATCHes a pending legacy invitation with the whole set: 3 requests", function()
    local n, access, changed, plan = srv:count(function()
      return client:set_project_roles(GID, C.username, { "GROUP_OWNER", "GROUP_READ_ONLY" })
    end)
    assert.equal(3, n)
    assert.is_true(changed)
    assert.equal("invitation", access.kind)
    assert.equal(C.invitation_id, access.id)
    assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, access.roles)
    assert.equal("update_invitation_by_id", plan[1].operation)
    assert.equal(1, #writes(srv))
    -- unchanged the second time: two reads, no write
    n, access, changed = srv:count(function()
      return client:set_project_roles(GID, C.username, { "GROUP_READ_ONLY", "GROUP_OWNER" })
    end)
    assert.equal(2, n)
    assert.is_false(changed)
    assert.equal("invitation", access.kind)
  end)

  it("adds someone new as a Cloud user: 3 requests", function()
    local n, access, changed, plan = srv:count(function()
      return client:set_project_roles(GID, "newcomer@example.com", { "GROUP_READ_ONLY" })
    end)
    assert.equal(3, n)
    assert.is_true(changed)
    assert.equal("user", access.kind)
    assert.equal("PENDING", access.status)
    assert.same({ { operation = "add_project_user", groupId = GID, username = "newcomer@example.com",
      roles = { "GROUP_READ_ONLY" } } }, plan)
    assert.is_table(stored_user(srv, "newcomer@example.com"))
  end)

  it("with dry_run reads but writes nothing, and returns the plan", function()
    local n, access, changed, plan = srv:count(function()
      return client:set_project_roles(GID, "alice@example.com", { "GROUP_OWNER" }, { dry_run = true })
    end)
    assert.equal(1, n)
    assert.is_true(changed)
    assert.equal(3, #plan)
    assert.same({ "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_ONLY" }, access.roles)
    assert.equal(0, #writes(srv))
    local _, _, new_plan = client:set_project_roles(GID, "someone@example.com", { "GROUP_OWNER" }, { dry_run = true })
    assert.equal("add_project_user", new_plan[1].operation)
    assert.equal(0, #writes(srv))
  end)

  it("reports a failure midway with the writes done, and converges when run again", function()
    -- let the listing and the first write through, fail the second write
    srv:fault { status = 500, count = 1, skip = 2, content_type = "application/json",
      body = '{"error":500,"errorCode":"UNEXPECTED_ERROR","detail":"boom"}' }
    local access, err = client:set_project_roles(GID, "alice@example.com", { "GROUP_OWNER", "GROUP_BACKUP_MANAGER" })
    assert.is_nil(access)
    assert.equal(500, err.status)
    assert.same({ { operation = "add_project_user_role", groupId = GID, userId = ALICE.id, role = "GROUP_OWNER",
      username = ALICE.username } },
      err.done)
    assert.equal(4, #err.plan)
    assert.matches("1 of 4 writes done", err.message)
    local n, again, changed, plan = srv:count(function()
      return client:set_project_roles(GID, "alice@example.com", { "GROUP_OWNER", "GROUP_BACKUP_MANAGER" })
    end)
    assert.is_true(changed)
    assert.equal(3, #plan)
    assert.equal(1 + 3, n)
    assert.same({ "GROUP_OWNER", "GROUP_BACKUP_MANAGER" }, again.roles)
  end)

  it("after the sunset stops asking the invitation endpoints and says why", function()
    srv:sunset(true)
    local n, access = srv:count(function()
      return client:set_project_roles(GID, "first@example.com", { "GROUP_READ_ONLY" })
    end)
    assert.equal(3, n) -- users, invitations (410, remembered), add
    assert.equal("user", access.kind)
    n, access = srv:count(function()
      return client:set_project_roles(GID, "second@example.com", { "GROUP_READ_ONLY" })
    end)
    assert.equal(2, n) -- users, add
    assert.equal("PENDING", access.status)
    -- every invitation call's error names the replacements
    local _, err = client:update_invitation_by_id(GID, C.invitation_id, { roles = { "GROUP_OWNER" } })
    assert.equal(410, err.status)
    assert.equal("VERSION_GONE", err.errorCode)
    assert.matches("set_project_roles", err.message)
    assert.matches("add_project_user_role", err.message)
    -- project_access lists users only now
    local rows = assert(client:project_access(GID))
    for _, r in ipairs(rows) do assert.equal("user", r.kind) end
  end)

  it("legacy_invitations = false skips the legacy lookup before the sunset", function()
    local c = new_client { legacy_invitations = false }
    local n = srv:count(function() return c:set_project_roles(GID, "third@example.com", { "GROUP_READ_ONLY" }) end)
    assert.equal(2, n)
    c:close()
  end)

  it("validates before any request", function()
    for _, case in ipairs {
      { "nope", "a@example.com", { "GROUP_OWNER" }, "groupId" },
      { GID, "not-an-email", { "GROUP_OWNER" }, "username" },
      { GID, "a@example.com", { "GROUP_READONLY" }, "roles[1]" },
      { GID, "a@example.com", {}, "roles" },
      { GID, "a@example.com", nil, "roles" }, -- a missing list never means "no roles" (found by the hostile spec)
    } do
      local n, v, err = srv:count(function() return client:set_project_roles(case[1], case[2], case[3]) end)
      assert.equal(0, n)
      assert.is_nil(v)
      assert.equal(case[4], err.field)
    end
  end)

  it("names the replacement in the invitation calls' deprecation warning", function()
    assert(client:list_invitations(GID))
    assert.matches("set_project_roles", warnings[#warnings])
  end)

  it("makes its own invitation calls without a notice; the caller's warn unless warn = false", function()
    -- the helpers' lookups, PATCH and DELETE of a legacy invitation: nothing
    -- for the caller to change, so no notice
    assert(client:set_project_roles(GID, C.username, { "GROUP_OWNER" }))
    assert(client:project_access(GID))
    assert(client:remove_project_access(GID, C.username))
    assert.same({}, warnings)
    -- the caller's own invitation call with warn = false: none either
    assert(client:list_invitations(GID, nil, { warn = false }))
    assert.same({}, warnings)
    -- without it: the notice, once
    assert(client:list_invitations(GID))
    assert(client:list_invitations(GID))
    assert.equal(1, #warnings)
    assert.matches("list_invitations", warnings[1])
    -- the option is checked like the others, before any request
    local n, ok, err = srv:count(function() return client:list_invitations(GID, nil, { warn = "no" }) end)
    assert.equal(0, n)
    assert.is_nil(ok)
    assert.equal("validation", err.kind)
    assert.matches("warn must be true or false", err.message, 1, true)
  end)
end)

describe("project_access and remove_project_access", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false })
  end)
  after_each(function() client:close() end)

  it("lists everyone from both sources, one uniform row each", function()
    local rows = assert(client:project_access(GID))
    local kinds = {}
    for _, r in ipairs(rows) do kinds[r.kind] = (kinds[r.kind] or 0) + 1 end
    assert.equal(3, kinds.user)       -- active and pending
    assert.equal(2, kinds.invitation) -- the pending legacy ones, with their expiry (not the expired one)
    for _, r in ipairs(rows) do
      assert.is_string(r.username)
      assert.is_table(r.roles)
      if r.kind == "invitation" then assert.is_string(r.expires_at) end
    end
    local printed = tostring(rows)
    assert.matches("^5 people\n", printed)
    -- user rows and invitation rows share their columns: the id, the
    -- username and the status start at the same offset on every line
    local starts = {}
    for line in printed:gmatch("\n([^\n]+)") do
      local id_at, name_at, status_at = line:match("^  %a+ +()%x+ +()%S+ +()%u")
      assert.is_truthy(id_at, line)
      starts[#starts + 1] = { id_at, name_at, status_at }
    end
    assert.equal(5, #starts)
    for i = 2, #starts do assert.same(starts[1], starts[i]) end
    assert.not_matches("Liddell", tostring(rows))
    assert.not_matches("old@example.com", tostring(rows))
    local all = assert(client:project_access(GID, { statuses = "all" }))
    assert.equal(8, #all)
    local old
    for _, r in ipairs(all) do if r.username == "old@example.com" then old = r end end
    assert.equal("INVITATION_EXPIRED", old.status)
    local expired_only = assert(client:project_access(GID, { statuses = { "INVITATION_EXPIRED" } }))
    local names = {}
    for _, r in ipairs(expired_only) do names[#names + 1] = r.kind .. " " .. r.username end
    table.sort(names)
    assert.same({ "invitation old@example.com", "user dave@example.com" }, names)
  end)

  it("removes a person from whichever source holds them", function()
    local ok, removed = client:remove_project_access(GID, "alice@example.com")
    assert.is_true(ok)
    assert.equal("user", removed[1].kind)
    ok, removed = client:remove_project_access(GID, C.username)
    assert.is_true(ok)
    assert.equal("invitation", removed[1].kind)
    local _, err = client:remove_project_access(GID, "nobody@example.com")
    assert.equal("not_found", err.kind)
    local state = srv:state(GID)
    for _, u in ipairs(state.users) do assert.not_equal("alice@example.com", u.username) end
    for _, i in ipairs(state.invitations) do assert.not_equal(C.username, i.username) end
  end)
end)
