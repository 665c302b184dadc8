-- A misspelled option never writes (issue 23, point 2).  Every public
-- client method that takes an options table (or a filter table) is walked,
-- found from the code itself: the parameters named `opts` or `filter` of
-- every public method (the lazily loaded helpers' real functions
-- included).  Each is called with each of its option names misspelled (and
-- with `dryrun`) against the local server: it must return nil and a
-- validation error naming the option with a suggestion, and the server must
-- have seen no request at all.
local atlas = require "atlas_admin"
local client_module = require "atlas_admin.client"
local local_server = require "local_server"
local operations = require "atlas_admin.http.operations"
local options = require "atlas_admin.http.options"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local KEY, SA = "65f0a1b2c3d4e5f601234505", "mdb_sa_id_6529e1d8c9f8f12c0e2a8f12" -- the fixture's ci-deploy, terraform-runner
local INV = C.invitation_id
local BOB = C.org_users["bob@example.com"].id
local DBA = C.teams.dba.id
local PROBE = "probe@example.com"
local unpack = table.unpack or unpack -- luacheck: ignore 143

-- The arguments before the options of each method, valid ones: what
-- reaches the options check.  Hand-written (a call needs real ids), so the
-- walk below fails for a method that takes options and is missing here.
-- (Functions, because plan_access and apply_access need a spec and a plan.)
local ARGS = {
  list_invitations = function() return { GID, nil, n = 2 } end,
  get_invitation = function() return { GID, INV } end,
  create_invitation = function() return { GID, { username = PROBE, roles = { "GROUP_READ_ONLY" } } } end,
  update_invitation = function() return { GID, { username = C.username, roles = { "GROUP_READ_ONLY" } } } end,
  update_invitation_by_id = function() return { GID, INV, { roles = { "GROUP_READ_ONLY" } } } end,
  delete_invitation = function() return { GID, INV } end,
  add_invitation_roles = function() return { GID, INV, { "GROUP_OWNER" } } end,
  remove_invitation_roles = function() return { GID, INV, { "GROUP_READ_ONLY" } } end,
  list_project_users = function() return { GID, nil, n = 2 } end,
  project_users = function() return { GID, nil, n = 2 } end,
  get_project_user = function() return { GID, BOB } end,
  add_project_user = function() return { GID, { username = PROBE, roles = { "GROUP_READ_ONLY" } } } end,
  remove_project_user = function() return { GID, BOB } end,
  add_project_user_role = function() return { GID, BOB, "GROUP_READ_ONLY" } end,
  remove_project_user_role = function() return { GID, BOB, "GROUP_OWNER" } end,
  set_project_roles = function() return { GID, PROBE, { "GROUP_READ_ONLY" } } end,
  project_access = function() return { GID } end,
  list_org_users = function() return { ORG, nil, n = 2 } end,
  org_users = function() return { ORG, nil, n = 2 } end,
  get_org_user = function() return { ORG, BOB } end,
  add_org_user = function() return { ORG, { username = PROBE, roles = { orgRoles = { "ORG_MEMBER" } } } } end,
  update_org_user = function() return { ORG, BOB, { teamIds = {} } } end,
  remove_org_user = function() return { ORG, BOB } end,
  add_org_user_role = function() return { ORG, BOB, "ORG_READ_ONLY" } end,
  remove_org_user_role = function() return { ORG, BOB, "ORG_MEMBER" } end,
  list_org_projects = function() return { ORG, nil, n = 2 } end,
  list_teams = function() return { ORG } end,
  get_team = function() return { ORG, DBA } end,
  get_team_by_name = function() return { ORG, "dba" } end,
  create_team = function() return { ORG, { name = "probe-team", usernames = {} } } end,
  rename_team = function() return { ORG, DBA, "dbas" } end,
  delete_team = function() return { ORG, DBA } end,
  list_team_users = function() return { ORG, DBA, nil, n = 3 } end,
  add_team_user = function() return { ORG, DBA, BOB } end,
  remove_team_user = function() return { ORG, DBA, BOB } end,
  list_project_teams = function() return { GID } end,
  get_project_team = function() return { GID, DBA } end,
  add_project_teams = function() return { GID, { { teamId = DBA, roleNames = { "GROUP_READ_ONLY" } } } } end,
  update_project_team = function() return { GID, DBA, { roleNames = { "GROUP_READ_ONLY" } } } end,
  remove_project_team = function() return { GID, DBA } end,
  set_org_roles = function() return { ORG, "org.owner@example.com", { "ORG_MEMBER" } } end,
  set_team_members = function() return { ORG, "dba", { "bob@example.com" } } end,
  set_team_project_roles = function() return { GID, ORG, "dba", { "GROUP_READ_ONLY" } } end,
  offboard = function() return { ORG, "org.owner@example.com" } end,
  org_access = function() return { ORG } end,
  export_access = function() return { ORG } end,
  plan_access = function(fixture) return { fixture.spec } end,
  apply_access = function(fixture) return { fixture.plan } end,
  access_review = function() return { ORG } end,
  batch = function() return { { { "remove_org_user", ORG, BOB } } } end,
  close = function() return {} end,
  -- API keys and service accounts (api/api_keys.lua, api/service_accounts.lua)
  list_api_keys = function() return { ORG } end,
  get_api_key = function() return { ORG, KEY } end,
  create_api_key = function() return { ORG, { desc = "probe", roles = { "ORG_MEMBER" } } } end,
  update_api_key = function() return { ORG, KEY, { desc = "probe" } } end,
  delete_api_key = function() return { ORG, KEY } end,
  list_api_key_access_list = function() return { ORG, KEY } end,
  add_api_key_access_list = function() return { ORG, KEY, { { ipAddress = "192.0.2.99" } } } end,
  remove_api_key_access_entry = function() return { ORG, KEY, "192.0.2.10" } end,
  list_project_api_keys = function() return { GID } end,
  assign_api_key = function() return { GID, KEY, { "GROUP_READ_ONLY" } } end,
  update_project_api_key = function() return { GID, KEY, { roles = { "GROUP_OWNER" } } } end,
  unassign_api_key = function() return { GID, KEY } end,
  list_service_accounts = function() return { ORG, nil, n = 2 } end,
  get_service_account = function() return { ORG, SA } end,
  create_service_account = function()
    return { ORG, { name = "probe", description = "probe", roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 8 } }
  end,
  update_service_account = function() return { ORG, SA, { name = "probe" } } end,
  delete_service_account = function() return { ORG, SA } end,
  service_account_projects = function() return { ORG, SA } end,
  create_service_account_secret = function() return { ORG, SA, { secretExpiresAfterHours = 8 } } end,
  delete_service_account_secret = function() return { ORG, SA, "66a0b1c2d3e4f50617283902" } end,
  list_service_account_access_list = function() return { ORG, SA } end,
  add_service_account_access_list = function() return { ORG, SA, { { ipAddress = "192.0.2.99" } } } end,
  remove_service_account_access_entry = function() return { ORG, SA, "192.0.2.10" } end,
  list_project_service_accounts = function() return { GID, nil, n = 2 } end,
  get_project_service_account = function() return { GID, SA } end,
  assign_service_account = function() return { GID, SA, { "GROUP_READ_ONLY" } } end,
  update_project_service_account = function() return { GID, SA, { roles = { "GROUP_OWNER" } } } end,
  unassign_service_account = function() return { GID, SA } end,
}

-- The listing a page iterator reads (its filter keys are that row's).
local ITERATES = { project_users = "list_project_users", org_users = "list_org_users" }

-- Every public method of a client, with its real function (a lazily
-- loaded helper's module installs it into a scratch table).
local function public_methods()
  local real = {}
  for module in pairs(client_module.LAZY_METHODS) do require(module).install(real, function() end) end
  local out = {}
  for name, fn in pairs(client_module.Client) do
    if type(fn) == "function" and not name:match("^_") then out[name] = real[name] or fn end
  end
  return out
end

-- The names of a function's parameters, in order.
local function params(fn)
  local out = {}
  for i = 1, 64 do
    local name = debug.getlocal(fn, i)
    if not name then break end
    out[i] = name
  end
  return out
end

-- One misspelling of an option name: a middle character dropped
-- (dry_run -> dryrun, prune -> prne).
local function misspell(name)
  local at = math.ceil(#name / 2)
  return name:sub(1, at - 1) .. name:sub(at + 1)
end

local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- The option names a parameter takes: a filter's come from its operation
-- row, options (and project_access's filter) from the one options table.
local function names_for(method, param)
  if param == "filter" then
    local row = operations.rows[ITERATES[method] or method]
    if row then
      local out = {}
      for _, f in ipairs(row.filters or {}) do out[#out + 1] = f.key end
      return out
    end
  end
  local spec = (options.METHODS or {})[method]
  return spec and sorted_keys(spec) or nil
end

-- The walk: { method, position of the table, the parameter's name, names }.
local function walk()
  local cases = {}
  for name, fn in pairs(public_methods()) do
    local p = params(fn)
    for i = 2, #p do
      if p[i] == "opts" or p[i] == "filter" then
        cases[#cases + 1] = { method = name, position = i - 1, param = p[i], names = names_for(name, p[i]) }
      end
    end
  end
  table.sort(cases, function(a, b) return a.method .. a.position < b.method .. b.position end)
  return cases
end

describe("a misspelled option never writes", function()
  local srv, client, fixture
  setup(function()
    srv = local_server.start()
    local c = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    local spec = assert(c:export_access(ORG, { projects = { "atlas-admin-demo" } }))
    fixture = { spec = spec, plan = assert(c:plan_access(spec)) }
    c:close()
  end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
  end)
  after_each(function() if not client:is_closed() then client:close() end end)

  local cases = walk()

  it("finds the methods from the code (so a new one cannot be missed)", function()
    local methods = {}
    for _, c in ipairs(cases) do methods[c.method] = true end
    -- a few every version has: if these are missing, the walk is broken
    for _, m in ipairs { "set_project_roles", "offboard", "set_org_roles", "batch", "list_org_users", "close" } do
      assert.is_true(methods[m] == true, m)
    end
    assert.is_true(#cases >= 50, "only " .. #cases .. " option tables found")
  end)

  it("the server counts requests (so a zero below means something)", function()
    local n = srv:count(function() return client:get_team(ORG, DBA) end)
    assert.is_true(n >= 1)
  end)

  for _, case in ipairs(cases) do
    it(case.method .. ": a misspelled " .. case.param .. " key is refused before any request", function()
      local args_of = ARGS[case.method]
      assert(args_of, "ARGS has no arguments for client:" .. case.method .. " (it takes " .. case.param
        .. "): add them, so the walk covers it")
      assert(case.names and #case.names > 0, "client:" .. case.method .. " takes " .. case.param
        .. " but the options table (options.METHODS) does not list its options")
      local tries = {}
      for _, name in ipairs(case.names) do tries[#tries + 1] = { key = misspell(name), hint = name } end
      if case.param == "opts" then
        local has_dry_run = false
        for _, name in ipairs(case.names) do has_dry_run = has_dry_run or name == "dry_run" end
        tries[#tries + 1] = { key = "dryrun", hint = has_dry_run and "dry_run" or nil }
      end
      local n = srv:count(function()
        for _, try in ipairs(tries) do
          local args = args_of(fixture)
          args.n = args.n or #args
          -- pad to the table's position, then the misspelled table
          local call = { n = case.position }
          for i = 1, case.position - 1 do call[i] = args[i] end
          call[case.position] = { [try.key] = true }
          local value, err = client[case.method](client, unpack(call, 1, call.n))
          if type(value) == "table" and getmetatable(value) and type(value.next) == "function" then
            value, err = value(), value.err -- a page iterator: the first step reports
          end
          local label = "client:" .. case.method .. " with " .. case.param .. " { " .. try.key .. " = true }"
          assert.is_nil(value, label .. " was accepted")
          assert.is_table(err, label)
          assert.equal("validation", err.kind, label .. ": " .. tostring(err))
          assert.equal(try.key, err.field, label .. ": " .. tostring(err))
          assert.matches("unknown", err.message, 1, true)
          if try.hint then assert.matches("did you mean " .. try.hint .. "?", err.message, 1, true) end
          if client:is_closed() then -- close refused its option: it must not have closed
            error(label .. " closed the client")
          end
        end
      end)
      assert.equal(0, n, "client:" .. case.method .. ": requests reached the server")
    end)
  end

  it("set_project_roles with { dryrun = true } adds nobody (the report's example)", function()
    local n, value, err = srv:count(function()
      return client:set_project_roles(GID, PROBE, { "GROUP_READ_ONLY" }, { dryrun = true })
    end)
    assert.is_nil(value)
    assert.equal(0, n)
    assert.matches('unknown set_project_roles option "dryrun"; did you mean dry_run?', err.message, 1, true)
    for _, u in ipairs(srv:state(GID).users or {}) do assert.not_equal(PROBE, u.username) end
  end)

  it("wrong types are refused the same way, naming the option and what it must be", function()
    local cases2 = {
      { "set_project_roles", { GID, PROBE, { "GROUP_READ_ONLY" }, { dry_run = "yes" } }, "dry_run", "true or false" },
      { "offboard", { ORG, PROBE, { allow_no_org_owner = 1 } }, "allow_no_org_owner", "true or false" },
      { "batch", { {}, { concurrency = 0 } }, "concurrency", "from 1 to 64" },
      { "org_access", { ORG, { projects = {} } }, "projects", "non-empty list" },
      { "list_teams", { ORG, { retries = 99 } }, "retries", "from 0" },
      { "set_org_roles", { ORG, PROBE, { "ORG_MEMBER" }, "dry" }, "options", "must be a table" },
    }
    for _, c in ipairs(cases2) do
      local n, value, err = srv:count(function() return client[c[1]](client, unpack(c[2])) end)
      assert.is_nil(value, c[1])
      assert.equal(0, n, c[1])
      assert.equal("validation", err.kind, c[1])
      assert.equal(c[3], err.field, c[1])
      assert.matches(c[4], err.message, 1, true)
    end
  end)
end)
