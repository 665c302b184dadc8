-- Hostile input across every public function: each call returns nil, err
-- (or re-raises the caller's own error unchanged), sends nothing (counted
-- at the server) and leaves the client usable.  Under the ASan and
-- valgrind phases of make check this also proves the C core frees
-- everything on every one of these paths.
local atlas = require "atlas_admin"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local UID = "6a1b2c3d4e5f60718293a4b1"
local unpack = table.unpack or unpack -- luacheck: ignore 143

-- The caller's own error: it must come back as the very same object.
local SENTINEL = setmetatable({}, { __tostring = function() return "the caller's own error" end })
local function raising(meta)
  local mt = {}
  for _, m in ipairs(meta) do mt[m] = function() error(SENTINEL) end end
  return setmetatable({}, mt)
end

local function deep(n)
  local t = {}
  local cur = t
  for _ = 1, n do
    cur[1] = {}
    cur = cur[1]
  end
  return t
end

local cyclic = {}
cyclic[1], cyclic.roles, cyclic.username = cyclic, cyclic, cyclic

local many_roles = {}
for i = 1, 100000 do many_roles[i] = (i % 2 == 0) and "GROUP_OWNER" or "GROUP_READ_ONLY" end
local many_unknown = {}
for i = 1, 100000 do many_unknown[i] = "GROUP_X" .. i end

-- Values that are wrong wherever a string id, an email, a role list or a body goes.
local HOSTILE = {
  { "nil", nil }, { "true", true }, { "number", 42 }, { "float", 3.5 }, { "NaN", 0 / 0 }, { "inf", math.huge },
  { "function", print }, { "coroutine", coroutine.create(print) }, { "userdata", io.stdout },
  { "empty string", "" }, { "huge string", string.rep("a", 1000000) }, { "invalid UTF-8", "\255\254\253" },
  { "NUL", "602eb7429955214668d5b0\0" .. "5" }, { "CRLF", "602eb7429955214668d5b025\r\nX: y" },
  { "LF in email", "a\n@example.com" }, { "empty table", {} }, { "deep table", deep(2000) },
  { "cyclic table", cyclic }, { "100,000 roles", many_roles }, { "100,000 unknown roles", many_unknown },
  { "holes", { "GROUP_OWNER", nil, "GROUP_READ_ONLY" } }, { "set-like", { GROUP_OWNER = true } },
}

-- Each public call with the argument positions hostile values go into.
local function calls(client)
  return {
    { "list_invitations", { GID, { username = "a@example.com" } }, { 1, 2 }, optional = 2 },
    { "get_invitation", { GID, IID }, { 1, 2 } },
    { "create_invitation", { GID, { username = "a@example.com", roles = { "GROUP_OWNER" } } }, { 1, 2 } },
    { "update_invitation", { GID, { username = "a@example.com", roles = { "GROUP_OWNER" } } }, { 1, 2 } },
    { "update_invitation_by_id", { GID, IID, { roles = { "GROUP_OWNER" } } }, { 1, 2, 3 } },
    { "delete_invitation", { GID, IID }, { 1, 2 } },
    { "add_invitation_roles", { GID, IID, { "GROUP_OWNER" } }, { 1, 2, 3 } },
    { "remove_invitation_roles", { GID, IID, { "GROUP_OWNER" } }, { 1, 2, 3 } },
    { "list_project_users", { GID, { username = "a@example.com" } }, { 1, 2 }, optional = 2 },
    { "get_project_user", { GID, UID }, { 1, 2 } },
    { "add_project_user", { GID, { username = "a@example.com", roles = { "GROUP_OWNER" } } }, { 1, 2 } },
    { "remove_project_user", { GID, UID }, { 1, 2 } },
    { "add_project_user_role", { GID, UID, "GROUP_OWNER" }, { 1, 2, 3 } },
    { "remove_project_user_role", { GID, UID, "GROUP_OWNER" }, { 1, 2, 3 } },
    { "set_project_roles", { GID, "a@example.com", { "GROUP_OWNER" } }, { 1, 2, 3 } },
    { "remove_project_access", { GID, "a@example.com" }, { 1, 2 } },
    client and nil,
  }
end

describe("hostile input", function()
  local srv, client
  setup(function()
    srv = local_server.start()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    assert(client:get_invitation(GID, IID))
  end)
  teardown(function()
    client:close()
    srv:stop()
  end)

  it("gets nil, err for every hostile value in every argument, and nothing is sent", function()
    local cases, before = 0, srv:stats().requests
    for _, call in ipairs(calls(client)) do
      local name, good, positions = call[1], call[2], call[3]
      for _, pos in ipairs(positions) do
        for _, h in ipairs(HOSTILE) do
          local args = { unpack(good, 1, #good) }
          args[pos] = h[2]
          local ok, v, err = pcall(client[name], client, unpack(args, 1, #good))
          cases = cases + 1
          assert.is_true(ok, name .. " arg " .. pos .. " = " .. h[1] .. ": raised " .. tostring(v))
          if v ~= nil then
            -- an optional filter may be absent (nil) or empty ({})
            assert.is_true(pos == call.optional and (h[2] == nil or (type(h[2]) == "table" and next(h[2]) == nil)),
              name .. " arg " .. pos .. " = " .. h[1])
          else
            assert.is_true(atlas.is_error(err), name .. " arg " .. pos .. " = " .. h[1])
            assert.is_string(err.message)
            assert.not_matches("\n", tostring(err))
          end
        end
      end
    end
    assert.is_true(cases >= 100, cases .. " cases")
    -- only the two list calls with an absent or empty filter went out
    assert.equal(4, srv:stats().requests - before)
    assert.is_table((client:get_invitation(GID, IID))) -- still usable
  end)

  it("re-raises the caller's own error from __index, __len and __pairs unchanged", function()
    local before = srv:stats().requests
    for _, meta in ipairs { { "__index" }, { "__len" }, { "__pairs" }, { "__index", "__len", "__pairs" } } do
      for _, call in ipairs {
        function() return client:update_invitation(GID, raising(meta)) end,
        function() return client:update_invitation_by_id(GID, IID, { roles = raising(meta) }) end,
        function() return client:add_project_user(GID, raising(meta)) end,
        function() return client:set_project_roles(GID, "a@example.com", raising(meta)) end,
        function() return client:add_invitation_roles(GID, IID, raising(meta)) end,
      } do
        local ok, v, err = pcall(call)
        if ok then
          assert.is_nil(v)
          assert.is_true(atlas.is_error(err))
        else
          assert.equal(SENTINEL, v)
        end
      end
    end
    assert.equal(before, srv:stats().requests)
    assert.is_table((client:get_invitation(GID, IID)))
    -- a filter whose raising metamethods are never consulted is just an empty filter
    for _, meta in ipairs { { "__pairs" }, { "__index", "__pairs" } } do
      local ok, v = pcall(client.list_project_users, client, GID, raising(meta))
      assert.is_true(not ok and v == SENTINEL or ok)
    end
  end)

  it("refuses hostile client options and credentials with nil, err", function()
    local auth = assert(atlas.digest(C.public_key, C.private_key))
    local n = 0
    for _, opt in ipairs { "timeout", "connect_timeout", "max_response_bytes", "max_header_bytes", "retries",
      "retry_deadline", "retry_max_wait", "low_speed_time", "low_speed_limit" } do
      for _, v in ipairs { 0 / 0, math.huge, -math.huge, -1, "10", {}, 1e300 } do
        local c, err = atlas.client { auth = auth, [opt] = v }
        assert.is_nil(c, opt .. "=" .. tostring(v))
        assert.equal(opt, err.field)
        n = n + 1
      end
    end
    for _, h in ipairs(HOSTILE) do
      for _, make in ipairs { atlas.digest, atlas.service_account } do
        local cred, err = make(h[2], "secret")
        if cred == nil then assert.is_true(atlas.is_error(err)) end
        cred, err = make("id", h[2])
        assert.is_nil(cred, h[1])
        assert.is_true(atlas.is_error(err))
        n = n + 2
      end
      assert.is_nil((atlas.bearer(h[2])))
      local c, err = atlas.client { auth = auth, base_url = h[2] }
      if c then c:close() else assert.is_true(atlas.is_error(err)) end
      c, err = atlas.client(h[2])
      assert.is_nil(c)
      assert.is_true(atlas.is_error(err))
      n = n + 3
    end
    assert.is_true(n >= 100)
  end)

  it("raises only for misuse: a method called with a dot, or on a closed client", function()
    assert.has_error(function() client.get_invitation(GID, IID) end)
    local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url })
    c:close()
    assert.has_error(function() c:get_invitation(GID, IID) end)
    assert.has_error(function() c:set_project_roles(GID, "a@example.com", { "GROUP_OWNER" }) end)
    assert.is_true(c:close()) -- close stays idempotent
  end)
end)
