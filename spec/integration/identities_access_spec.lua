-- API keys and service accounts in access as code (the file's api_keys:,
-- service_accounts: and projects.<p>.api_keys / service_accounts:) against
-- the local server: export round trip, each change kind, creation with and
-- without a secrets directory, prune and the in_use guard, and the created
-- secret found in its 0600 file and nowhere else.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local ORG = C.org_id
local PROD = C.projects.prod.id

local function quote(s) return local_server.quote(s) end

describe("access as code: API keys and service accounts", function()
  local srv, client, dir
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function()
    srv:reset()
    client = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, retries = 0 })
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. quote(dir)))
  end)
  after_each(function()
    client:close()
    os.execute("rm -rf " .. quote(dir))
  end)

  local function key_named(name)
    for _, k in ipairs(srv:org_state(ORG).api_keys) do
      if k.desc == name then return k end
    end
  end

  it("an export with identities plans empty, even with prune (YAML and JSON)", function()
    local spec = assert(client:export_access(ORG))
    assert.same({ roles = { "ORG_MEMBER" }, access_list = { "10.20.0.0/16", "192.0.2.10" } }, spec.api_keys["ci-deploy"])
    assert.same({ "GROUP_READ_ONLY" }, spec.projects.prod.api_keys["ci-deploy"])
    assert.same({ "GROUP_DATA_ACCESS_READ_ONLY" }, spec.projects.prod.service_accounts["terraform-runner"])
    for _, format in ipairs { "yaml", "json" } do
      local plan = assert(client:plan_access(assert(atlas.load_access(atlas.dump_access(spec, format))), { prune = true }))
      assert.same({}, plan.changes)
    end
  end)

  it("converges roles, access lists and project roles; creating needs a secrets directory", function()
    local spec = assert(client:export_access(ORG))
    spec.api_keys["new-ci"] = { roles = { "ORG_MEMBER" }, access_list = { "10.1.0.0/16" } }
    spec.api_keys["ci-deploy"] = { roles = { "ORG_READ_ONLY" }, access_list = { "10.20.0.0/16" } }
    spec.projects.prod.api_keys["new-ci"] = { "GROUP_READ_ONLY" }
    spec.service_accounts["terraform-runner"].access_list = { "192.0.2.10", "192.0.2.11" }
    spec.projects.staging.service_accounts["terraform-runner"] = { "GROUP_READ_ONLY" }
    local plan = assert(client:plan_access(spec))
    local got = {}
    for _, c in ipairs(plan.changes) do got[#got + 1] = c.action .. " " .. c.kind .. " " .. c.name .. " " .. (c.address or "") end
    table.sort(got)
    assert.same({ "add api_key new-ci ", "add api_key_access new-ci 10.1.0.0/16", "add project_api_key new-ci ",
      "add service_account_access terraform-runner 192.0.2.11", "change api_key ci-deploy ",
      "change project_service_account terraform-runner ", "remove api_key_access ci-deploy 192.0.2.10" }, got)
    -- no secrets directory: refused before any write, naming the option
    local report, err = client:apply_access(plan)
    assert.is_nil(report)
    assert.equal("secrets_dir", err.field)
    assert.same({}, srv:writes())
    -- with one: applied; the secret in a new 0600 file, and nowhere else
    local audit = dir .. "/audit.jsonl"
    local audited = assert(atlas.client { auth = assert(atlas.digest(C.public_key, C.private_key)), base_url = srv.url,
      on_warning = false, audit = audit })
    local secrets = dir .. "/secrets"
    assert(os.execute("mkdir " .. quote(secrets)))
    report = assert(audited:apply_access(plan, { secrets_dir = secrets }))
    audited:close()
    assert.equal(7, report.summary.applied)
    local created = key_named("new-ci")
    assert.is_table(created)
    local path = secrets .. "/api_key.new-ci." .. created.publicKey
    local f = assert(io.open(path, "rb"))
    local secret = f:read("*a")
    f:close()
    assert.is_true(#secret >= 32)
    local p = assert(io.popen("stat -c %a " .. quote(path)))
    assert.equal("600", p:read("*l"))
    p:close()
    for what, out in pairs { report = tostring(report), plan = tostring(plan), audit = local_server.read_file(audit),
        json = cjson.encode(plan) } do
      assert.is_nil(out:find(secret, 1, true), "the secret is in the " .. what)
    end
    -- the new key is assigned to prod and restricted; planning again is empty
    assert.same({ "GROUP_READ_ONLY" }, assert(client:org_access(ORG)).api_key[created.id].projects[PROD])
    assert.same({}, assert(client:plan_access(spec)).changes)
    -- an existing file is never overwritten: the same name again is refused at write time
    assert.is_nil(select(2, io.open(path, "rb")))
  end)

  it("deletes an identity only with prune, and the in_use guard refuses one used lately, sending nothing", function()
    local spec = assert(client:export_access(ORG))
    spec.api_keys["ci-deploy"] = nil
    spec.projects.prod.api_keys["ci-deploy"] = nil
    spec.projects.staging.api_keys["ci-deploy"] = nil
    local plan = assert(client:plan_access(spec))
    assert.same({}, plan.changes) -- unmanaged, not removed
    assert.is_true(#plan.unmanaged >= 1)
    -- old-reporting, last used a year ago, goes with prune; ci-deploy was used lately
    spec = assert(client:export_access(ORG))
    spec.api_keys["old-reporting"] = nil
    spec.projects.prod.api_keys["old-reporting"] = nil
    plan = assert(client:plan_access(spec, { prune = true }))
    assert(client:apply_access(plan, { prune = true }))
    assert.is_nil(key_named("old-reporting"))
    -- ci-deploy's access list was used an hour ago (the fixture): deleting it trips in_use, nothing sent
    spec = assert(client:export_access(ORG))
    local n0 = #srv:writes()
    spec.api_keys["ci-deploy"] = nil
    spec.projects.prod.api_keys["ci-deploy"] = nil
    spec.projects.staging.api_keys["ci-deploy"] = nil
    local _, err = client:plan_access(spec, { prune = true })
    assert.equal("guard", err.kind)
    assert.equal("in_use", err.guard)
    assert.equal("--allow-in-use", err.flag)
    assert.matches("API key ci-deploy (last used ", err.message, 1, true)
    assert.equal(n0, #srv:writes())
    plan = assert(client:plan_access(spec, { prune = true, allow_in_use = true }))
    -- the override is given again at apply time, never read from the plan
    local _, again = client:apply_access(plan, { prune = true })
    assert.equal("in_use", again.guard)
    assert(client:apply_access(plan, { prune = true, allow_in_use = true }))
    assert.is_nil(key_named("ci-deploy"))
  end)

  it("at a shell: a new service account from a file, its secret in a 0600 file and nowhere else", function()
    local out, err, code = srv:cli("access export --org " .. ORG .. " --project prod")
    assert.equal(0, code, err)
    local file = dir .. "/access.yaml"
    local_server.write_file(file, (out:gsub("\nservice_accounts:\n", "\nservice_accounts:\n  reporting-job: { roles: "
      .. "[ORG_READ_ONLY], access_list: [192.0.2.50], secret_expires_after_hours: 720 }\n")))
    local _, refused_err, refused = srv:cli("access apply " .. file .. " --yes")
    assert.equal(2, refused)
    assert.matches("--secrets-dir", refused_err, 1, true)
    local secrets = dir .. "/secrets"
    assert(os.execute("mkdir " .. quote(secrets)))
    local audit = dir .. "/audit.jsonl"
    out, err, code = srv:cli("access apply " .. file .. " --yes --secrets-dir " .. quote(secrets) .. " --audit " .. audit)
    assert.equal(0, code, err)
    local p = assert(io.popen("ls " .. quote(secrets)))
    local name = p:read("*l")
    p:close()
    assert.matches("^service_account%.reporting%-job%.mdb_sa_id_", name)
    local secret = local_server.read_file(secrets .. "/" .. name)
    assert.is_true(#secret > 16)
    p = assert(io.popen("stat -c %a " .. quote(secrets .. "/" .. name)))
    assert.equal("600", p:read("*l"))
    p:close()
    for what, text in pairs { stdout = out, stderr = err, audit = local_server.read_file(audit) } do
      assert.is_nil(text:find(secret, 1, true), "the secret is in " .. what)
    end
    assert.matches("+ service account reporting-job: ORG_READ_ONLY", out, 1, true)
  end)

  it("a plan goes stale when an identity changes after it was made; unassigning and removing a project role work", function()
    local spec = assert(client:export_access(ORG))
    spec.projects.staging.api_keys["ci-deploy"] = nil -- unmanaged: with prune, unassigned
    spec.api_keys["old-reporting"].roles = { "ORG_READ_ONLY" }
    local plan = assert(client:plan_access(spec, { prune = true }))
    -- someone changes a key in between: nothing is written
    local key = C.api_keys["ci-deploy"]
    assert(client:update_api_key(ORG, key.id, { desc = "ci-deploy", roles = { "ORG_READ_ONLY" } }))
    local before = #srv:writes()
    local _, err = client:apply_access(plan, { prune = true })
    assert.equal("stale_plan", err.kind)
    assert.equal(before, #srv:writes())
    -- planned again (ci-deploy's org roles now differ from the file too), applied, converged
    spec.api_keys["ci-deploy"].roles = { "ORG_READ_ONLY" }
    plan = assert(client:plan_access(spec, { prune = true }))
    local kinds = {}
    for _, c in ipairs(plan.changes) do kinds[#kinds + 1] = c.action .. " " .. c.kind .. " " .. c.name end
    table.sort(kinds)
    assert.same({ "change api_key old-reporting", "remove project_api_key ci-deploy" }, kinds)
    assert(client:apply_access(plan, { prune = true }))
    assert.is_nil(assert(client:org_access(ORG)).api_key[key.id].projects[C.projects.staging.id])
    assert.same({}, assert(client:plan_access(spec, { prune = true })).changes)
  end)

  it("a write that fails midway: the report says what Atlas holds, the server agrees, planning again shows the rest",
    function()
      local spec = assert(client:export_access(ORG))
      local key = C.api_keys["ci-deploy"]
      spec.api_keys["ci-deploy"] = { roles = { "ORG_READ_ONLY" }, access_list = { "10.20.0.0/16", "192.0.2.10",
        "198.51.100.7" } }
      local plan = assert(client:plan_access(spec))
      srv:fault { status = 503, count = 10, match = "POST" } -- the new access list entry (the only POST)
      local report = assert(client:apply_access(plan))
      local by = {}
      for _, c in ipairs(report.changes) do by[c.kind] = c end
      assert.equal("failed", by.api_key_access.outcome)
      assert.same({}, by.api_key_access.now) -- read back: the entry is not there
      assert.equal("skipped", by.api_key.outcome) -- the role change waits behind the failed step
      assert.same({ "ORG_MEMBER" }, by.api_key.now)
      assert.matches("(Atlas holds now: ORG_MEMBER)", tostring(report), 1, true)
      -- the server: the roles as before, the access list without the new entry
      local held = key_named("ci-deploy")
      assert.equal("ORG_MEMBER", held.roles[1].roleName)
      local addresses = {}
      for _, e in ipairs(assert(client:list_api_key_access_list(ORG, key.id))) do
        addresses[#addresses + 1] = e.ipAddress or e.cidrBlock
      end
      table.sort(addresses)
      assert.same({ "10.20.0.0/16", "192.0.2.10" }, addresses)
      local rest = assert(client:plan_access(spec))
      assert.equal(2, #rest.changes)
    end)

  it("a misspelled apply option or an edited identity change is refused before any request", function()
    local spec = assert(client:export_access(ORG))
    spec.api_keys["new-ci"] = { roles = { "ORG_MEMBER" } }
    local plan = assert(client:plan_access(spec))
    local n, report, err = srv:count(function() return client:apply_access(plan, { secret_dir = dir }) end)
    assert.is_nil(report)
    assert.equal(0, n)
    assert.matches("did you mean secrets_dir", err.message, 1, true)
    plan = cjson.decode(cjson.encode(plan))
    plan.changes[1].after = { "ORG_OWNER" }
    local _, edited = client:apply_access(plan, { secrets_dir = dir })
    assert.equal("edited_plan", edited.kind)
    assert.same({}, srv:writes())
    assert.is_nil(key_named("new-ci"))
  end)

  it("a name two identities share is a problem, never a guess", function()
    assert(client:create_api_key(ORG, { desc = "ci-deploy", roles = { "ORG_MEMBER" } }))
    local spec = assert(client:export_access(ORG, { projects = { "prod" } }))
    -- export keeps one entry per name; planning it names the duplicate
    local _, err = client:plan_access(spec)
    assert.equal("validation", err.kind)
    assert.matches('2 API keys in Atlas are named "ci-deploy"', err.message, 1, true)
  end)

  it("a file's identity entries are checked with their lines", function()
    local _, err = atlas.load_access("org: " .. ORG .. "\napi_keys:\n  ci: { roles: [ORG_MEMBR], access_list: [10.0.0.300] }\n"
      .. "service_accounts:\n  tf: { access_list: [] }\n  tf2: { roles: [ORG_MEMBER], secret_expires_after_hours: 2 }\n")
    local by = {}
    for _, p in ipairs(err.problems) do by[p.path] = p end
    assert.equal(3, by["api_keys.ci.roles[1]"].line)
    assert.is_table(by["api_keys.ci.access_list[1]"])
    assert.matches("needs roles", by["service_accounts.tf"].message, 1, true)
    assert.matches("8 to 8760", by["service_accounts.tf2.secret_expires_after_hours"].message, 1, true)
  end)
end)
