-- The operation rows and what request building does with them: one
-- media-type version per resource, filters to an escaped query, dry runs.
-- No I/O: the client points at a port nothing listens on.
local atlas = require "atlas_admin"
local path_of = require("atlas_admin.errors").request_path
local operations = require "atlas_admin.http.operations"

local GID, UID = "32b6e34b3d91647abb20e7b8", "5f0e15e3d52a043fed8b1c93"

local function client(opts)
  opts = opts or {}
  opts.auth = opts.auth or assert(atlas.digest("abcdefgh", "0f4e1b2c-3d5a-4e6f-8a9b-0c1d2e3f4a5b"))
  opts.base_url = opts.base_url or "http://127.0.0.1:9"
  return assert(atlas.client(opts))
end

describe("operation rows", function()
  it("give every row a resource with a default version, a result kind and an idempotence flag", function()
    local n = 0
    for name, op in pairs(operations.rows) do
      n = n + 1
      assert.is_table(operations.resources[op.resource], name)
      assert.truthy(({ object = true, list = true, page = true, none = true })[op.result], name)
      assert.is_boolean(op.idempotent, name)
      assert.is_string(op.spec_id, name)
      local params = {}
      for p in op.path:gmatch("{(%w+)}") do params[#params + 1] = p end
      assert.same(params, op.params, name)
      -- every call with a result says how it prints (show.lua)
      assert.equal(op.result ~= "none", op.presents ~= nil, name)
    end
    -- 6 invitation calls, 6 project Cloud Users calls, the 22 of the organization level, 12 of API keys and
    -- 16 of service accounts
    assert.equal(62, n)
  end)

  it("only a create (POST of a new resource) is not idempotent", function()
    assert.is_false(operations.rows.create_invitation.idempotent)
    assert.is_false(operations.rows.add_project_user.idempotent)
    assert.is_true(operations.rows.update_invitation.idempotent)
    assert.is_true(operations.rows.delete_invitation.idempotent)
  end)
end)

describe("request building per resource", function()
  local c
  before_each(function() c = client() end)
  after_each(function() c:close() end)

  it("sends each resource its own media-type version", function()
    local inv = assert(c:_prepare("list_invitations", { GID }))
    assert.equal("application/vnd.atlas.2023-01-01+json", inv.headers.Accept)
    local users = assert(c:_prepare("list_project_users", { GID }))
    assert.equal("application/vnd.atlas.2025-02-19+json", users.headers.Accept)
    assert.equal("/api/atlas/v2/groups/" .. GID .. "/users", path_of(users))
  end)

  it("applies api_version to the invitation calls only", function()
    local v1 = client { api_version = "v1.0" }
    assert.equal("/api/atlas/v1.0/groups/" .. GID .. "/invites", path_of(assert(v1:_prepare("list_invitations", { GID }))))
    local users = assert(v1:_prepare("list_project_users", { GID }))
    assert.equal("/api/atlas/v2/groups/" .. GID .. "/users", path_of(users))
    assert.equal("application/vnd.atlas.2025-02-19+json", users.headers.Accept)
    v1:close()
  end)

  it("sets either resource's version with api_versions, and refuses v1.0 for users", function()
    local c2 = client { api_versions = { users = "2025-03-12" } }
    assert.equal("application/vnd.atlas.2025-03-12+json", assert(c2:_prepare("get_project_user", { GID, UID })).headers.Accept)
    c2:close()
    local _, err = atlas.client { auth = atlas.digest("abcdefgh", "x-y"), api_versions = { users = "v1.0" } }
    assert.equal("api_versions.users", err.field)
    _, err = atlas.client { auth = atlas.digest("abcdefgh", "x-y"), api_versions = { user = "2025-02-19" } }
    assert.matches("did you mean users%?", err.message)
    _, err = atlas.client { auth = atlas.digest("abcdefgh", "x-y"), api_version = "2023-01-01",
      api_versions = { invitations = "2024-01-01" } }
    assert.equal("api_version", err.field)
  end)

  it("escapes filter values and repeats list parameters", function()
    local req = assert(c:_prepare("list_project_users", { GID }, nil, nil,
      { username = "a+b@example.com", statuses = { "ACTIVE", "INVITATION_EXPIRED" }, include_org_users = true,
        items_per_page = 100, page_num = 2 }))
    assert.equal("username=a%2Bb%40example.com&orgMembershipStatuses=ACTIVE&orgMembershipStatuses=INVITATION_EXPIRED"
      .. "&includeOrgUsers=true&itemsPerPage=100&pageNum=2", req.query)
    local inv = assert(c:_prepare("list_invitations", { GID }, nil, { pretty = true }, { username = "x@example.com" }))
    assert.equal("username=x%40example.com&pretty=true", inv.query)
  end)

  it("rejects bad filters before any request, naming the key", function()
    local cases = {
      { { usrname = "a@example.com" }, "usrname", "did you mean username%?" },
      { { username = "not an email" }, "username", "username" },
      { { statuses = { "ACTIVE", "active" } }, "statuses[2]", "did you mean ACTIVE%?" },
      { { statuses = { "ACTIVE", "ACTIVE" } }, "statuses[2]", "twice" },
      { { statuses = {} }, "statuses", "list of statuses" },
      { { flatten_teams = "yes" }, "flatten_teams", "true or false" },
      { { items_per_page = 501 }, "items_per_page", "1 to 500" },
      { { page_num = 0.5 }, "page_num", "at least 1" },
      { "a@example.com", "filter", "must be a table" },
    }
    for _, case in ipairs(cases) do
      local req, err = c:_prepare("list_project_users", { GID }, nil, nil, case[1])
      assert.is_nil(req)
      assert.equal("validation", err.kind)
      assert.equal(case[2], err.field)
      assert.matches(case[3], err.message)
    end
    local _, err = c:list_invitations(GID, { statuses = { "ACTIVE" } }, { dry_run = true })
    assert.equal("statuses", err.field)
  end)

  it("validates the Cloud Users bodies in C, with role suggestions", function()
    local _, err = c:_prepare("add_project_user_role", { GID, UID }, { groupRole = "GROUP_READONLY" })
    assert.equal("groupRole", err.field)
    assert.matches("did you mean GROUP_READ_ONLY", err.message)
    local req = assert(c:_prepare("add_project_user", { GID }, { username = "a@example.com", roles = { "GROUP_OWNER" } }))
    assert.equal('{"roles":["GROUP_OWNER"],"username":"a@example.com"}', req.body)
    assert.equal("/api/atlas/v2/groups/" .. GID .. "/users/" .. UID .. ":addRole",
      path_of(assert(c:_prepare("add_project_user_role", { GID, UID }, { groupRole = "GROUP_OWNER" }))))
  end)
end)

describe("dry run", function()
  it("returns the request with the credential redacted and sends nothing", function()
    local c = client()
    local req = assert(c:update_invitation(GID, { username = "a@example.com", roles = { "GROUP_OWNER" } },
      { dry_run = true }))
    assert.same({
      operation = "update_invitation", method = "PATCH", auth = "digest",
      url = "http://127.0.0.1:9/api/atlas/v2/groups/" .. GID .. "/invites",
      headers = {
        Accept = "application/vnd.atlas.2023-01-01+json",
        ["Content-Type"] = "application/vnd.atlas.2023-01-01+json",
        Authorization = "<redacted>",
      },
      body = '{"roles":["GROUP_OWNER"],"username":"a@example.com"}',
    }, req)
    -- Nothing listens on port 9: a sent request would have failed.
    assert.same(true, (c:delete_invitation(GID, UID, { dry_run = true })) and true)
    local _, err = c:delete_invitation(GID, "nope", { dry_run = true })
    assert.equal("invitationId", err.field)
    c:close()
  end)
end)
