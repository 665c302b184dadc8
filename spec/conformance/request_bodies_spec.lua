-- Every request body the client can send, validated against the official
-- OpenAPI excerpts (../shared/reference/*.yaml, beside the clone): each
-- operation of operations.lua that sends a body is built through the
-- public client as a dry run, its JSON decoded and checked against the
-- request-body schema of the excerpts' operation with the same method and
-- path template.  A new row with a body needs a sample here, and the next
-- drift between what we send and what Atlas documents fails this spec.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"
local operations = require "atlas_admin.http.operations"
local oa = require "openapi_check"

local G, O = "32b6e34b3d91647abb20e7b8", "4888442a3354817a7320eb61"
local U, T, I = "602eb7429955214668d5b025", "6b0c0ffee0c0ffee0c0ffe01", "602eb7429955214668d5b026"
local DRY = { dry_run = true }
local ANA = "ana@example.com"
local K, SA = "65f0a1b2c3d4e5f601234505", "mdb_sa_id_6529e1d8c9f8f12c0e2a8f12"

-- One valid call per operation that sends a body, through the public
-- methods, as a dry run (the request, nothing sent).
local SAMPLES = {
  create_invitation = function(c)
    return c:create_invitation(G, { username = ANA, roles = { "GROUP_READ_ONLY", "GROUP_OWNER" } }, DRY)
  end,
  update_invitation = function(c) return c:update_invitation(G, { username = ANA, roles = { "GROUP_OWNER" } }, DRY) end,
  update_invitation_by_id = function(c) return c:update_invitation_by_id(G, I, { roles = { "GROUP_READ_ONLY" } }, DRY) end,
  add_project_user = function(c)
    return c:add_project_user(G, { username = ANA, roles = { "GROUP_DATA_ACCESS_READ_ONLY" } }, DRY)
  end,
  add_project_user_role = function(c) return c:add_project_user_role(G, U, "GROUP_OWNER", DRY) end,
  remove_project_user_role = function(c) return c:remove_project_user_role(G, U, "GROUP_OWNER", DRY) end,
  add_org_user = function(c)
    return c:add_org_user(O, { username = ANA, teamIds = { T }, roles = { orgRoles = { "ORG_MEMBER" },
      groupRoleAssignments = { { groupId = G, groupRoles = { "GROUP_READ_ONLY" } } } } }, DRY)
  end,
  update_org_user = function(c)
    return c:update_org_user(O, U, { roles = { orgRoles = { "ORG_MEMBER", "ORG_BILLING_ADMIN" },
      groupRoleAssignments = { { groupId = G, groupRoles = { "GROUP_OWNER" } } } }, teamIds = { T } }, DRY)
  end,
  add_org_user_role = function(c) return c:add_org_user_role(O, U, "ORG_GROUP_CREATOR", DRY) end,
  remove_org_user_role = function(c) return c:remove_org_user_role(O, U, "ORG_GROUP_CREATOR", DRY) end,
  create_team = function(c) return c:create_team(O, { name = "dba", usernames = { ANA, "bob@example.com" } }, DRY) end,
  rename_team = function(c) return c:rename_team(O, T, "platform", DRY) end,
  add_team_user = function(c) return c:add_team_user(O, T, U, DRY) end,
  remove_team_user = function(c) return c:remove_team_user(O, T, U, DRY) end,
  add_project_teams = function(c)
    return c:add_project_teams(G, { { teamId = T, roleNames = { "GROUP_READ_ONLY" } } }, DRY)
  end,
  update_project_team = function(c) return c:update_project_team(G, T, { roleNames = { "GROUP_OWNER" } }, DRY) end,
  -- API keys (2023-01-01) and service accounts (2024-08-05)
  create_api_key = function(c)
    return c:create_api_key(O, { desc = "ci-deploy", roles = { "ORG_MEMBER", "ORG_READ_ONLY" } }, DRY)
  end,
  update_api_key = function(c) return c:update_api_key(O, K, { desc = "ci", roles = { "ORG_GROUP_CREATOR" } }, DRY) end,
  add_api_key_access_list = function(c)
    return c:add_api_key_access_list(O, K, { { ipAddress = "192.0.2.10" }, { cidrBlock = "10.20.0.0/16" },
      { ipAddress = "2001:db8::10" } }, DRY)
  end,
  assign_api_key = function(c) return c:assign_api_key(G, K, { "GROUP_READ_ONLY", "GROUP_OWNER" }, DRY) end,
  update_project_api_key = function(c)
    return c:update_project_api_key(G, K, { roles = { "GROUP_OWNER" }, desc = "ci-deploy" }, DRY)
  end,
  create_service_account = function(c)
    return c:create_service_account(O, { name = "terraform-runner", description = "Runs Terraform, prod.",
      roles = { "ORG_MEMBER" }, secretExpiresAfterHours = 720 }, DRY)
  end,
  update_service_account = function(c)
    return c:update_service_account(O, SA, { name = "runner", description = "CI", roles = { "ORG_READ_ONLY" } }, DRY)
  end,
  create_service_account_secret = function(c)
    return c:create_service_account_secret(O, SA, { secretExpiresAfterHours = 8 }, DRY)
  end,
  add_service_account_access_list = function(c)
    return c:add_service_account_access_list(O, SA, { { cidrBlock = "203.0.113.0/24" }, { ipAddress = "203.0.113.10" } },
      DRY)
  end,
  assign_service_account = function(c) return c:assign_service_account(G, SA, { "GROUP_READ_ONLY" }, DRY) end,
  update_project_service_account = function(c)
    return c:update_project_service_account(G, SA, { roles = { "GROUP_OWNER" }, name = "runner" }, DRY)
  end,
}

-- (lua-cjson decodes [] and {} alike: openapi_check tells arrays by their keys)
local json = cjson.new()

local function body_rows()
  local names = {}
  for name, row in pairs(operations.rows) do
    if row.body then names[#names + 1] = name end
  end
  table.sort(names)
  return names
end

-- The excerpts' problems with a body sent to method and path: a list of
-- "file operationId: problem", and how many operations matched.
local function conformance(docs, method, path, body_json)
  local body = assert(json.decode(body_json), "the body is not JSON: " .. tostring(body_json))
  local ops, problems = oa.operations(docs, method, path), {}
  for _, op in ipairs(ops) do
    if not op.schema then
      problems[#problems + 1] = op.file .. " " .. tostring(op.operation_id) .. ": takes no request body"
    else
      for _, p in ipairs(oa.check(op.doc, op.schema, body)) do
        problems[#problems + 1] = op.file .. " " .. tostring(op.operation_id) .. ": " .. p
      end
    end
  end
  return problems, #ops
end

describe("request bodies against the official OpenAPI excerpts", function()
  local docs, client
  setup(function()
    docs = oa.load() -- fails here, naming ../shared/reference, when the excerpts are missing
    client = assert(atlas.client { auth = assert(atlas.digest("abcdefgh", "k-1")), base_url = "http://127.0.0.1:9",
      on_warning = false })
  end)
  teardown(function() client:close() end)

  it("has a sample for every operation that sends a body", function()
    for _, name in ipairs(body_rows()) do
      assert.is_function(SAMPLES[name], name .. " sends a body: add a sample call to this spec")
    end
  end)

  for _, name in ipairs(body_rows()) do
    it(name .. " sends a body its official schema accepts", function()
      local row = operations.rows[name]
      local req, err = SAMPLES[name](client)
      assert.is_table(req, tostring(err))
      assert.equal(row.method, req.method)
      -- the URL is the row's template filled in (so the template is the one to match)
      local pattern = "^[^/]*//[^/]+" .. oa.PREFIX:gsub("%p", "%%%0")
        .. row.path:gsub("%p", "%%%0"):gsub("%%{[^}]*%%}", "[^/]+") .. "$"
      assert.matches(pattern, (req.url:gsub("%?.*$", "")))
      local problems, matched = conformance(docs, row.method, row.path, req.body)
      assert.is_true(matched >= 1, name .. ": no " .. row.method .. " " .. row.path .. " in the excerpts")
      assert.same({}, problems)
    end)
  end

  it("catches the body update_project_team used to send (roleNames without teamId)", function()
    local problems, matched = conformance(docs, "PATCH", "/groups/{groupId}/teams/{teamId}",
      '{"roleNames":["GROUP_OWNER"]}')
    assert.equal(1, matched)
    assert.equal(1, #problems)
    assert.matches("required field teamId is missing", problems[1], 1, true)
  end)

  it("catches a wrong type, an unknown or read-only field, a repeat and an enum miss", function()
    local cases = {
      { "POST", "/orgs/{orgId}/teams", '{"name":7,"usernames":["a@b.co"]}', "name: must be string" },
      { "POST", "/orgs/{orgId}/teams", '{"name":"x","usernames":["a@b.co"],"nmae":"y"}', "nmae: the schema has no such field" },
      { "POST", "/orgs/{orgId}/teams", '{"id":"6b0c0ffee0c0ffee0c0ffe01","name":"x","usernames":[]}', "id: the schema marks it readOnly" },
      { "POST", "/groups/{groupId}/teams", '{"teamId":"6b0c0ffee0c0ffee0c0ffe01","roleNames":["GROUP_OWNER"]}', "must be array" },
      { "POST", "/groups/{groupId}/users", '{"username":"a@b.co","roles":[]}', "fewer than 1" },
      { "POST", "/groups/{groupId}/users", '{"username":"a@b.co","roles":["GROUP_OWNER","GROUP_OWNER"]}', "uniqueItems" },
      { "POST", "/groups/{groupId}/invites", '{"username":"a@b.co","roles":["GROUP_OWNR"]}', "enum" },
      { "POST", "/orgs/{orgId}/users", '{"username":"a@b.co","roles":{"groupRoleAssignments":[]}}', "orgRoles is missing" },
    }
    for _, case in ipairs(cases) do
      local problems = conformance(docs, case[1], case[2], case[3])
      assert.is_true(#problems >= 1, case[3])
      assert.matches(case[4], table.concat(problems, "\n"), 1, true)
    end
  end)

  it("resolves $refs and allOf within a document, and refuses a $ref it cannot resolve", function()
    local doc = { components = { schemas = {
      Base = { type = "object", required = { "a" }, properties = { a = { type = "string" } } },
      Both = { allOf = { { ["$ref"] = "#/components/schemas/Base" },
        { type = "object", properties = { b = { type = "integer" } } } } },
      Either = { oneOf = { { type = "string" }, { type = "integer" } } },
    } } }
    local ref = { ["$ref"] = "#/components/schemas/Both" }
    assert.same({}, oa.check(doc, ref, json.decode('{"a":"x","b":2}')))
    assert.same({ "body: required field a is missing" }, oa.check(doc, ref, json.decode('{"b":2}')))
    assert.same({ "b: must be integer, got number" }, oa.check(doc, ref, json.decode('{"a":"x","b":2.5}')))
    assert.same({}, oa.check(doc, { ["$ref"] = "#/components/schemas/Either" }, 3))
    assert.equal(1, #oa.check(doc, { ["$ref"] = "#/components/schemas/Either" }, true))
    assert.has_error(function() oa.check(doc, { ["$ref"] = "#/components/schemas/Nope" }, {}) end)
  end)
end)
