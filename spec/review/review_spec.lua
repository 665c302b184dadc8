-- client:access_review against the local server: the fixture's planted
-- problems, the request count (the server's), validation before any
-- request, and every format searched for what must never be in it
-- (personal fields, secrets) and for unescaped hostile names.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"
local local_server = require "local_server"
local build = require "atlas_admin.model.build"
local review_mod = require "atlas_admin.review"
local rtime = require "atlas_admin.review.time"

local C = local_server.credentials
local ORG = C.org_id

-- What the fixture holds that no review may show: the people's personal
-- fields and every credential of the fixture.
local function forbidden()
  local f = assert(io.open(local_server.fixtures, "rb"))
  local data = cjson.decode(f:read("*a"))
  f:close()
  local list = {}
  for _, org in ipairs(data.orgs) do
    for _, u in ipairs(org.users) do
      -- (a last name alone can be a word the review itself uses: "Olga Owner", "Project Owner")
      for _, k in ipairs { "mobileNumber", "firstName" } do
        if type(u[k]) == "string" then list[#list + 1] = u[k] end
      end
      if type(u.lastName) == "string" then list[#list + 1] = tostring(u.firstName) .. " " .. u.lastName end
    end
  end
  for _, part in ipairs { "api_keys", "service_accounts" } do
    for _, e in ipairs(data[part] or {}) do
      for k, v in pairs(e) do
        if type(v) == "string" and (k:lower():find("private") or k:lower():find("secret")) then list[#list + 1] = v end
      end
      for _, s in ipairs(e.secrets or {}) do
        for k, v in pairs(s) do
          if type(v) == "string" and (k == "secret" or k:find("masked")) then list[#list + 1] = v end
        end
      end
    end
  end
  -- the server's defaults for people the fixture leaves unnamed
  for _, v in ipairs { "2125550143", "Of Staff", "\"country\"", "mobileNumber", "firstName", "lastName" } do
    list[#list + 1] = v
  end
  return list
end

describe("client:access_review", function()
  local srv, client

  setup(function()
    srv = local_server.start()
    client = assert(atlas.client { base_url = srv.url, auth = atlas.digest(C.public_key, C.private_key),
      on_warning = false })
  end)
  teardown(function()
    client:close()
    srv:stop()
  end)
  before_each(function() srv:reset() end)

  it("finds the fixture's planted problems", function()
    local review = assert(client:access_review(ORG))
    local found = {}
    for _, f in ipairs(review.findings) do found[f.rule .. " " .. f.subject] = f end
    for _, key in ipairs { "too_few_org_owners organization " .. ORG, "inactive_user bob@example.com",
      "never_logged_in dora@example.com", "stale_org_invitation grace@example.com", "legacy_invitation hello@example.com",
      "legacy_invitation jane.smith@example.com", "member_without_access frank@example.com", "empty_team team auditors",
      "team_without_project team auditors", "only_owner_inactive project atlas-admin-demo",
      "project_without_owner project prod" } do
      assert.truthy(found[key], "no finding " .. key .. " in\n" .. tostring(review))
    end
    assert.is_nil(found["inactive_user alice@example.com"])
    assert.equal("high", found["too_few_org_owners organization " .. ORG].severity)
    assert.matches("^atlas%-admin offboard %-%-org " .. ORG .. " %-%-username bob@example.com$",
      found["inactive_user bob@example.com"].fix)
    assert.is_true(review_mod.fails(review, "high"))
    -- plain data, printable
    assert.equal(#review.identities, review.summary.identities)
    assert.matches("^access review of org " .. ORG, tostring(review))
    assert.equal(rtime.epoch(review.generated_at) ~= nil, true)
  end)

  it("costs what org_access costs: pages(users, teams, projects, API keys, service accounts) + 3 x projects + "
    .. "API keys + service accounts, concurrently", function()
    assert(client:access_review(ORG)) -- the batch's connections authenticate once (digest)
    local n, review = srv:count(function() return client:access_review(ORG) end)
    local projects = #review.projects
    assert.equal(5, projects)
    -- 160 org users fit one page of 500; per project its teams, invitations and service accounts; per
    -- identity its access list
    assert.equal(1 + 1 + 1 + 1 + 1 + 3 * projects + C.n_api_keys + C.n_service_accounts, n)
    assert.equal(n, review.requests)
    local model_n = srv:count(function() return assert(client:org_access(ORG)) end)
    assert.is_true(n <= model_n, "the review reads more than org_access") -- (org_access pages by 100)
  end)

  it("checks every argument and option before any request", function()
    for _, c in ipairs {
      { "not-an-org", nil, "orgId" },
      { ORG, { rules = { inactive_usr = {} } }, "rules.inactive_usr" },
      { ORG, { rules = { inactive_user = { days = "90" } } }, "rules.inactive_user.days" },
      { ORG, { rule = {} }, "rule" },
    } do
      local n, review, err = srv:count(function() return client:access_review(c[1], c[2]) end)
      assert.equal(0, n, c[3])
      assert.is_nil(review)
      assert.equal("validation", err.kind)
      assert.equal(c[3], err.field)
      assert.equal("access_review", err.operation)
    end
    assert.has_error(function() client.access_review({}, ORG) end)
  end)

  it("an unknown organization is the server's not found, not a review", function()
    local review, err = client:access_review("aaaaaaaaaaaaaaaaaaaaaaaa")
    assert.is_nil(review)
    assert.equal(404, err.status)
  end)

  it("no format carries a personal field or a secret", function()
    local review = assert(client:access_review(ORG))
    local secrets = forbidden()
    assert.is_true(#secrets >= 8)
    for _, format in ipairs(review_mod.FORMAT_NAMES) do
      local out = review_mod.render(review, format)
      assert.truthy(out:find("bob@example.com", 1, true), format) -- it names people (it must)
      for _, s in ipairs(secrets) do
        assert.is_nil(out:find(s, 1, true), format .. " carries " .. s)
      end
    end
    assert.is_nil(tostring(review):find(C.private_key, 1, true))
  end)

  it("csv: one row per identity and project; json: the review as data", function()
    local review = assert(client:access_review(ORG))
    local csv = review_mod.render(review, "csv")
    local rows = 0
    for _, identity in ipairs(review.identities) do
      local n = 0
      for _ in pairs(identity.projects) do n = n + 1 end
      rows = rows + math.max(n, 1)
    end
    local lines = select(2, csv:gsub("\r\n", ""))
    assert.equal(rows + 1, lines)
    assert.matches('^"kind","name","status","org_roles","project_id","project","roles","highest_role","via"', csv)
    assert.matches('"person","bob@example.com","ACTIVE","ORG_MEMBER","' .. C.group_id
      .. '","atlas%-admin%-demo","GROUP_OWNER GROUP_READ_ONLY","owner","direct; team dba"', csv)
    local data = assert(cjson.decode(review_mod.render(review, "json")))
    assert.equal(#review.findings, #data.findings)
    assert.equal(review.requests, data.requests)
    assert.equal(#review.identities, #data.identities)
  end)
end)

describe("access review formats with hostile names", function()
  -- names are untrusted: markup, quotes, newlines and spreadsheet formulas
  local EVIL_TEAM = "<script>alert(1)</script>\"q\" 'a'\n=cmd|' /C calc'!A0"
  local EVIL_PROJECT = "=HYPERLINK(\"http://x\")<img src=x onerror=alert(2)>"
  local EVIL_USER = "@evil<b>\"x\"@example.com"
  local G = "64f1a2b3c4d5e6f708192a3b"
  local function review()
    local users = { { id = "6a0000000000000000000001", username = EVIL_USER, orgMembershipStatus = "ACTIVE",
      lastAuth = "2026-01-01T00:00:00Z", createdAt = "2025-01-01T00:00:00Z", firstName = "Secret", mobileNumber = "5550100",
      roles = { orgRoles = { "ORG_MEMBER" }, groupRoleAssignments = { { groupId = G, groupRoles = { "GROUP_OWNER" } } } },
      teamIds = { "6b0c0ffee0c0ffee0c0ffe01" } } }
    local model = build.build("4888442a3354817a7320eb61", users, { { id = "6b0c0ffee0c0ffee0c0ffe01", name = EVIL_TEAM } },
      { { id = G, name = EVIL_PROJECT } }, { [G] = {} }, { [G] = {} })
    return review_mod.build(model, assert(review_mod.settings()), rtime.epoch("2026-06-01T00:00:00Z"))
  end

  it("html escapes every name (content and attributes)", function()
    local html = review_mod.render(review(), "html")
    assert.is_nil(html:find("<script>alert", 1, true))
    assert.is_nil(html:find("<img", 1, true))
    assert.is_nil(html:find('<b>"x"', 1, true))
    assert.truthy(html:find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;q&quot; &#39;a&#39;\\n=cmd", 1, true))
    assert.equal(1, select(2, html:gsub("<script>", "")))      -- only the page's own script
    for _, fetch in ipairs { 'src="', "href=", "url(", "@import", "<link" } do -- nothing to fetch...
      assert.is_nil(html:find(fetch, 1, true), fetch)
    end
    assert.truthy(html:find("default-src 'none'", 1, true))    -- ...and the policy forbids it
    assert.is_nil(html:find("Secret", 1, true))
    assert.is_nil(html:find("5550100", 1, true))
  end)

  it("markdown escapes HTML, Markdown and table syntax", function()
    local md = review_mod.render(review(), "md")
    assert.is_nil(md:find("<script", 1, true))
    assert.is_nil(md:find("<img", 1, true))
    for line in md:gmatch("[^\n]+") do
      if line:find("idle", 1, true) or line:find("team", 1, true) then
        assert.is_nil(line:find("=cmd|", 1, true), line) -- a | inside a cell would split it
      end
    end
    assert.truthy(md:find("&lt;script&gt;", 1, true))
    assert.truthy(md:find("\\n=cmd&#124;", 1, true))         -- the newline shown, the table kept
  end)

  it("csv quotes every field and defuses formulas", function()
    local csv = review_mod.render(review(), "csv")
    assert.truthy(csv:find('"\'=HYPERLINK(""http://x"")<img src=x onerror=alert(2)>"', 1, true))
    assert.truthy(csv:find('"\'@evil<b>""x""@example.com"', 1, true))
    -- every field quoted: "..." with "" inside, separated by , and CRLF
    local pos, fields = 1, 0
    while pos <= #csv do
      local field, next_pos = csv:match('^"(.-)"()', pos)
      while field and csv:sub(next_pos, next_pos) == '"' do -- a doubled quote: the field goes on
        local more, after = csv:match('^"(.-)"()', next_pos)
        field, next_pos = field .. '"' .. more, after
      end
      assert.truthy(field, "an unquoted field at " .. pos)
      assert.is_nil(field:match("^[=+@%-]"), field)
      fields = fields + 1
      local sep = csv:sub(next_pos, next_pos)
      pos = next_pos + (sep == "," and 1 or 2)
    end
    assert.equal(12 * 3, fields) -- the header, the person's row and the team's
    local team_row = csv:match('"team","(.-)","')
    assert.equal("<script>alert(1)</script>\"\"q\"\" 'a'\n=cmd|' /C calc'!A0", team_row) -- the newline stays quoted
    assert.is_nil(csv:find("Secret", 1, true))
  end)

  it("text shows control characters escaped", function()
    local text = tostring(review())
    assert.is_nil(text:find("\n=cmd", 1, true))
    assert.truthy(text:find("\\n=cmd", 1, true))
    local colored = review_mod.render(review(), "text", { color = true })
    assert.truthy(colored:find("\27[", 1, true))
    assert.is_nil(tostring(review()):find("\27[", 1, true))
  end)
end)
