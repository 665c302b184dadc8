-- Names that look alike are not different people or teams (issue 23,
-- points 8 and 12).  The C checks refuse usernames outside printable ASCII
-- (Atlas usernames are email addresses), a NUL in any checked string,
-- team names with invisible or confusable characters, and the team names
-- "." and ".."; every public path that takes such a name stops before any
-- request (counted at the local server), and an access file naming one
-- gets a problem with its path and line.
local atlas = require "atlas_admin"
local core = require "atlas_admin.core"
local local_server = require "local_server"

local C = local_server.credentials
local ORG, GID = C.org_id, C.group_id
local DBA = C.teams.dba.id

-- Usernames that print like an ordinary address but are not one.
local BAD_USERNAMES = {
  { "b\u{43e}b@example.com", "Cyrillic o in bob" },
  { "\u{ff42}\u{ff4f}\u{ff42}@example.com", "fullwidth letters" },
  { "\u{212a}ate@example.com", "the Kelvin sign for K" },
  { "\u{c4}LICE@example.com", "A with diaeresis" },
  { "\u{e4}lice@example.com", "a with diaeresis" },
  { "bob@ex\u{430}mple.com", "Cyrillic a in the domain" },
  { "\u{200b}bob@example.com", "a zero-width space" },
}

-- Team names that print like another name, or like nothing.
local BAD_TEAMS = {
  { "dba\u{a0}", "U+00A0", "a no-break space" },
  { "\u{200b}dba", "U+200B", "a zero-width space" },
  { "d\u{200d}ba", "U+200D", "a zero-width joiner" },
  { "db\u{200e}a", "U+200E", "a left-to-right mark" },
  { "dba\u{feff}", "U+FEFF", "a byte order mark" },
  { "sec\u{ad}ops", "U+00AD", "a soft hyphen" },
  { "dba\u{2060}", "U+2060", "a word joiner" },
  { "a\u{2064}b", "U+2064", "an invisible plus" },
  { "ops\u{202e}nimda", "U+202E", "a right-to-left override" },
  { "on\u{2066}call\u{2069}", "U+2066", "a bidi isolate" },
  { "on\u{2003}call", "U+2003", "an em space" },
  { "on\u{2000}call", "U+2000", "an en quad" },
  { "on\u{200a}call", "U+200A", "a hair space" },
  { "on\u{202f}call", "U+202F", "a narrow no-break space" },
  { "on\u{205f}call", "U+205F", "a medium mathematical space" },
  { "on\u{3000}call", "U+3000", "an ideographic space" },
  { "\u{ff44}\u{ff42}\u{ff41}", "U+FF44", "fullwidth letters" },
  { "dba\u{ff01}", "U+FF01", "a fullwidth exclamation mark" },
  { "\u{212a}ubernetes", "U+212A", "the Kelvin sign" },
  { "\u{212b}ngstr\u{f6}m", "U+212B", "the Angstrom sign" },
}

-- Latin mixed with Cyrillic or Greek: every character is ordinary, the
-- mixture is what deceives.
local MIXED_TEAMS = {
  { "p\u{430}yments", "Cyrillic a among Latin letters" },
  { "db\u{3b1}", "Greek alpha after Latin letters" },
  { "\u{41c}ongo ops", "Cyrillic capital M before Latin letters" },
}

local GOOD_TEAMS = {
  "dba", "Platform Team 2", "\u{c9}quipe donn\u{e9}es", "Donn\u{e9}es / On-call team", "\u{5e73}\u{53f0}\u{56e2}\u{961f}",
  "\u{41a}\u{43e}\u{43c}\u{430}\u{43d}\u{434}\u{430} \u{431}\u{430}\u{437}", -- Cyrillic only: "Команда баз"
  "\u{39f}\u{3bc}\u{3ac}\u{3b4}\u{3b1}", -- Greek only: "Ομάδα"
  "...", ".hidden", "a.b", "\u{1f680} launch", "\u{2714}\u{fe0f} done", "Stra\u{df}e", "Se\u{f1}or devs",
}

describe("the C checks", function()
  describe("usernames", function()
    for _, case in ipairs(BAD_USERNAMES) do
      it("refuse " .. case[2] .. ", naming email addresses and ASCII", function()
        local ok, field, message = core.check_username(case[1], "username")
        assert.is_nil(ok)
        assert.equal("username", field)
        assert.matches("email address", message, 1, true)
        assert.matches("ASCII", message, 1, true)
      end)
    end

    it("refuse a NUL anywhere, naming it", function()
      for _, u in ipairs { "frank@example.com\0.attacker.example", "\0frank@example.com", "frank@example.com\0" } do
        local ok, field, message = core.check_username(u, "users[3]")
        assert.is_nil(ok)
        assert.equal("users[3]", field)
        assert.matches("NUL", message, 1, true)
      end
    end)

    it("refuse the same in lists of usernames (a team's members)", function()
      local ok, field, message = core.check_body("Team", { name = "dba", usernames = { "ana@example.com",
        "b\u{43e}b@example.com" } })
      assert.is_nil(ok)
      assert.equal("usernames[2]", field)
      assert.matches("ASCII", message, 1, true)
    end)

    it("still accept ordinary addresses", function()
      for _, u in ipairs { "bob@example.com", "Bob.Smith+ops@sub.example.co.uk", "o'brien@example.ie", "x@y.z" } do
        assert.is_true(core.check_username(u), u)
      end
    end)
  end)

  describe("team names", function()
    for _, case in ipairs(BAD_TEAMS) do
      it("refuse " .. case[3] .. " (" .. case[2] .. "), naming the character and the fix", function()
        local ok, field, message = core.check_team_name(case[1], "teamName")
        assert.is_nil(ok)
        assert.equal("teamName", field)
        assert.matches(case[2], message, 1, true)
        assert.matches("teamName", message, 1, true)
      end)
    end

    for _, case in ipairs(MIXED_TEAMS) do
      it("refuse " .. case[2], function()
        local ok, field, message = core.check_team_name(case[1], "name")
        assert.is_nil(ok)
        assert.equal("name", field)
        assert.matches("Latin", message, 1, true)
      end)
    end

    it("refuse a NUL anywhere", function()
      for _, t in ipairs { "x\0y", "\0", "dba\0" } do
        local ok, field, message = core.check_team_name(t, "teamName")
        assert.is_nil(ok)
        assert.equal("teamName", field)
        assert.matches("NUL", message, 1, true)
      end
    end)

    it('refuse "." and "..": they cannot be addressed by name in a path', function()
      for _, t in ipairs { ".", ".." } do
        local ok, field, message = core.check_team_name(t, "teamName")
        assert.is_nil(ok)
        assert.equal("teamName", field)
        assert.matches("path", message, 1, true)
      end
    end)

    for _, name in ipairs(GOOD_TEAMS) do
      it("accept " .. string.format("%q", name), function()
        assert.is_true(core.check_team_name(name, "teamName"))
      end)
    end
  end)

  it("refuse a NUL in ids and role names too", function()
    local ok, _, message = core.check_id("4888442a3354817a7320eb6\0", "orgId")
    assert.is_nil(ok)
    assert.matches("NUL", message, 1, true)
    ok, _, message = core.check_roles({ "GROUP_OWNER\0" }, "roles")
    assert.is_nil(ok)
    assert.matches("NUL", message, 1, true)
  end)
end)

describe("the public paths", function()
  local srv, client
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
  end)
  after_each(function() client:close() end)

  -- Runs fn, asserts it returned nil, a validation error naming field, and
  -- that the server saw no request.
  local function refused(field, fn)
    local n, value, err = srv:count(fn)
    assert.is_nil(value)
    assert.equal(0, n)
    assert.equal("validation", err.kind)
    assert.matches(field, tostring(err.field), 1, true)
    return err
  end

  it("the server counts requests (so a zero below means something)", function()
    local n = srv:count(function() return client:get_team(ORG, DBA) end)
    assert.is_true(n >= 1)
  end)

  for _, case in ipairs(BAD_USERNAMES) do
    it("send nothing for a username with " .. case[2], function()
      local u = case[1]
      refused("username", function() return client:set_project_roles(GID, u, { "GROUP_READ_ONLY" }) end)
      refused("username", function() return client:set_org_roles(ORG, u, { "ORG_MEMBER" }) end)
      refused("username", function() return client:add_project_user(GID, { username = u, roles = { "GROUP_READ_ONLY" } }) end)
      refused("username", function() return client:offboard(ORG, u) end)
      refused("usernames[1]", function() return client:create_team(ORG, { name = "new-team", usernames = { u } }) end)
    end)
  end

  it("send nothing for a username with a NUL", function()
    local u = "frank@example.com\0.attacker.example"
    local err = refused("username", function() return client:set_org_roles(ORG, u, { "ORG_MEMBER" }) end)
    assert.matches("NUL", err.message, 1, true)
    refused("username", function() return client:set_project_roles(GID, u, { "GROUP_READ_ONLY" }) end)
  end)

  local all_bad_teams = { { "x\0y", "NUL" }, { ".", "path" }, { "..", "path" } }
  for _, case in ipairs(BAD_TEAMS) do all_bad_teams[#all_bad_teams + 1] = { case[1], case[2] } end
  for _, case in ipairs(MIXED_TEAMS) do all_bad_teams[#all_bad_teams + 1] = { case[1], "Latin" } end

  it("send nothing for a team name with invisible or confusable characters, a NUL, . or ..", function()
    for _, case in ipairs(all_bad_teams) do
      local t = case[1]
      local err = refused("name", function() return client:create_team(ORG, { name = t, usernames = {} }) end)
      assert.matches(case[2], err.message, 1, true)
      refused("teamName", function() return client:get_team_by_name(ORG, t) end)
      refused("name", function() return client:rename_team(ORG, DBA, t) end)
      refused("teamName", function() return client:set_team_members(ORG, t, { "bob@example.com" }) end)
    end
  end)

  it("send nothing for an access spec naming such holders", function()
    for _, u in ipairs { "b\u{43e}b@example.com", "frank@example.com\0.attacker.example" } do
      local err = refused("", function()
        return client:plan_access { org = ORG, users = { [u] = { "ORG_MEMBER" } } }
      end)
      assert.is_true(#err.problems >= 1)
      assert.matches("^users", err.problems[1].path)
    end
    for _, t in ipairs { "dba\u{a0}", "x\0y", ".." } do
      local err = refused("", function() return client:plan_access { org = ORG, teams = { [t] = {} } } end)
      assert.matches("^teams", err.problems[1].path)
    end
  end)
end)

describe("an access file naming such holders", function()
  -- One problem per bad name, each with its path and line.
  local function problems_of(text)
    local spec, err = atlas.load_access(text)
    assert.is_nil(spec)
    local by_line = {}
    for _, p in ipairs(err.problems) do by_line[p.line] = p end
    return by_line, err
  end

  it("reports a look-alike username with its path and line", function()
    local by_line = problems_of(table.concat({
      "org: " .. ORG,
      "users:",
      "  bob@example.com: [ORG_MEMBER]",
      '  "b\\u043eb@example.com": [ORG_MEMBER]',
      "  \u{c4}LICE@example.com: [ORG_MEMBER]",
      "teams:",
      "  dba: [bob@example.com, \"\\uff42ob@example.com\"]",
    }, "\n") .. "\n")
    assert.matches("^users", by_line[4].path)
    assert.matches("ASCII", by_line[4].message, 1, true)
    assert.matches("^users", by_line[5].path)
    assert.matches("email address", by_line[5].message, 1, true)
    assert.equal("teams.dba[2]", by_line[7].path)
    assert.matches("ASCII", by_line[7].message, 1, true)
  end)

  it("reports a team name with invisible or confusable characters, and . and ..", function()
    local by_line = problems_of(table.concat({
      "org: " .. ORG,
      "teams:",
      '  "dba\\u00a0": []',
      '  "\\u200bdba": []',
      '  "p\\u0430yments": []',
      '  ".": []',
      "projects:",
      "  prod:",
      "    teams:",
      '      "..": [GROUP_READ_ONLY]',
      '      "\\uff44\\uff42\\uff41": [GROUP_READ_ONLY]',
    }, "\n") .. "\n")
    assert.matches("U+00A0", by_line[3].message, 1, true)
    assert.matches("^teams", by_line[3].path)
    assert.matches("U+200B", by_line[4].message, 1, true)
    assert.matches("Latin", by_line[5].message, 1, true)
    assert.matches("path", by_line[6].message, 1, true)
    assert.matches("^projects%.prod%.teams", by_line[10].path)
    assert.matches("path", by_line[10].message, 1, true)
    assert.matches("U+FF44", by_line[11].message, 1, true)
  end)

  -- lyaml hands scalars over as C strings, so a "\0" escape would cut the
  -- name before any check sees it: load_access refuses the escape itself.
  it("reports a NUL escape in a username or team name, with its line", function()
    for _, case in ipairs {
      { '  "frank@example.com\\0.attacker.example": [ORG_MEMBER]', "users:" },
      { '  "x\\u0000y": []', "teams:" },
      { '  "x\\x00y": []', "teams:" },
    } do
      local _, err = atlas.load_access(table.concat({ "org: " .. ORG, case[2], case[1] }, "\n") .. "\n")
      assert.equal(3, err.problems[1].line)
      assert.matches("NUL", err.problems[1].message, 1, true)
    end
    -- an escaped backslash before a 0 is two characters, not a NUL
    assert(atlas.load_access("org: " .. ORG .. '\nteams:\n  "x\\\\0y": []\n'))
  end)
end)
