-- The whole invitation resource and the role helpers, end to end against
-- the local Atlas server, with exact request counts from /__mock/stats.
local atlas = require "atlas_admin"
local cjson = require "cjson"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID, USER = C.group_id, C.invitation_id, C.username


describe("the invitation resource", function()
  local srv, client

  local function new_client(opts)
    opts = opts or {}
    opts.auth = opts.auth or assert(atlas.digest(C.public_key, C.private_key))
    opts.base_url = srv.url
    if opts.on_warning == nil then opts.on_warning = false end
    return assert(atlas.client(opts))
  end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = new_client()
    assert(client:get_invitation(GID, IID)) -- the digest handshake, so counts below are steady-state
  end)
  after_each(function() client:close() end)

  for _, version in ipairs { "2023-01-01", "v1.0" } do
    describe("with api_version " .. version, function()
      local c
      before_each(function()
        c = new_client { api_version = version }
        assert(c:get_invitation(GID, IID))
      end)
      after_each(function() c:close() end)

      it("lists, filters, creates, gets and deletes, one request each", function()
        local n, list, res = srv:count(function() return c:list_invitations(GID) end)
        assert.equal(1, n)
        assert.equal(200, res.status)
        assert.is_true(#list >= 3)
        for _, inv in ipairs(list) do assert.equal(GID, inv.groupId) end

        local filtered
        n, filtered = srv:count(function() return c:list_invitations(GID, { username = USER }) end)
        assert.equal(1, n)
        assert.equal(1, #filtered)
        assert.equal(IID, filtered[1].id)

        local none = assert(c:list_invitations(GID, { username = "nobody@example.com" }))
        assert.equal(0, #none)
        assert.equal("[]", cjson.encode(none):gsub("{}", "[]"))

        local created
        n, created = srv:count(function()
          return c:create_invitation(GID, { username = "new.person@example.com", roles = { "GROUP_READ_ONLY" } })
        end)
        assert.equal(1, n)
        assert.equal("new.person@example.com", created.username)
        assert.same({ "GROUP_READ_ONLY" }, created.roles)
        assert.matches("^%x+$", created.id)

        local got = assert(c:get_invitation(GID, created.id))
        assert.equal(created.id, got.id)

        local ok, del_res
        n, ok, del_res = srv:count(function() return c:delete_invitation(GID, created.id) end)
        assert.equal(1, n)
        assert.is_true(ok)
        assert.equal(204, del_res.status)
        local gone, err = c:get_invitation(GID, created.id)
        assert.is_nil(gone)
        assert.equal(404, err.status)
      end)
    end)
  end

  it("explains a missing invitation in Atlas terms and keeps the ApiError fields", function()
    local inv, err, res = client:get_invitation(GID, "aaaaaaaaaaaaaaaaaaaaaaaa")
    assert.is_nil(inv)
    assert.equal("api", err.kind)
    assert.equal(404, err.status)
    assert.equal(404, err.error)
    assert.equal("RESOURCE_NOT_FOUND", err.errorCode)
    assert.equal("Not Found", err.reason)
    assert.is_string(err.detail)
    assert.matches("accepted", err.message)
    assert.matches("expires %(30 days", err.message)
    assert.matches("list_project_users", err.message)
    assert.equal(404, res.status)
    -- the same for a PATCH by username and by id, and for an expired one
    local _, e2 = client:update_invitation(GID, { username = "nobody@example.com", roles = { "GROUP_OWNER" } })
    assert.matches("accepted", e2.message)
    local _, e3 = client:update_invitation_by_id(GID, C.expired_invitation_id, { roles = { "GROUP_OWNER" } })
    assert.equal("INVALID_INVITATION_ID", e3.errorCode)
    assert.matches("accepted", e3.message)
    -- a missing project is not a missing invitation
    local _, e4 = client:get_invitation(C.unknown_group_id, IID)
    assert.equal("GROUP_NOT_FOUND", e4.errorCode)
    assert.not_matches("accepted", e4.message)
  end)

  describe("add_invitation_roles / remove_invitation_roles", function()
    it("adds a role by id in exactly 2 requests, keeping the others", function()
      local n, inv, changed, res = srv:count(function()
        return client:add_invitation_roles(GID, IID, { "GROUP_READ_ONLY" })
      end)
      assert.equal(2, n)
      assert.is_true(changed)
      assert.same({ "GROUP_BACKUP_MANAGER", "GROUP_READ_ONLY" }, inv.roles)
      assert.equal(200, res.status)
    end)

    it("costs 1 request and writes nothing when the role is already there", function()
      local n, inv, changed = srv:count(function()
        return client:add_invitation_roles(GID, IID, { "GROUP_BACKUP_MANAGER" })
      end)
      assert.equal(1, n)
      assert.is_false(changed)
      assert.same({ "GROUP_BACKUP_MANAGER" }, inv.roles)
    end)

    it("finds the invitation by username, case-insensitively (2 requests)", function()
      local n, inv, changed = srv:count(function()
        return client:add_invitation_roles(GID, USER:upper():gsub("@.*", "@example.com"), { "GROUP_OWNER" })
      end)
      assert.equal(2, n)
      assert.is_true(changed)
      assert.equal(IID, inv.id)
      assert.same({ "GROUP_BACKUP_MANAGER", "GROUP_OWNER" }, inv.roles)
      -- the server holds what was sent
      local stored = assert(client:get_invitation(GID, IID))
      assert.same({ "GROUP_BACKUP_MANAGER", "GROUP_OWNER" }, stored.roles)
    end)

    it("removes a role and keeps the others", function()
      assert(client:add_invitation_roles(GID, IID, { "GROUP_READ_ONLY", "GROUP_OWNER" }))
      local n, inv, changed = srv:count(function()
        return client:remove_invitation_roles(GID, USER, { "GROUP_OWNER" })
      end)
      assert.equal(2, n)
      assert.is_true(changed)
      assert.same({ "GROUP_BACKUP_MANAGER", "GROUP_READ_ONLY" }, inv.roles)
    end)

    it("refuses to remove the last role before any PATCH, pointing at delete", function()
      local n, inv, err = srv:count(function()
        return client:remove_invitation_roles(GID, IID, { "GROUP_BACKUP_MANAGER" })
      end)
      assert.equal(1, n) -- the read only
      assert.is_nil(inv)
      assert.equal("validation", err.kind)
      assert.matches("delete_invitation", err.message)
      assert.same({ "GROUP_BACKUP_MANAGER" }, assert(client:get_invitation(GID, IID)).roles)
    end)

    it("explains a username with no pending invitation", function()
      local n, inv, err = srv:count(function()
        return client:add_invitation_roles(GID, "nobody@example.com", { "GROUP_OWNER" })
      end)
      assert.equal(1, n)
      assert.is_nil(inv)
      assert.equal("not_found", err.kind)
      assert.matches("nobody@example.com", err.message)
      assert.matches("expires", err.message)
      assert.matches("^atlas: who: no pending invitation", tostring(err))
    end)

    it("validates who, the roles and the project before any request", function()
      local cases = {
        { GID, "not-an-id", { "GROUP_OWNER" }, "who" },
        { GID, "a@b", { "GROUP_OWNER" }, "who" },
        { GID, IID, { "GROUP_READONLY" }, "roles[1]" },
        { GID, IID, {}, "roles" },
        { "nope", IID, { "GROUP_OWNER" }, "groupId" },
      }
      for _, case in ipairs(cases) do
        local n, inv, err = srv:count(function()
          return client:add_invitation_roles(case[1], case[2], case[3])
        end)
        assert.equal(0, n)
        assert.is_nil(inv)
        assert.equal("validation", err.kind)
        assert.equal(case[4], err.field)
      end
    end)

    it("with dry_run reads, then returns the PATCH it would send", function()
      local n, req, changed = srv:count(function()
        return client:add_invitation_roles(GID, IID, { "GROUP_OWNER" }, { dry_run = true })
      end)
      assert.equal(1, n)
      assert.is_true(changed)
      assert.equal("PATCH", req.method)
      assert.equal('{"roles":["GROUP_BACKUP_MANAGER","GROUP_OWNER"]}', req.body)
      assert.same({ "GROUP_BACKUP_MANAGER" }, assert(client:get_invitation(GID, IID)).roles)
    end)
  end)

  describe("to_curl", function()
    it("renders a dry run in the seed's style, with no secret and safe quoting", function()
      local req = assert(client:update_invitation(GID, { username = "o'brien@example.com", roles = { "GROUP_OWNER" } },
        { dry_run = true }))
      local cmd = atlas.to_curl(req)
      assert.equal('curl --include --digest --user "${PUBLIC_KEY}:${PRIVATE_KEY}" \\\n'
        .. "  --header 'Accept: application/vnd.atlas.2023-01-01+json' \\\n"
        .. "  --header 'Content-Type: application/vnd.atlas.2023-01-01+json' \\\n"
        .. "  -X PATCH '" .. srv.url .. "/api/atlas/v2/groups/" .. GID .. "/invites' \\\n"
        .. [[  --data '{"roles":["GROUP_OWNER"],"username":"o'\''brien@example.com"}']], cmd)
      assert.not_matches(C.private_key, cmd, 1, true)
      -- the shell reads the quoted body back exactly
      local p = io.popen("sh -c 'printf %s " .. require("atlas_admin.http.to_curl").quote(req.body):gsub("'", "'\\''") .. "'")
      assert.equal(req.body, p:read("*a"))
      p:close()
      local sa = new_client { auth = assert(atlas.service_account(C.client_id, C.client_secret)) }
      local cmd2 = atlas.to_curl(assert(sa:get_invitation(GID, IID, { dry_run = true })))
      assert.matches('--header "Authorization: Bearer ${ACCESS_TOKEN}"', cmd2, 1, true)
      assert.not_matches(C.client_secret, cmd2, 1, true)
      sa:close()
    end)
  end)

  describe("presentation", function()
    it("prints an invitation, a list and a response readably, and they stay plain tables", function()
      local inv, res = assert(client:get_invitation(GID, IID))
      assert.matches("^invitation " .. IID .. " " .. USER .. " in " .. GID .. ": GROUP_BACKUP_MANAGER %(expires %d+%-%d+%-%d+%)$",
        tostring(inv))
      assert.matches("^response 200, %d+ bytes, rate limit remaining %d+, sunset ", tostring(res))
      local list = assert(client:list_invitations(GID))
      local text = tostring(list)
      assert.matches("^%d+ invitations\n", text)
      assert.matches(IID .. "  " .. USER, text, 1, true)
      -- plain tables: pairs, #, cjson
      assert.equal(IID, cjson.decode(cjson.encode(inv)).id)
      assert.equal(#list, #cjson.decode(cjson.encode(list)))
      local keys = 0
      for _ in pairs(inv) do keys = keys + 1 end
      assert.is_true(keys >= 8)
      -- errors stay one line
      local _, err = client:get_invitation(GID, "aaaaaaaaaaaaaaaaaaaaaaaa")
      assert.not_matches("\n", tostring(err))
    end)
  end)
end)

describe("trace", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  local function all_text(events)
    local parts = {}
    for _, e in ipairs(events) do
      for _, v in pairs(e) do parts[#parts + 1] = tostring(v) end
    end
    return table.concat(parts, "\n")
  end

  it("delivers the digest challenge and the call as two events, with Authorization redacted", function()
    local events = {}
    local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, trace = function(e) events[#events + 1] = e end })
    assert(c:update_invitation_by_id(GID, IID, { roles = { "GROUP_OWNER" } }))
    assert.equal(2, #events)
    assert.equal(401, events[1].status)
    assert.equal(200, events[2].status)
    assert.equal("PATCH", events[2].method)
    assert.equal("update_invitation_by_id", events[2].operation)
    assert.matches("/invites/" .. IID, events[2].url)
    assert.matches("Authorization: <redacted>", events[2].request_headers, 1, true)
    assert.equal('{"roles":["GROUP_OWNER"]}', events[2].request_body)
    assert.matches('"id":"' .. IID .. '"', events[2].response_body, 1, true)
    assert.is_number(events[2].elapsed)
    assert(c:get_invitation(GID, IID))
    assert.equal(3, #events) -- nonce reused: one exchange
    assert.not_matches(C.private_key, all_text(events), 1, true)
    c:close()
  end)

  it("traces token requests of a service account with the form and the token redacted", function()
    local events, saved = {}, nil
    local c = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
      base_url = srv.url, on_warning = false, trace = function(e) events[#events + 1] = e end,
      token_store = { load = function() return nil end, save = function(t) saved = t end } })
    assert(c:get_invitation(GID, IID))
    assert.equal(2, #events)
    assert.equal("oauth_token", events[1].operation)
    assert.equal("<redacted>", events[1].request_body)
    assert.equal("<redacted>", events[1].response_body)
    assert.equal("get_invitation", events[2].operation)
    local text = all_text(events)
    assert.is_string(saved.access_token)
    assert.not_matches(saved.access_token, text, 1, true)
    assert.not_matches(C.client_secret, text, 1, true)
    -- base64 of id:secret (HTTP Basic) never appears either
    local p = io.popen("printf %s '" .. C.client_id .. ":" .. C.client_secret .. "' | base64 -w0")
    local basic = p:read("*a")
    p:close()
    assert.not_matches(basic, text, 1, true)
    assert(c:revoke_token())
    assert.equal("oauth_revoke", events[#events].operation)
    assert.not_matches(saved.access_token, all_text(events), 1, true)
    c:close()
  end)

  it("redacts a bearer token", function()
    local sa = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
      base_url = srv.url, on_warning = false,
      token_store = { load = function() return nil end, save = function() end } })
    local saved
    local sa2 = assert(atlas.client { auth = assert(atlas.service_account(C.client_id, C.client_secret)),
      base_url = srv.url, on_warning = false,
      token_store = { load = function() return nil end, save = function(t) saved = t end } })
    assert(sa2:get_invitation(GID, IID))
    local events = {}
    local c = assert(atlas.client { auth = assert(atlas.bearer(saved.access_token)), base_url = srv.url,
      on_warning = false, trace = function(e) events[#events + 1] = e end })
    assert(c:get_invitation(GID, IID))
    assert.equal(1, #events)
    assert.matches("Authorization: <redacted>", events[1].request_headers, 1, true)
    assert.not_matches(saved.access_token, all_text(events), 1, true)
    c:close()
    sa:close()
    sa2:close()
  end)

  it("accepts trace = true (stderr) and refuses other values", function()
    assert.is_table((atlas.client { auth = assert(atlas.digest("abcdefgh", "k-1")), trace = true }))
    local _, err = atlas.client { auth = assert(atlas.digest("abcdefgh", "k-1")), trace = "yes" }
    assert.equal("trace", err.field)
  end)
end)
