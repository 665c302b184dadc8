-- The six Cloud Users calls end to end against the local server, with
-- exact request counts.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local unpack = table.unpack or unpack -- luacheck: ignore 143
local C = local_server.credentials
local GID = C.group_id
local ALICE, CAROL = C.users["alice@example.com"], C.users["carol@example.com"]


describe("Cloud Users calls", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false })
    assert(client:get_project_user(GID, ALICE.id)) -- the digest handshake
  end)
  after_each(function() client:close() end)

  it("lists active and pending users by default, every status when asked, in one request", function()
    local n, users, res = srv:count(function() return client:list_project_users(GID) end)
    assert.equal(1, n)
    assert.equal(200, res.status)
    assert.matches("^application/vnd%.atlas%.2025%-02%-19%+json", res.headers["content-type"])
    assert.is_nil(res.headers["deprecation"])
    local names = {}
    for _, u in ipairs(users) do names[#names + 1] = u.username end
    table.sort(names)
    assert.same({ "alice@example.com", "bob@example.com", "carol@example.com" }, names)
    local all = assert(client:list_project_users(GID, { statuses = { "ACTIVE", "PENDING", "INVITATION_EXPIRED",
      "INVITATION_REJECTED" } }))
    assert.equal(5, #all)
    local one = assert(client:list_project_users(GID, { username = "ALICE@example.com" }))
    assert.equal(1, #one)
    assert.equal(ALICE.id, one[1].id)
    -- flatten_teams adds the members of the project's teams (dora, through
    -- team dba, whose roles add to bob's own); include_org_users the
    -- organization owner, whose org role makes them Project Owner
    local org = assert(client:list_project_users(GID, { include_org_users = true, flatten_teams = true }))
    local roles_of = {}
    for _, u in ipairs(org) do roles_of[u.username] = table.concat(u.roles, ",") end
    assert.same({ ["alice@example.com"] = "GROUP_READ_ONLY,GROUP_DATA_ACCESS_READ_ONLY", ["bob@example.com"] =
      "GROUP_OWNER,GROUP_READ_ONLY", ["carol@example.com"] = "GROUP_READ_ONLY", ["dora@example.com"] = "GROUP_READ_ONLY",
      ["org.owner@example.com"] = "GROUP_OWNER" }, roles_of)
  end)

  it("follows the pages itself: one request per page of 100", function()
    local n, users = srv:count(function() return client:list_project_users(C.big_group_id) end)
    assert.equal(C.big_group_users, #users)
    assert.equal(math.ceil(C.big_group_users / 100), n)
    local seen = {}
    for _, u in ipairs(users) do
      assert.is_nil(seen[u.id])
      seen[u.id] = true
    end
    local log = srv:log()
    assert.equal("GET", log[#log].method)
  end)

  it("iterates page by page, and reports a failure without raising", function()
    local it = client:project_users(C.big_group_id)
    local count = 0
    for user in it do
      count = count + 1
      assert.is_string(user.username)
    end
    assert.equal(C.big_group_users, count)
    assert.is_nil(it.err)
    assert.equal(2, it.pages)
    -- a failure on the second page ends the loop; the error is kept
    srv:reset()
    local it2 = client:project_users(C.big_group_id, nil, { retries = 0 })
    local n = 0
    for _ in it2.next do
      n = n + 1
      if n == 1 then srv:fault { status = 503, count = 1, body = '{"error":503,"errorCode":"SERVICE_UNAVAILABLE"}',
        content_type = "application/json" } end
    end
    assert.equal(100, n)
    assert.equal(503, it2.err.status)
    -- a bad filter ends it at once, also without raising
    local it3 = client:project_users(GID, { statuses = { "NOPE" } })
    for _ in it3 do error("no user expected") end
    assert.equal("validation", it3.err.kind)
  end)

  it("gets, adds (201), changes roles and removes (204) users, one request each", function()
    local n, u = srv:count(function() return client:get_project_user(GID, ALICE.id) end)
    assert.equal(1, n)
    assert.equal("alice@example.com", u.username)
    assert.matches("^user " .. ALICE.id .. " alice@example%.com ACTIVE: GROUP_READ_ONLY, GROUP_DATA_ACCESS_READ_ONLY$",
      tostring(u))
    assert.not_matches("Alice", tostring(u)) -- personal data out of sight

    local added, res
    n, added, res = srv:count(function()
      return client:add_project_user(GID, { username = "newbie@example.com", roles = { "GROUP_READ_ONLY" } })
    end)
    assert.equal(1, n)
    assert.equal(201, res.status)
    assert.equal("PENDING", added.orgMembershipStatus)
    assert.is_string(added.invitationExpiresAt)
    local member = assert(client:add_project_user(GID, { username = C.org_member, roles = { "GROUP_OWNER" } }))
    assert.equal("ACTIVE", member.orgMembershipStatus)
    local _, conflict = client:add_project_user(GID, { username = "newbie@example.com", roles = { "GROUP_OWNER" } })
    assert.equal(409, conflict.status)

    n, u = srv:count(function() return client:add_project_user_role(GID, added.id, "GROUP_OWNER") end)
    assert.equal(1, n)
    assert.same({ "GROUP_READ_ONLY", "GROUP_OWNER" }, u.roles)
    u = assert(client:remove_project_user_role(GID, added.id, "GROUP_READ_ONLY"))
    assert.same({ "GROUP_OWNER" }, u.roles)
    local _, last = client:remove_project_user_role(GID, added.id, "GROUP_OWNER")
    assert.equal(400, last.status)

    local ok
    n, ok, res = srv:count(function() return client:remove_project_user(GID, added.id) end)
    assert.equal(1, n)
    assert.is_true(ok)
    assert.equal(204, res.status)
    local _, gone = client:get_project_user(GID, added.id)
    assert.equal(404, gone.status)
  end)

  it("keeps personal data out of traces", function()
    local events = {}
    local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, trace = function(e) events[#events + 1] = e end })
    assert(c:list_project_users(GID))
    assert(c:get_project_user(GID, ALICE.id, { envelope = true }))
    local text = {}
    for _, e in ipairs(events) do text[#text + 1] = tostring(e.response_body) end
    text = table.concat(text, "\n")
    assert.matches("alice@example.com", text, 1, true)
    for _, personal in ipairs { "Alice", "Liddell", "2125550101", '"GB"' } do
      assert.not_matches(personal, text, 1, true)
    end
    assert.matches('"firstName":"<redacted>"', text, 1, true)
    c:close()
  end)

  it("keeps the two worlds apart: an invitation is not a user", function()
    local users = assert(client:list_project_users(GID, { username = C.username }))
    assert.equal(0, #users)
    local invs = assert(client:list_invitations(GID, { username = "alice@example.com" }))
    assert.equal(0, #invs)
  end)

  it("validates before any request", function()
    local cases = {
      { "get_project_user", { GID, "nope" }, "userId" },
      { "add_project_user", { GID, { username = "x", roles = { "GROUP_OWNER" } } }, "username" },
      { "add_project_user", { GID, { username = "x@example.com", roles = {} } }, "roles" },
      { "add_project_user_role", { GID, ALICE.id, "GROUP_READONLY" }, "groupRole" },
      { "remove_project_user_role", { GID, ALICE.id, "ORG_OWNER" }, "groupRole" },
      { "list_project_users", { GID, { statuses = { "GONE" } } }, "statuses[1]" },
    }
    for _, case in ipairs(cases) do
      local n, v, err = srv:count(function() return client[case[1]](client, unpack(case[2])) end)
      assert.equal(0, n, case[1])
      assert.is_nil(v)
      assert.equal(case[3], err.field, case[1])
    end
  end)

  it("sends the users' version whatever api_version the invitations use", function()
    local v1 = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      api_version = "v1.0", on_warning = false })
    assert.is_table((v1:get_project_user(GID, CAROL.id)))
    assert.is_table((v1:list_invitations(GID)))
    v1:close()
  end)
end)
