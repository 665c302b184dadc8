-- atlas-admin access export|plan|apply as a user runs them: the real
-- executable against the local server (on a terminal through script(1)
-- where the confirmation prompt matters), every run checked for secrets.
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG = C.org_id
local VM = jit and "luajit" or "lua5.4"

local quote, read, write = local_server.quote, local_server.read_file, local_server.write_file

describe("atlas-admin access as code", function()
  local srv, dir

  local function run(args, prefix) return srv:cli(args, prefix) end

  -- On a terminal: script(1) gives the command a pty and feeds it input.
  local function run_on_tty(args, input)
    local inner = srv:lua_env() .. VM .. " bin/atlas-admin " .. args .. " --quiet; echo \"exit=$?\""
    -- (script itself is not instrumented: no sanitizer preload for it)
    local p = assert(io.popen("printf " .. quote(input) .. " | env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS "
      .. "-u UBSAN_OPTIONS script -qec " .. quote(inner) .. " /dev/null"))
    local out = p:read("*a")
    p:close()
    return out, tonumber(out:match("exit=(%d+)"))
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

  it("exports YAML (or JSON), and its plan is in sync: exit 0, or 0 with --detailed-exitcode", function()
    local out, err, code = run("access export --org " .. ORG .. " --project prod")
    assert.equal(0, code, err)
    assert.matches("^org: " .. ORG .. "\nusers:\n", out)
    assert.matches("\nprojects:\n  prod:\n    users: {}\n    teams:\n      dba: %[GROUP_DATA_ACCESS_ADMIN%]\n    api_keys:\n", out)
    assert.matches("\napi_keys:\n.*  ci%-deploy: { roles: %[ORG_MEMBER%], access_list: %[\"10.20.0.0/16\", \"192.0.2.10\"%] }\n", out)
    write(dir .. "/access.yaml", out)
    local json = run("access export --org " .. ORG .. " --project prod -o json")
    assert.equal("6b0c0ffee0c0ffee0c0ffe01", cjson.decode(json).teams and C.teams.dba.id)
    local plan_out
    plan_out, err, code = run("access plan " .. dir .. "/access.yaml --detailed-exitcode")
    assert.equal(0, code, err)
    assert.matches("in sync: nothing to change", plan_out, 1, true)
  end)

  it("plan shows the diff, exits 5 with --detailed-exitcode when changes are pending, -o json and --out give the data",
    function()
      local out = run("access export --org " .. ORG .. " --project prod")
      write(dir .. "/access.yaml", (out:gsub("  frank@example.com: %[ORG_MEMBER%]", "  frank@example.com: [ORG_READ_ONLY]")))
      local diff, err, code = run("access plan " .. dir .. "/access.yaml --detailed-exitcode")
      assert.equal(5, code, err)
      assert.matches("~ frank@example.com: ORG_MEMBER %-> ORG_READ_ONLY", diff)
      assert.is_nil(diff:find("\27[", 1, true)) -- no colour off a terminal
      local _, _, plain = run("access plan " .. dir .. "/access.yaml")
      assert.equal(0, plain)
      local data
      data, err, code = run("access plan " .. dir .. "/access.yaml -o json --out " .. dir .. "/plan.json")
      assert.equal(0, code, err)
      local plan = assert(cjson.decode(data))
      assert.equal(1, #plan.changes)
      assert.equal("change", plan.changes[1].action)
      assert.same(plan, cjson.decode(read(dir .. "/plan.json")))
      -- on a terminal the diff is coloured
      local tty = run_on_tty("access plan " .. dir .. "/access.yaml", "")
      assert.matches("\27[33m  ~ frank@example.com", tty, 1, true)
    end)

  it("apply refuses without a terminal unless --yes (exit 2), applies with it, and a saved plan goes stale", function()
    local out = run("access export --org " .. ORG .. " --project prod")
    write(dir .. "/access.yaml", (out:gsub("  frank@example.com: %[ORG_MEMBER%]", "  frank@example.com: [ORG_READ_ONLY]")))
    assert.equal(0, select(3, run("access plan " .. dir .. "/access.yaml --out " .. dir .. "/plan.json")))
    local _, err, code = run("access apply " .. dir .. "/access.yaml")
    assert.equal(2, code)
    assert.matches("not on a terminal: nothing was applied; add --yes", err, 1, true)
    local applied
    applied, err, code = run("access apply --plan " .. dir .. "/plan.json --yes --audit " .. dir .. "/audit.jsonl")
    assert.equal(0, code, err)
    assert.matches("1 applied, 0 failed", applied, 1, true)
    local records = {}
    for line in read(dir .. "/audit.jsonl"):gmatch("[^\n]+") do records[#records + 1] = cjson.decode(line) end
    assert.same({ "apply_access", "start" }, { records[1].operation, records[1].event }) -- the trail probed first
    assert.equal("update_org_user", records[2].operation)
    -- the saved plan again: the state moved on
    _, err, code = run("access apply --plan " .. dir .. "/plan.json --yes")
    assert.equal(1, code)
    assert.matches("stale plan", err, 1, true)
    -- and the file now plans nothing
    applied, _, code = run("access apply " .. dir .. "/access.yaml --yes")
    assert.equal(0, code)
    assert.matches("in sync: nothing to change", applied, 1, true)
  end)

  it("asks on a terminal: y applies, anything else applies nothing", function()
    local out = run("access export --org " .. ORG .. " --project prod")
    write(dir .. "/access.yaml", (out:gsub("  frank@example.com: %[ORG_MEMBER%]", "  frank@example.com: [ORG_READ_ONLY]")))
    local no, code = run_on_tty("access apply " .. dir .. "/access.yaml", "n\n")
    assert.equal(7, code, no) -- declined: its own exit code
    assert.matches("apply 1 change to org " .. ORG .. "? [y/N]", no, 1, true)
    assert.matches("nothing was applied", no, 1, true)
    local yes
    yes, code = run_on_tty("access apply " .. dir .. "/access.yaml", "y\n")
    assert.equal(0, code, yes)
    assert.matches("1 applied", yes, 1, true)
  end)

  it("reports a bad file with its lines (exit 2) and a tripped guard (exit 1), sending nothing", function()
    write(dir .. "/bad.yaml", "org: " .. ORG .. "\nusers:\n  ana@example.com: [ORG_OWNR]\nprojects:\n  prod:\n"
      .. "    users:\n      ana@example.com: [GROUP_OWNR]\n")
    local n, _, err, code = srv:count(function() return run("access plan " .. dir .. "/bad.yaml") end)
    assert.equal(0, n)
    assert.equal(2, code)
    assert.matches(dir .. "/bad.yaml:3: users.ana@example.com[1]: unknown organization role \"ORG_OWNR\"; did you mean "
      .. "ORG_OWNER?", err, 1, true)
    assert.matches(dir .. "/bad.yaml:7: projects.prod.users.ana@example.com[1]: unknown project role \"GROUP_OWNR\"; did "
      .. "you mean GROUP_OWNER?", err, 1, true)
    write(dir .. "/broken.json", '{"org": "' .. ORG .. '",\n "users": {\n')
    _, err, code = run("access plan " .. dir .. "/broken.json")
    assert.equal(2, code)
    assert.matches(dir .. "/broken.json:3: syntax error", err, 1, true)
    local out = run("access export --org " .. ORG .. " --project prod")
    write(dir .. "/guard.yaml", (out:gsub("  org.owner@example.com: %[ORG_OWNER%]", "  org.owner@example.com: [ORG_MEMBER]")))
    local diff
    diff, err, code = run("access plan " .. dir .. "/guard.yaml")
    assert.equal(1, code)
    assert.matches("guard org_owner", err, 1, true)
    assert.matches("~ org.owner@example.com: ORG_OWNER %-> ORG_MEMBER", diff) -- the plan is still shown
    _, err, code = run("access plan " .. dir .. "/guard.yaml --allow-no-org-owner --allow-no-project-owner")
    assert.equal(0, code, err)
    _, err, code = run("access plan " .. dir .. "/guard.yaml --max-removals 3 --prune --allow-no-org-owner")
    assert.equal(1, code)
    assert.matches("project_owner", err, 1, true)
  end)

  it("has --help for each, and usage errors exit 2", function()
    for _, cmd in ipairs { "access export", "access plan", "access apply" } do
      local out, _, code = run(cmd .. " --help")
      assert.equal(0, code)
      assert.matches("Usage: atlas-admin " .. cmd, out, 1, true)
    end
    local _, err, code = run("access plan")
    assert.equal(2, code)
    assert.matches("give the access file", err, 1, true)
    _, err, code = run("access apply " .. dir .. "/x.yaml --plan " .. dir .. "/p.json")
    assert.equal(2, code)
    assert.matches("one of them", err, 1, true)
    _, err, code = run("access export")
    assert.equal(2, code)
    assert.matches("give --org ID", err, 1, true)
  end)
end)
