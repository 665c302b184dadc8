-- Access files without a server: every validation rule, syntax errors
-- with their lines (YAML and JSON), hostile files, and deterministic dumps.
local atlas = require "atlas_admin"

local ORG = "6a1b2c3d4e5f60718293a4b5"

local EXAMPLE = [[
org: 6a1b2c3d4e5f60718293a4b5          # organization id (required)
users:                                  # org membership and org roles (optional section)
  ana@example.com: [ORG_MEMBER]
  olivia@example.com: [ORG_OWNER]
teams:                                  # team name -> members (optional section)
  dba: [dora@example.com, ana@example.com]
projects:                               # project name or id -> access (optional section)
  prod:
    users:                              # person -> exactly these project roles
      ana@example.com: [GROUP_READ_ONLY]
    teams:                              # team -> exactly these project roles
      dba: [GROUP_DATA_ACCESS_ADMIN]
]]

local function problems(text)
  local spec, err = atlas.load_access(text)
  assert.is_nil(spec, "loaded: " .. text)
  assert.equal("validation", err.kind)
  local out = {}
  for _, p in ipairs(err.problems) do out[#out + 1] = (p.line and (p.line .. ": ") or "") .. p.path .. ": " .. p.message end
  return out, err
end

local function tmpfile(text)
  local path = os.tmpname() .. ".yaml"
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

describe("access files", function()
  it("read the issue's example into plain data, from text or a path", function()
    local spec = assert(atlas.load_access(EXAMPLE))
    assert.same({
      org = ORG,
      users = { ["ana@example.com"] = { "ORG_MEMBER" }, ["olivia@example.com"] = { "ORG_OWNER" } },
      teams = { dba = { "dora@example.com", "ana@example.com" } },
      projects = { prod = { users = { ["ana@example.com"] = { "GROUP_READ_ONLY" } },
        teams = { dba = { "GROUP_DATA_ACCESS_ADMIN" } } } },
    }, spec)
    local path = tmpfile(EXAMPLE)
    local from_file = assert(atlas.load_access(path))
    assert.equal(path, from_file.source)
    from_file.source = nil
    assert.same(spec, from_file)
    os.remove(path)
  end)

  it("dump in one deterministic order, YAML or JSON, and read back the same", function()
    local spec = assert(atlas.load_access(EXAMPLE))
    local yaml = atlas.dump_access(spec)
    assert.equal([[
org: 6a1b2c3d4e5f60718293a4b5
users:
  ana@example.com: [ORG_MEMBER]
  olivia@example.com: [ORG_OWNER]
teams:
  dba: [ana@example.com, dora@example.com]
projects:
  prod:
    users:
      ana@example.com: [GROUP_READ_ONLY]
    teams:
      dba: [GROUP_DATA_ACCESS_ADMIN]
]], yaml)
    local json = atlas.dump_access(spec, "json")
    assert.same(assert(atlas.load_access(yaml)), assert(atlas.load_access(json)))
    assert.equal(yaml, atlas.dump_access(assert(atlas.load_access(json))))
    -- the same access built in another order dumps the same bytes
    local other = { projects = { prod = { teams = { dba = { "GROUP_DATA_ACCESS_ADMIN" } }, users = {
      ["ana@example.com"] = { "GROUP_READ_ONLY" } } } }, teams = { dba = { "ana@example.com", "dora@example.com" } },
      users = { ["olivia@example.com"] = { "ORG_OWNER" }, ["ana@example.com"] = { "ORG_MEMBER" } }, org = ORG }
    assert.equal(yaml, atlas.dump_access(other))
    -- names that YAML would misread are quoted, and read back as written
    local tricky = { org = ORG, teams = { ["no"] = {}, ["on call: nights"] = {}, ["123"] = {}, ["#ops"] = {} } }
    local text = atlas.dump_access(tricky)
    assert.matches('"no": []', text, 1, true)
    assert.matches('"on call: nights": []', text, 1, true)
    assert.same(tricky, assert(atlas.load_access(text)))
  end)

  it("keep every scalar a string (no YAML type guessing)", function()
    local spec = assert(atlas.load_access("org: 6a1b2c3d4e5f60718293a4b5\nteams:\n  NO: []\n  '007': []\n  true: []\n"))
    assert.same({ NO = {}, ["007"] = {}, ["true"] = {} }, spec.teams)
  end)

  it("report every problem at once, each with its line and path", function()
    local got = problems([[
org: 6a1b
users:
  ana@example.com: [ORG_MEMBR]
  Ana@example.com: [ORG_MEMBER]
  bob: [ORG_MEMBER]
  carl@example.com: []
  dan@example.com: [GROUP_OWNER]
teams:
  " dba": [x@example.com, X@example.com]
  ops: nobody
projects:
  prod:
    users:
      ana@example.com: [GROUP_OWNR]
      eve@example.com: [ORG_OWNER]
      fay@example.com: [GROUP_OWNER, GROUP_OWNER]
    team: {}
  staging:
colour: blue
]])
    assert.same({
      "1: org: must be exactly 24 lowercase hexadecimal digits, got 4 characters (\"6a1b\")",
      "3: users.ana@example.com[1]: unknown organization role \"ORG_MEMBR\"; did you mean ORG_MEMBER?",
      "4: users.Ana@example.com: a person named twice (also line 3; usernames compare without case)",
      "5: users.bob: the username must be an email address with exactly one '@' (\"bob\")",
      "6: users.carl@example.com: is an empty role list; to remove someone, delete the line (and plan with prune)",
      "7: users.dan@example.com[1]: \"GROUP_OWNER\" is a project role, not an organization role; organization roles "
        .. "are ORG_OWNER, ORG_GROUP_CREATOR, ORG_BILLING_ADMIN, ORG_BILLING_READ_ONLY, ORG_STREAM_PROCESSING_ADMIN, "
        .. "ORG_READ_ONLY, ORG_MEMBER (project roles go in groupRoleAssignments, or use set_project_roles)",
      "9: teams[\" dba\"]: the team name starts or ends with a space (\" dba\"); team names are matched exactly, so trim it",
      "9: teams[\" dba\"][2]: X@example.com is listed twice (also teams[\" dba\"][1]; usernames compare without case)",
      "10: teams.ops: must be a list of usernames (the team's members), e.g. [ana@example.com]",
      "14: projects.prod.users.ana@example.com[1]: unknown project role \"GROUP_OWNR\"; did you mean GROUP_OWNER?",
      "15: projects.prod.users.eve@example.com[1]: \"ORG_OWNER\" is an organization role, not a project role; project "
        .. "roles are GROUP_ roles (e.g. GROUP_READ_ONLY), and organization roles are set with set_org_roles",
      "16: projects.prod.users.fay@example.com[2]: role \"GROUP_OWNER\" is listed twice (also at "
        .. "projects.prod.users.fay@example.com[1]); list each role once",
      "17: projects.prod.team: unknown key \"team\" (a project takes users:, invitations:, teams:, api_keys: and service_accounts:)",
      "18: projects.staging: is empty: give users:, invitations:, teams:, api_keys: and service_accounts: (or delete the project's line)",
      "19: colour: unknown key \"colour\" (an access file has org, users, teams, api_keys, service_accounts and projects)",
    }, got)
  end)

  it("name the line of YAML and JSON syntax errors, and of a file's path", function()
    -- an unclosed list: where libyaml notices, and where the list began
    local _, err = atlas.load_access("org: 6a1b2c3d4e5f60718293a4b5\nusers:\n  ana@example.com: [ORG_MEMBER\n  bob@example.com: x\n")
    assert.equal(4, err.problems[1].line)
    assert.equal("line 4: syntax error: did not find expected ',' or ']' (while parsing a flow sequence that starts on "
      .. "line 3)", err.message)
    _, err = atlas.load_access('{\n  "org": "6a1b2c3d4e5f60718293a4b5",\n  "users": {"a@example.com": ["ORG_MEMBER"]\n}\n')
    assert.equal(5, err.problems[1].line)
    assert.matches("flow mapping that starts on line 1", err.message, 1, true)
    _, err = atlas.load_access('{"org": "6a1b2c3d4e5f60718293a4b5",\n "users": {"a@example.com": ["ORG_MEMBER"],}}\n "x": 1\n')
    assert.equal(3, err.problems[1].line)
    local path = tmpfile("org: 6a1b2c3d4e5f60718293a4b5\nusers:\n\tana@example.com: [ORG_MEMBER]\n")
    _, err = atlas.load_access(path)
    assert.matches("^" .. path:gsub("%p", "%%%0") .. ":3: syntax error: found character that cannot start any token", err.message)
    assert.matches(path .. ":3:", tostring(err), 1, true)
    os.remove(path)
    _, err = atlas.load_access("/nonexistent/access.yaml")
    assert.matches("cannot read it", err.message, 1, true)
  end)

  it("refuse hostile files with a clear error, never a crash", function()
    local function refused(text, pattern)
      local spec, err = atlas.load_access(text)
      assert.is_nil(spec)
      assert.equal("validation", err.kind)
      assert.matches(pattern, err.message)
    end
    refused("", "the file is empty")
    refused("# only a comment\n", "the file is empty")
    refused("- a\n- b\n", "must be a mapping")
    refused("org: 6a1b2c3d4e5f60718293a4b5\n" .. string.rep("x", 9 * 1024 * 1024), "larger than")
    refused("org: " .. string.rep("[", 200) .. string.rep("]", 200), "nested deeper than 32")
    refused("org: 6a1b2c3d4e5f60718293a4b5\nteams:\n  a: &x [a@example.com]\n  b: *x\n", "anchors and aliases")
    -- a billion laughs: refused at its first anchor
    refused("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n", "anchors and aliases")
    refused("org: !!binary 6a1b2c3d4e5f60718293a4b5\n", "tags")
    refused("org: 6a1b2c3d4e5f60718293a4b5\n---\norg: 6a1b2c3d4e5f60718293a4b5\n", "one document")
    refused("\0\1\2\3binary\255\254", "NUL byte")
    refused("org: \255\254\253\n", "syntax error")
    refused("org: 6a1b2c3d4e5f60718293a4b5\n[a, b]: [ORG_MEMBER]\n", "a key must be plain text")
    local many = { "org: 6a1b2c3d4e5f60718293a4b5", "users:" }
    for i = 1, 500 do many[#many + 1] = "  u" .. i .. ": [NOPE]" end
    local _, err = atlas.load_access(table.concat(many, "\n") .. "\n")
    assert.equal(50, #err.problems) -- capped: the first fifty
    -- random bytes: an error every time, never a raise
    math.randomseed(7)
    for _ = 1, 200 do
      local bytes = {}
      for i = 1, math.random(1, 200) do bytes[i] = string.char(math.random(0, 255)) end
      local ok, spec, e = pcall(atlas.load_access, "org: x\n" .. table.concat(bytes))
      assert.is_true(ok, tostring(spec))
      assert.is_true(spec == nil and e.kind == "validation" or type(spec) == "table")
    end
  end)

  it("check a spec built in Lua the same way (plan_access does)", function()
    local check = require("atlas_admin.access_code.file").check
    local ok = assert(check({ org = ORG, teams = { dba = {} }, projects = { prod = { users = {} } } }))
    assert.same({ dba = {} }, ok.teams)
    local _, err = check({ org = ORG, users = { ["a@example.com"] = {} }, teams = { dba = { "nope" } } })
    assert.equal(2, #err.problems)
    _, err = check({ org = ORG, users = { [true] = "x" } })
    assert.matches("not a string", err.message)
    _, err = check({ org = ORG, users = { "x" } })
    assert.matches("users: must be a mapping", err.message, 1, true)
    _, err = check("org: x")
    assert.equal("spec", err.field)
    _, err = check({ users = {} })
    assert.matches("org: is required", err.message, 1, true)
  end)
end)
