-- atlas_admin.roles: constants, named sets, the set algebra, descriptions.
local cjson = require "cjson"
local roles = require "atlas_admin.roles"
local atlas = require "atlas_admin"

describe("roles", function()
  it("has the eleven project roles as constants", function()
    assert.equal(11, #roles.all())
    for _, r in ipairs(atlas.PROJECT_ROLES) do assert.equal(r, roles[r]) end
    assert.equal("GROUP_OWNER", roles.GROUP_OWNER)
  end)

  it("offers the named sets as plain sequences usable as roles", function()
    for _, name in ipairs { "READ_ONLY", "DATA_READ_ONLY", "DATA_READ_WRITE", "DATA_ACCESS_ADMIN", "CLUSTER_MANAGER",
      "BACKUP_MANAGER", "OBSERVABILITY_VIEWER", "SEARCH_INDEX_EDITOR", "STREAM_PROCESSING_OWNER", "PROJECT_OWNER" } do
      local set = roles[name]
      assert.is_table(set, name)
      assert.is_nil(getmetatable(set))
      assert.is_true(#set >= 1)
      local n = 0
      for _, r in ipairs(set) do
        n = n + 1
        assert.is_string(roles.describe(r))
      end
      assert.equal(#set, n)
      assert.same(set, cjson.decode(cjson.encode(set)))
      assert.is_true(require("atlas_admin.core").check_roles(set))
    end
    assert.is_nil(roles.NO_SUCH_SET)
  end)

  it("cannot be changed by accident: every read is a fresh copy", function()
    local a = roles.DATA_READ_WRITE
    a[1] = "GROUP_OWNER"
    a[#a + 1] = "GROUP_READ_ONLY"
    table.insert(a, "GROUP_BACKUP_MANAGER")
    assert.same({ "GROUP_DATA_ACCESS_READ_WRITE" }, roles.DATA_READ_WRITE)
    assert.has_error(function() roles.READ_ONLY = { "GROUP_OWNER" } end)
    local all = roles.all()
    all[1] = "X"
    assert.not_equal("X", roles.all()[1])
  end)

  it("computes union, minus, has and order-free equality", function()
    local u = roles.union({ "GROUP_READ_ONLY", "GROUP_OWNER" }, { "GROUP_OWNER", "GROUP_BACKUP_MANAGER" }, {})
    assert.same({ "GROUP_READ_ONLY", "GROUP_OWNER", "GROUP_BACKUP_MANAGER" }, u)
    assert.same({ "GROUP_READ_ONLY" }, roles.minus(u, { "GROUP_OWNER", "GROUP_BACKUP_MANAGER", "GROUP_CLUSTER_MANAGER" }))
    assert.same({}, roles.minus({ "GROUP_OWNER" }, { "GROUP_OWNER" }))
    assert.is_true(roles.has(u, "GROUP_OWNER"))
    assert.is_false(roles.has(u, "GROUP_CLUSTER_MANAGER"))
    assert.is_true(roles.equal({ "GROUP_OWNER", "GROUP_READ_ONLY" }, { "GROUP_READ_ONLY", "GROUP_OWNER" }))
    assert.is_true(roles.equal({}, {}))
    assert.is_false(roles.equal({ "GROUP_OWNER" }, { "GROUP_OWNER", "GROUP_READ_ONLY" }))
    assert.is_false(roles.equal({ "GROUP_OWNER", "GROUP_READ_ONLY" }, { "GROUP_OWNER" }))
    assert.has_error(function() roles.union({}, "GROUP_OWNER") end)
  end)

  it("describes every role in one line, and suggests for a typo", function()
    for _, r in ipairs(roles.all()) do
      local d = roles.describe(r)
      assert.is_string(d)
      assert.not_matches("\n", d)
    end
    local d, err = roles.describe("GROUP_READONLY")
    assert.is_nil(d)
    assert.matches("did you mean GROUP_READ_ONLY", err)
  end)
end)
