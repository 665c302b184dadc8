-- Never do what was not asked, at a shell: the atlas-admin access commands
-- run as a user runs them (the real executable against the local server),
-- with faults, edited plan files and bad input; exit codes and messages as
-- docs/cli.md says; the organization read back afterwards.
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG = C.org_id

local quote, read, write = local_server.quote, local_server.read_file, local_server.write_file

describe("safety: atlas-admin access", function()
  local srv, dir

  local function run(args, env) return srv:cli(args, env) end

  local function org_roles(username)
    for _, u in ipairs(srv:org_state(ORG).users) do
      if u.username == username then return u.roles.orgRoles end
    end
  end

  local function writes() return #srv:writes() end

  local function exported()
    local out, err, code = run("access export --org " .. ORG .. " --project prod")
    assert.equal(0, code, err)
    return out
  end

  setup(function()
    srv = local_server.start()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. quote(dir)))
  end)
  teardown(function()
    srv:stop()
    os.execute("rm -rf " .. quote(dir))
  end)
  before_each(function() srv:reset() end)

  it("a failed promotion leaves the demotion not tried: the org keeps its owner, exit 1", function()
    local text = exported():gsub("  frank@example.com: %[ORG_MEMBER%]", "  frank@example.com: [ORG_OWNER]")
      :gsub("  org.owner@example.com: %[ORG_OWNER%]", "  org.owner@example.com: [ORG_MEMBER]")
    write(dir .. "/swap.yaml", text)
    srv:fault { status = 503, count = 10, match = C.org_users["frank@example.com"].id }
    local out, err, code = run("access apply " .. dir .. "/swap.yaml --yes")
    assert.equal(1, code, err)
    assert.matches("FAILED ~ frank@example.com", out, 1, true)
    assert.matches("not tried ~ org.owner@example.com", out, 1, true)
    assert.same({ "ORG_OWNER" }, org_roles("org.owner@example.com"))
  end)

  it("exit codes: a bad key 3, an unreachable server 4, a bad file 2, declined 7 (spec/cli), a guard 1", function()
    write(dir .. "/a.yaml", exported())
    local _, err, code = run("access plan " .. dir .. "/a.yaml", "MONGODB_ATLAS_PRIVATE_API_KEY=wrong ")
    assert.equal(3, code, err)
    assert.matches("Organization Owner", err, 1, true) -- an organization route: the org's owner role is needed
    _, err, code = run("access plan " .. dir .. "/a.yaml", "MONGODB_ATLAS_BASE_URL=http://127.0.0.1:9 ")
    assert.equal(4, code, err)
    write(dir .. "/bad.yaml", "org: " .. ORG .. "\nusers:\n  frank@example.com: [ORG_OWNR, ORG_BILING_ADMIN]\n")
    _, err, code = run("access plan " .. dir .. "/bad.yaml")
    assert.equal(2, code)
    -- every role problem of the list, no Lua call's name
    assert.matches("users.frank@example.com[1]", err, 1, true)
    assert.matches("users.frank@example.com[2]", err, 1, true)
    assert.is_nil(err:find("(load_access)", 1, true))
  end)

  it("a guard's error names the CLI flag, and -o json carries the guard and the problems", function()
    write(dir .. "/g.yaml", (exported():gsub("  org.owner@example.com: %[ORG_OWNER%]", "  org.owner@example.com: [ORG_MEMBER]")))
    local _, err, code = run("access plan " .. dir .. "/g.yaml")
    assert.equal(1, code)
    assert.matches("add --allow-no-org-owner if you mean it", err, 1, true)
    assert.is_nil(err:find("allow_no_org_owner", 1, true))
    assert.is_nil(err:find("(plan_access)", 1, true))
    local out
    out, _, code = run("access plan " .. dir .. "/g.yaml -o json")
    assert.equal(1, code)
    local e = assert(cjson.decode(out)).error
    assert.same({ "guard", "org_owner", "--allow-no-org-owner" }, { e.kind, e.guard, e.flag })
    write(dir .. "/p.yaml", "org: " .. ORG .. "\nprojects:\n  nowhere:\n    users: {}\n")
    out, _, code = run("access plan " .. dir .. "/p.yaml -o json")
    assert.equal(2, code)
    e = assert(cjson.decode(out)).error
    assert.equal("projects.nowhere", e.problems[1].path)
    assert.equal(3, e.problems[1].line) -- found after the reads, still with its line
    _, err = run("access plan " .. dir .. "/p.yaml")
    assert.matches(dir .. "/p.yaml:3: projects.nowhere", err, 1, true)
  end)

  it("a saved plan: an edited file is refused; overrides and prune are given again; the shown summary is the true one",
    function()
      write(dir .. "/f.yaml", (exported():gsub("  frank@example.com: %[ORG_MEMBER%]", "  frank@example.com: [ORG_READ_ONLY]")))
      assert.equal(0, select(3, run("access plan " .. dir .. "/f.yaml --out " .. dir .. "/plan.json")))
      local plan = cjson.decode(read(dir .. "/plan.json"))
      -- an edited role
      local edited = cjson.decode(read(dir .. "/plan.json"))
      edited.changes[1].after = { "ORG_OWNER" }
      write(dir .. "/edited.json", cjson.encode(edited))
      local _, err, code = run("access apply --plan " .. dir .. "/edited.json --yes")
      assert.equal(1, code)
      assert.matches("edited plan", err, 1, true)
      assert.equal(0, writes())
      -- garbage: a usage error, nothing read
      edited.changes[1].action = "nuke"
      write(dir .. "/nuke.json", cjson.encode(edited))
      _, err, code = run("access apply --plan " .. dir .. "/nuke.json --yes")
      assert.equal(2, code, err)
      assert.matches("plan.changes[1].action", err, 1, true)
      -- a zeroed summary: what is shown is the plan made again
      plan.summary = { add = 0, change = 0, remove = 0, unmanaged = 0 }
      write(dir .. "/zero.json", cjson.encode(plan))
      local out
      out, err, code = run("access apply --plan " .. dir .. "/zero.json --yes")
      assert.equal(0, code, err)
      assert.matches("0 to add, 1 to change", out, 1, true)
      assert.same({ "ORG_READ_ONLY" }, org_roles("frank@example.com"))
    end)

  it("--concurrency 0 and a negative --max-removals are refused before any request", function()
    write(dir .. "/c.yaml", exported())
    local before = srv:stats().requests
    local _, err, code = run("access plan " .. dir .. "/c.yaml --max-removals -1")
    assert.equal(2, code, err)
    _, err, code = run("access apply " .. dir .. "/c.yaml --concurrency 0 --yes")
    assert.equal(2, code, err)
    assert.matches("--concurrency", err, 1, true)
    assert.equal(before, srv:stats().requests)
  end)
end)
