-- Every rule of the access review on hand-built read models: a baseline
-- organization with no finding at all, and per rule one change that trips
-- it and a near miss that does not.  API keys and service accounts are
-- built in issue 25's shape, so their rules run here before the model
-- reads them from Atlas.
local build = require "atlas_admin.model.build"
local review_mod = require "atlas_admin.review"
local rules = require "atlas_admin.review.rules"
local rtime = require "atlas_admin.review.time"

local NOW = rtime.epoch("2026-06-01T12:00:00Z")
local function ago(days) return rtime.iso(NOW - days * 86400) end
local function ahead(days) return rtime.iso(NOW + days * 86400) end

local ORG = "4888442a3354817a7320eb61"
local PROD, STAGING = "64f1a2b3c4d5e6f708192a3b", "64f1a2b3c4d5e6f708192a3c"
local OPS = "6b0c0ffee0c0ffee0c0ffe01"

-- The raw listings of a clean organization (Atlas's shapes); a case edits
-- them, then model() builds the read model the review sees.
local function baseline()
  local function user(id, name, org_roles, assignments, teams)
    return { id = id, username = name, orgMembershipStatus = "ACTIVE", createdAt = ago(300), lastAuth = ago(1),
      roles = { orgRoles = org_roles, groupRoleAssignments = assignments or {} }, teamIds = teams or {} }
  end
  return {
    users = {
      user("6a0000000000000000000001", "o1@example.com", { "ORG_OWNER" }),
      user("6a0000000000000000000002", "o2@example.com", { "ORG_OWNER" }),
      user("6a0000000000000000000003", "alice@example.com", { "ORG_MEMBER" },
        { { groupId = PROD, groupRoles = { "GROUP_OWNER" } } }, { OPS }),
      user("6a0000000000000000000004", "bob@example.com", { "ORG_MEMBER" }, {}, { OPS }),
    },
    teams = { { id = OPS, name = "ops" } },
    projects = { { id = PROD, name = "prod" }, { id = STAGING, name = "staging" } },
    project_teams = { [PROD] = { { teamId = OPS, roleNames = { "GROUP_READ_ONLY" } } },
      [STAGING] = { { teamId = OPS, roleNames = { "GROUP_OWNER" } } } },
    invitations = { [PROD] = {}, [STAGING] = {} },
    api_keys = { { id = "5f00000000000000000000a1", desc = "ci-deploy", org_roles = { "ORG_MEMBER" },
      projects = { [STAGING] = { "GROUP_READ_ONLY" } },
      access_list = { { cidrBlock = "10.20.0.0/16", lastUsed = ago(2) } } } },
    service_accounts = { { id = "mdb_sa_id_000000000000000000000001", name = "terraform", org_roles = { "ORG_READ_ONLY" },
      projects = {}, access_list = { { ipAddress = "192.0.2.10", lastUsedAt = ago(1) } },
      secrets = { { createdAt = ago(10), expiresAt = ahead(80), lastUsedAt = ago(1) } } } },
  }
end

local function model(raw)
  local m = build.build(ORG, raw.users, raw.teams, raw.projects, raw.project_teams, raw.invitations)
  m.api_keys, m.service_accounts = raw.api_keys, raw.service_accounts
  return m
end

local function review_of(raw, opts)
  local settings = assert(review_mod.settings(opts))
  return review_mod.build(model(raw), settings, NOW)
end

local function rules_found(review)
  local set = {}
  for _, f in ipairs(review.findings) do set[f.rule] = (set[f.rule] or 0) + 1 end
  return set
end

local function find_user(raw, name)
  for _, u in ipairs(raw.users) do
    if u.username == name then return u end
  end
end

local function add_user(raw, name, status, org_roles, fields)
  local u = { id = string.format("6a00000000000000000000%02x", #raw.users + 16), username = name,
    orgMembershipStatus = status, roles = { orgRoles = org_roles, groupRoleAssignments = {} }, teamIds = {} }
  for k, v in pairs(fields or {}) do u[k] = v end
  raw.users[#raw.users + 1] = u
  return u
end

-- rule -> { trip = edit that trips it, near = a similar edit that does not }
local CASES = {
  inactive_user = {
    trip = function(raw) find_user(raw, "bob@example.com").lastAuth = ago(100) end,
    near = function(raw) find_user(raw, "bob@example.com").lastAuth = ago(80) end },
  never_logged_in = {
    trip = function(raw) local u = find_user(raw, "bob@example.com") u.lastAuth, u.createdAt = nil, ago(40) end,
    near = function(raw) local u = find_user(raw, "bob@example.com") u.lastAuth, u.createdAt = nil, ago(20) end },
  stale_org_invitation = {
    trip = function(raw) add_user(raw, "carol@example.com", "PENDING", { "ORG_MEMBER" },
      { invitationCreatedAt = ago(45), invitationExpiresAt = ahead(5) }) end,
    near = function(raw) add_user(raw, "carol@example.com", "PENDING", { "ORG_MEMBER" },
      { invitationCreatedAt = ago(5), invitationExpiresAt = ahead(25) }) end },
  legacy_invitation = {
    trip = function(raw) raw.invitations[PROD] = { { id = "602eb7429955214668d5b025", username = "hello@example.com",
      -- (the read model drops invitations expired by the clock, not by NOW)
      roles = { "GROUP_READ_ONLY" }, createdAt = ago(3), expiresAt = "2099-01-01T00:00:00Z" } } end,
    -- an expired one gives no access any more (the model drops it)
    near = function(raw) raw.invitations[PROD] = { { id = "602eb7429955214668d5b025", username = "hello@example.com",
      roles = { "GROUP_READ_ONLY" }, createdAt = ago(40), expiresAt = "2001-01-01T00:00:00Z" } } end },
  member_without_access = {
    trip = function(raw) add_user(raw, "frank@example.com", "ACTIVE", { "ORG_MEMBER" }, { lastAuth = ago(1) }) end,
    near = function(raw) add_user(raw, "frank@example.com", "ACTIVE", { "ORG_MEMBER" }, { lastAuth = ago(1),
      teamIds = { OPS } }) end },
  redundant_direct_roles = {
    trip = function(raw) find_user(raw, "bob@example.com").roles.groupRoleAssignments = {
      { groupId = PROD, groupRoles = { "GROUP_READ_ONLY" } } } end,
    near = function(raw) find_user(raw, "bob@example.com").roles.groupRoleAssignments = {
      { groupId = PROD, groupRoles = { "GROUP_READ_ONLY", "GROUP_DATA_ACCESS_READ_WRITE" } } } end },
  too_few_org_owners = {
    trip = function(raw) find_user(raw, "o2@example.com").roles.orgRoles = { "ORG_BILLING_ADMIN" } end,
    -- a pending owner does not count, but two active ones are enough
    near = function(raw) add_user(raw, "o3@example.com", "PENDING", { "ORG_OWNER" }, { invitationCreatedAt = ago(1),
      invitationExpiresAt = ahead(29) }) end },
  too_many_org_owners = {
    trip = function(raw) for i = 3, 6 do add_user(raw, "o" .. i .. "@example.com", "ACTIVE", { "ORG_OWNER" },
      { lastAuth = ago(1) }) end end,
    near = function(raw) for i = 3, 5 do add_user(raw, "o" .. i .. "@example.com", "ACTIVE", { "ORG_OWNER" },
      { lastAuth = ago(1) }) end end },
  project_without_owner = {
    trip = function(raw) find_user(raw, "alice@example.com").roles.groupRoleAssignments = {
      { groupId = PROD, groupRoles = { "GROUP_READ_ONLY" } } } end,
    -- the owner through a team counts
    near = function(raw)
      find_user(raw, "alice@example.com").roles.groupRoleAssignments = {}
      raw.project_teams[PROD] = { { teamId = OPS, roleNames = { "GROUP_OWNER" } } }
    end },
  only_owner_inactive = {
    trip = function(raw) find_user(raw, "alice@example.com").lastAuth = ago(120) end,
    near = function(raw) find_user(raw, "alice@example.com").lastAuth = ago(60) end },
  identity_org_owner = {
    trip = function(raw) raw.api_keys[1].org_roles = { "ORG_OWNER" } end,
    near = function(raw) raw.api_keys[1].org_roles = { "ORG_READ_ONLY" } end },
  no_access_list = {
    trip = function(raw) raw.service_accounts[1].access_list = {} end,
    near = function(raw) raw.service_accounts[1].access_list = { { cidrBlock = "203.0.113.0/24", lastUsedAt = ago(3) } } end },
  unused_identity = {
    trip = function(raw) raw.api_keys[1].access_list[1].lastUsed = nil end, -- never used
    near = function(raw) raw.api_keys[1].access_list[1].lastUsed = ago(80) end },
  expiring_secret = {
    trip = function(raw) raw.service_accounts[1].secrets[1].expiresAt = ahead(3) end,
    near = function(raw) raw.service_accounts[1].secrets[1].expiresAt = ahead(20) end },
  long_lived_secret = {
    trip = function(raw) raw.service_accounts[1].secrets[1].expiresAt = nil end, -- never expires
    near = function(raw) raw.service_accounts[1].secrets[1].expiresAt = rtime.iso(rtime.epoch(ago(10)) + 365 * 86400) end },
  identity_prod_owner = {
    trip = function(raw) raw.api_keys[1].projects = { [PROD] = { "GROUP_OWNER" } } end,
    near = function(raw) raw.api_keys[1].projects = { [STAGING] = { "GROUP_OWNER" } } end },
  empty_team = {
    trip = function(raw)
      raw.teams[#raw.teams + 1] = { id = "6b0c0ffee0c0ffee0c0ffe09", name = "nobody" }
      raw.project_teams[PROD][#raw.project_teams[PROD] + 1] = { teamId = "6b0c0ffee0c0ffee0c0ffe09", roleNames = { "GROUP_READ_ONLY" } }
    end,
    near = function(raw)
      raw.teams[#raw.teams + 1] = { id = "6b0c0ffee0c0ffee0c0ffe09", name = "somebody" }
      raw.project_teams[PROD][#raw.project_teams[PROD] + 1] = { teamId = "6b0c0ffee0c0ffee0c0ffe09", roleNames = { "GROUP_READ_ONLY" } }
      table.insert(find_user(raw, "bob@example.com").teamIds, "6b0c0ffee0c0ffee0c0ffe09")
    end },
  team_without_project = {
    trip = function(raw)
      raw.teams[#raw.teams + 1] = { id = "6b0c0ffee0c0ffee0c0ffe09", name = "idle" }
      table.insert(find_user(raw, "bob@example.com").teamIds, "6b0c0ffee0c0ffee0c0ffe09")
    end,
    near = function(raw)
      raw.teams[#raw.teams + 1] = { id = "6b0c0ffee0c0ffee0c0ffe09", name = "busy" }
      table.insert(find_user(raw, "bob@example.com").teamIds, "6b0c0ffee0c0ffee0c0ffe09")
      raw.project_teams[STAGING][#raw.project_teams[STAGING] + 1] = { teamId = "6b0c0ffee0c0ffee0c0ffe09", roleNames = { "GROUP_READ_ONLY" } }
    end },
}

describe("access review rules", function()
  it("the baseline organization has no finding, and every rule ran", function()
    local review = review_of(baseline())
    assert.same({}, review.findings)
    assert.same(rules.NAMES, review.summary.rules_run)
    assert.equal(4 + 1 + 1 + 1, review.summary.identities) -- 4 people, a team, a key, an account
  end)

  it("each rule has a case here (one table of rules, one table of cases)", function()
    for _, name in ipairs(rules.NAMES) do assert.is_table(CASES[name], "no case for rule " .. name) end
    for name in pairs(CASES) do assert.is_table(rules.by_name[name], "a case for no rule: " .. name) end
    for _, rule in ipairs(rules.RULES) do
      assert.truthy(rules.RANK[rule.severity], rule.name)
      assert.is_string(rule.about, rule.name)
      assert.is_table(rule.reads, rule.name)
    end
  end)

  for _, name in ipairs(rules.NAMES) do
    local case = CASES[name]
    it(name .. ": tripped by its fixture, not by the near miss", function()
      local raw = baseline()
      case.trip(raw)
      local review = review_of(raw)
      local found = rules_found(review)
      assert.truthy(found[name], name .. " not found")
      for _, f in ipairs(review.findings) do
        if f.rule == name then
          assert.equal(rules.by_name[name].severity, f.severity)
          assert.is_string(f.subject)
          assert.is_string(f.detail)
          assert.matches("^atlas%-admin ", f.fix:gsub("^client:", "atlas-admin "))
        end
      end
      -- turned off, it says nothing
      local off = review_of(raw, { rules = { [name] = false } })
      assert.is_nil(rules_found(off)[name])
      assert.same({ name }, off.summary.rules_off)
      raw = baseline()
      case.near(raw)
      assert.is_nil(rules_found(review_of(raw))[name], name .. " found in the near miss")
    end)
  end

  it("docs/review.md documents every rule: severity, kinds, thresholds", function()
    local f = assert(io.open("docs/review.md", "rb"))
    local doc = f:read("*a")
    f:close()
    for _, rule in ipairs(rules.RULES) do
      local line = doc:match("\n(| `" .. rule.name .. "` |[^\n]*)")
      assert.is_string(line, rule.name .. " is not in docs/review.md")
      assert.truthy(line:find("| " .. rule.severity .. " | " .. table.concat(rule.reads, ", ") .. " |", 1, true), line)
      for k, v in pairs(rule.options) do assert.truthy(line:find("`" .. k .. "` " .. tostring(v), 1, true), line) end
      assert.truthy(line:find(rule.about, 1, true), line)
    end
  end)

  it("a threshold option moves the line", function()
    local raw = baseline()
    CASES.inactive_user.near(raw) -- 80 days
    assert.is_nil(rules_found(review_of(raw)).inactive_user)
    assert.equal(1, rules_found(review_of(raw, { rules = { inactive_user = { days = 60 } } })).inactive_user)
    raw = baseline()
    CASES.identity_prod_owner.near(raw) -- owner on staging
    assert.equal(1, rules_found(review_of(raw, { rules = { identity_prod_owner = { pattern = "^stag" } } })).identity_prod_owner)
  end)

  it("skips the API key and service account rules when the model has none (before it reads them)", function()
    local raw = baseline()
    raw.api_keys, raw.service_accounts = nil, nil
    find_user(raw, "o2@example.com").roles.orgRoles = { "ORG_BILLING_ADMIN" }
    local review = review_of(raw)
    assert.same({ too_few_org_owners = 1 }, rules_found(review))
    assert.same({ "identity_org_owner", "no_access_list", "unused_identity", "expiring_secret", "long_lived_secret",
      "identity_prod_owner" }, review.summary.rules_not_run)
    assert.is_nil(review.summary.by_kind.api_key)
  end)

  it("lists each identity with its roles per project and why", function()
    local review = review_of(baseline())
    local by = {}
    for _, identity in ipairs(review.identities) do by[identity.kind .. ":" .. identity.name] = identity end
    local alice = by["person:alice@example.com"]
    assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, alice.projects[PROD].roles)
    assert.equal("owner", alice.projects[PROD].level)
    assert.same({ { how = "direct", roles = { "GROUP_OWNER" } }, { how = "team", team = "ops", roles = { "GROUP_READ_ONLY" } } },
      alice.projects[PROD].via)
    assert.equal(ago(1), alice.last_activity)
    assert.equal("org_owner", by["person:o1@example.com"].projects[STAGING].via[1].how)
    assert.equal("read", by["service_account:terraform"].projects[PROD].level) -- ORG_READ_ONLY reaches every project
    assert.equal(ago(2), by["api_key:ci-deploy"].last_activity)
    assert.same({ "ci-deploy" }, { by["api_key:ci-deploy"].name })
    assert.same({ "alice@example.com", "bob@example.com" }, by["team:ops"].members)
  end)

  describe("options are checked before anything else", function()
    local cases = {
      { { rules = { inactive_usr = { days = 3 } } }, "rules.inactive_usr", "did you mean inactive_user" },
      { { rules = { inactive_user = { dayz = 3 } } }, "rules.inactive_user.dayz", "did you mean days" },
      { { rules = { inactive_user = { days = -1 } } }, "rules.inactive_user.days", "whole number" },
      { { rules = { inactive_user = { days = 1.5 } } }, "rules.inactive_user.days", "whole number" },
      { { rules = { identity_prod_owner = { pattern = "[" } } }, "rules.identity_prod_owner.pattern", "Lua pattern" },
      { { rules = { empty_team = { days = 3 } } }, "rules.empty_team.days", "no options" },
      { { rules = { expiring_secret = "no" } }, "rules.expiring_secret", "false" },
      { { rule = {} }, "rule", "did you mean rules" },
      { "rules", "options", "must be a table" },
    }
    for _, c in ipairs(cases) do
      it("refuses " .. c[2], function()
        local ok, err = review_mod.settings(c[1])
        assert.is_nil(ok)
        assert.equal("validation", err.kind)
        assert.equal(c[2], err.field)
        assert.matches(c[3], err.message, 1, true)
      end)
    end
  end)

  it("reads dates as UTC whatever the time zone", function()
    assert.equal(0, rtime.epoch("1970-01-01T00:00:00Z"))
    assert.equal(951782400, rtime.epoch("2000-02-29T00:00:00.123Z"))
    assert.equal("2026-06-01T12:00:00Z", rtime.iso(NOW))
    assert.is_nil(rtime.epoch("yesterday"))
  end)
end)
