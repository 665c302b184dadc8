-- Validation in the C core: every rejection names the field and the fix,
-- and happens before any request exists.
local core = require "atlas_admin.core"

local GID = "32b6e34b3d91647abb20e7b8"

describe("core.check_id", function()
  it("accepts 24 lowercase hex digits", function()
    assert.is_true(core.check_id(GID, "groupId"))
  end)

  for _, case in ipairs {
    { "32b6e34b3d91647abb20e7b", "exactly 24" },
    { "32b6e34b3d91647abb20e7b80", "exactly 24" },
    { "32B6E34B3D91647ABB20E7B8", "lowercase" },
    { "32b6e34b3d91647abb20e7bz", "character 24" },
    { "", "exactly 24" },
    { "32b6e34b3d91647a\0b20e7b8", "character 17" },
  } do
    it("rejects " .. string.format("%q", case[1]), function()
      local ok, field, message = core.check_id(case[1], "groupId")
      assert.is_nil(ok)
      assert.equal("groupId", field)
      assert.matches(case[2], message, 1, true)
    end)
  end

  it("rejects non-strings with the type", function()
    for _, v in ipairs { 42, true, {} } do
      local ok, field, message = core.check_id(v, "invitationId")
      assert.is_nil(ok)
      assert.equal("invitationId", field)
      assert.matches("got " .. type(v), message, 1, true)
    end
    local ok, _, message = core.check_id(nil, "groupId")
    assert.is_nil(ok)
    assert.matches("got nil", message, 1, true)
  end)
end)

describe("core.check_username", function()
  it("accepts plausible addresses", function()
    for _, u in ipairs { "hello@example.com", "a.b+tag@sub.example.co.uk", "x@y.z" } do
      assert.is_true(core.check_username(u), u)
    end
  end)

  for _, case in ipairs {
    { "hello.example.com", "exactly one '@'" },
    { "a@b@example.com", "exactly one '@'" },
    { "@example.com", "nothing before the '@'" },
    { "hello@example", "domain with a dot" },
    { "hello@.com", "domain with a dot" },
    { "hello@example.", "domain with a dot" },
    { "hello @example.com", "spaces or control" },
    { "hello@example.com\r\nX-Evil: 1", "spaces or control" },
    { "", "empty string" },
    { "名前@例え.jp", "printable ASCII" }, -- Atlas usernames are email addresses: look-alikes refused
    { string.rep("a", 250) .. "@example.com", "at most 254" },
  } do
    it("rejects " .. string.format("%q", case[1]):sub(1, 40), function()
      local ok, field, message = core.check_username(case[1])
      assert.is_nil(ok)
      assert.equal("username", field)
      assert.matches(case[2], message, 1, true)
    end)
  end
end)

describe("core.check_roles", function()
  it("accepts every known project role", function()
    local all = core.project_roles()
    assert.equal(11, #all)
    assert.is_true(core.check_roles(all))
  end)

  it("suggests the closest role for a typo", function()
    local ok, field, message = core.check_roles { "GROUP_OWNER", "GROUP_READONLY" }
    assert.is_nil(ok)
    assert.equal("roles[2]", field)
    assert.matches("did you mean GROUP_READ_ONLY?", message, 1, true)
  end)

  it("suggests despite case or a missing GROUP_ prefix", function()
    local _, _, m1 = core.check_roles { "group_owner" }
    assert.matches("did you mean GROUP_OWNER?", m1, 1, true)
    local _, _, m2 = core.check_roles { "CLUSTER_MANAGER" }
    assert.matches("did you mean GROUP_CLUSTER_MANAGER?", m2, 1, true)
    local _, _, m3 = core.check_roles { "GROUP_DATA_ACESS_ADMIN" }
    assert.matches("did you mean GROUP_DATA_ACCESS_ADMIN?", m3, 1, true)
  end)

  it("lists the known roles when nothing is close", function()
    local _, field, message = core.check_roles { "SUPERUSER" }
    assert.equal("roles[1]", field)
    assert.not_matches("did you mean", message, 1, true)
    assert.matches("GROUP_STREAM_PROCESSING_OWNER", message, 1, true)
    assert.matches("extra_roles", message, 1, true)
  end)

  it("explains organization roles", function()
    local _, field, message = core.check_roles { "ORG_OWNER" }
    assert.equal("roles[1]", field)
    assert.matches("organization role, not a project role", message, 1, true)
  end)

  it("rejects empty, duplicate, non-string and non-list roles", function()
    local cases = {
      { {}, "roles", "at least one role" },
      { { "GROUP_OWNER", "GROUP_OWNER" }, "roles[2]", "listed twice" },
      { { "GROUP_OWNER", 7 }, "roles[2]", "got number" },
      { { GROUP_OWNER = true }, "roles", "not a table with named keys" },
      { { [1] = "GROUP_OWNER", [3] = "GROUP_READ_ONLY" }, "roles", "without holes" },
      { "GROUP_OWNER", "roles", "must be a list" },
    }
    for _, case in ipairs(cases) do
      local ok, field, message = core.check_roles(case[1])
      assert.is_nil(ok)
      assert.equal(case[2], field)
      assert.matches(case[3], message, 1, true)
    end
  end)

  it("accepts extra roles given as a set", function()
    assert.is_nil((core.check_roles { "GROUP_REPLICA_SET_MANAGER" }))
    assert.is_true(core.check_roles({ "GROUP_REPLICA_SET_MANAGER" }, "roles", { GROUP_REPLICA_SET_MANAGER = true }))
  end)
end)

describe("core.check_body", function()
  it("accepts the two request schemas", function()
    assert.is_true(core.check_body("GroupInvitationRequest", { roles = { "GROUP_OWNER" }, username = "a@b.co" }))
    assert.is_true(core.check_body("GroupInvitationUpdateRequest", { roles = { "GROUP_OWNER" } }))
  end)

  it("rejects unknown fields, naming what is accepted", function()
    local ok, field, message = core.check_body("GroupInvitationUpdateRequest",
      { roles = { "GROUP_OWNER" }, username = "a@b.co" })
    assert.is_nil(ok)
    assert.equal("username", field)
    assert.matches("accepts only roles", message, 1, true)
    local _, f2, m2 = core.check_body("GroupInvitationRequest", { roles = { "GROUP_OWNER" }, usrname = "a@b.co" })
    assert.equal("usrname", f2)
    assert.matches("unknown field", m2, 1, true)
  end)

  it("requires roles and username", function()
    local _, f1 = core.check_body("GroupInvitationRequest", { username = "a@b.co" })
    assert.equal("roles", f1)
    local _, f2, m2 = core.check_body("GroupInvitationRequest", { roles = { "GROUP_OWNER" } })
    assert.equal("username", f2)
    assert.matches("required", m2, 1, true)
  end)

  it("rejects a body that is not a table or has list entries", function()
    local _, f1, m1 = core.check_body("GroupInvitationUpdateRequest", "roles")
    assert.equal("body", f1)
    assert.matches("got string", m1, 1, true)
    local _, f2 = core.check_body("GroupInvitationUpdateRequest", { "GROUP_OWNER" })
    assert.equal("body", f2)
  end)

  it("raises on an unknown schema name (a bug, not input)", function()
    assert.has_error(function() core.check_body("Nope", {}) end)
  end)
end)
