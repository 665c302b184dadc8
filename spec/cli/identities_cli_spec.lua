-- atlas-admin api-keys ... and service-accounts ... as a user runs them
-- (bin/atlas-admin in a new process) against the local server: output,
-- exit codes, the refusals that send nothing, and where a created secret
-- goes (--secret-file, --show-secret, nowhere else).
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local O, G, G2 = C.org_id, C.group_id, C.other_group_id
local KEY = "65f0a1b2c3d4e5f601234505"
local OLD_KEY = "65f0a1b2c3d4e5f601234504"
local SA = "mdb_sa_id_6529e1d8c9f8f12c0e2a8f12"

local function tmp_path()
  local path = os.tmpname()
  os.remove(path)
  return path
end

describe("atlas-admin api-keys and service-accounts", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  -- runs the command, returns the requests it sent, stdout, stderr, exit code
  local function run(args)
    local out, err, code
    local n = srv:count(function() out, err, code = srv:cli(args) end)
    return n, out, err, code
  end

  it("lists the organization's keys and a project's, as a table or JSON", function()
    local _, out, err, code = run("api-keys list --org " .. O .. " -o table")
    assert.equal(0, code, err)
    assert.matches("^5 API keys\n", out)
    assert.matches("API key " .. KEY .. " cideploy \"ci%-deploy\": ORG_MEMBER; 2 projects", out)
    _, out, err, code = run("api-keys list --project " .. C.projects.staging.id .. " -o json")
    assert.equal(0, code, err)
    local keys = assert(cjson.decode(out))
    local ids = {}
    for _, k in ipairs(keys) do ids[k.id] = true end
    assert.is_true(ids[KEY])
    assert.is_nil(ids[OLD_KEY])
  end)

  it("refuses to create without --secret-file or --show-secret, or over an existing file, sending nothing", function()
    local n, out, err, code = run("api-keys create --org " .. O .. " --desc ci --role ORG_MEMBER")
    assert.equal(0, n)
    assert.equal(2, code)
    assert.equal("", out)
    assert.matches("--secret-file FILE", err, 1, true)
    assert.matches("--show-secret", err, 1, true)
    local existing = local_server.write_file(tmp_path(), "mine")
    n, out, err, code = run("service-accounts create --org " .. O .. " --name ci --description x --role ORG_MEMBER "
      .. "--secret-hours 8 --secret-file " .. existing)
    assert.equal(0, n)
    assert.equal(2, code)
    assert.matches("exists", err, 1, true)
    assert.equal("", out)
    assert.equal("mine", local_server.read_file(existing))
    n, out, err, code = run("service-accounts new-secret --org " .. O .. " --id " .. SA .. " --secret-hours 8")
    assert.equal(0, n)
    assert.equal(2, code)
    assert.matches("--secret-file FILE", err, 1, true)
    assert.equal("", out)
    os.remove(existing)
  end)

  it("creates a key, prints its private key once with --show-secret, and manages it to its deletion", function()
    local _, out, err, code = run("api-keys create --org " .. O .. " --desc 'ci deploy' --role ORG_MEMBER "
      .. "--show-secret -o json")
    assert.equal(0, code, err)
    local created = assert(cjson.decode(out)).apiKey
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", created.privateKey)
    local id = created.id
    -- org roles
    _, out, err, code = run("api-keys set-roles --org " .. O .. " --id " .. id .. " --role ORG_READ_ONLY -o table")
    assert.equal(0, code, err)
    assert.matches("\"ci deploy\": ORG_READ_ONLY", out, 1, true)
    -- a project: assigned when absent, its roles replaced when present
    _, out, err, code = run("api-keys set-roles --org " .. O .. " --id " .. id .. " --project " .. G2
      .. " --role GROUP_READ_ONLY -o table")
    assert.equal(0, code, err)
    assert.matches("^assigned " .. id, out)
    _, out, err, code = run("api-keys set-roles --org " .. O .. " --id " .. id .. " --project " .. G2
      .. " --role GROUP_OWNER -o table")
    assert.equal(0, code, err)
    assert.matches("^replaced the roles of " .. id, out)
    -- its access list
    _, out, err, code = run("api-keys access-list --org " .. O .. " --id " .. id .. " --add 10.1.0.0/16 --add "
      .. "192.0.2.99 -o table")
    assert.equal(0, code, err)
    assert.matches("2 access%-list entries\n  10%.1%.0%.0/16 %(never used%)", out)
    _, out, err, code = run("api-keys access-list --org " .. O .. " --id " .. id .. " --remove 10.1.0.0/16 -o json")
    assert.equal(0, code, err)
    assert.equal("192.0.2.99", assert(cjson.decode(out))[1].ipAddress)
    _, out, err, code = run("api-keys unassign --project " .. G2 .. " --id " .. id .. " -o table")
    assert.equal(0, code, err)
    assert.matches("unassigned API key " .. id, out, 1, true)
    -- a dry run sends nothing and prints the request
    local n
    n, out, err, code = run("api-keys delete --org " .. O .. " --id " .. id .. " --dry-run")
    assert.equal(0, code, err)
    assert.equal(0, n)
    assert.matches("-X DELETE", out, 1, true)
    _, out, err, code = run("api-keys delete --org " .. O .. " --id " .. id .. " -o table")
    assert.equal(0, code, err)
    assert.matches("deleted API key " .. id, out, 1, true)
    -- gone: Atlas's 404 is exit 1
    _, _, err, code = run("api-keys delete --org " .. O .. " --id " .. id)
    assert.equal(1, code)
    assert.matches("404 API_KEY_NOT_FOUND", err, 1, true)
  end)

  it("creates a service account into a 0600 file and manages it: roles, projects, secrets, access list", function()
    local file = tmp_path()
    local _, out, err, code = run("service-accounts create --org " .. O .. " --name 'ci runner' --description 'CI' "
      .. "--role ORG_READ_ONLY --secret-hours 24 --secret-file " .. file .. " -o json")
    assert.equal(0, code, err)
    local created = assert(cjson.decode(out))
    assert.equal(file, created.secret_file)
    local id = created.serviceAccount.clientId
    assert.equal("<redacted>", created.serviceAccount.secrets[1].secret)
    assert.matches("^mdb_sa_sk_", assert(local_server.read_file(file)))
    os.remove(file)
    _, out, err, code = run("service-accounts set-roles --org " .. O .. " --id " .. id .. " --project " .. G
      .. " --role GROUP_READ_ONLY -o table")
    assert.equal(0, code, err)
    assert.matches("^assigned " .. id, out)
    _, out, err, code = run("service-accounts set-roles --org " .. O .. " --id " .. id .. " --project " .. G
      .. " --role GROUP_OWNER -o table")
    assert.equal(0, code, err)
    assert.matches("^replaced the roles", out)
    _, out, err, code = run("service-accounts list --project " .. G .. " -o table")
    assert.equal(0, code, err)
    assert.matches(id .. " \"ci runner\": GROUP_OWNER", out, 1, true)
    _, out, err, code = run("service-accounts unassign --project " .. G .. " --id " .. id .. " -o table")
    assert.equal(0, code, err)
    assert.matches("unassigned service account " .. id, out, 1, true)
    _, out, err, code = run("service-accounts access-list --org " .. O .. " --id " .. id .. " --add 203.0.113.0/24 -o table")
    assert.equal(0, code, err)
    assert.matches("203.0.113.0/24", out, 1, true)
    _, out, err, code = run("service-accounts set-roles --org " .. O .. " --id " .. id .. " --role ORG_MEMBER -o table")
    assert.equal(0, code, err)
    assert.matches("\"ci runner\": ORG_MEMBER", out, 1, true)
    _, out, err, code = run("service-accounts delete --org " .. O .. " --id " .. id .. " -o table")
    assert.equal(0, code, err)
    assert.matches("deleted service account " .. id, out, 1, true)
    _, out, err, code = run("service-accounts list --org " .. O .. " -o table")
    assert.equal(0, code, err)
    assert.is_nil(out:find(id, 1, true))
  end)

  it("refuses invalid values before any request, with exit 2 and the field named", function()
    local cases = {
      { "api-keys create --org " .. O .. " --desc x --role GROUP_OWNER --show-secret", "roles[1]" },
      { "api-keys set-roles --org " .. O .. " --id abcdefgh --role ORG_MEMBER", "apiUserId" },
      { "api-keys access-list --org " .. O .. " --id " .. KEY .. " --add 10.0.0.1/8", "cidrBlock" },
      { "api-keys access-list --org " .. O .. " --id " .. KEY .. " --remove 999.1.1.1", "address" },
      { "service-accounts delete --org " .. O .. " --id mdb_sa_id_zz", "clientId" },
      { "service-accounts new-secret --org " .. O .. " --id " .. SA .. " --secret-hours 0 --show-secret",
        "secretExpiresAfterHours" },
      { "service-accounts create --org " .. O .. " --name 'a/b' --description x --role ORG_MEMBER --secret-hours 8 "
        .. "--show-secret", "name" },
      { "api-keys list", "--org" },
      { "service-accounts set-roles --org " .. O .. " --id " .. SA, "--role" },
    }
    for _, case in ipairs(cases) do
      local n, out, err, code = run(case[1])
      assert.equal(0, n, case[1])
      assert.equal(2, code, case[1] .. "\n" .. err)
      assert.equal("", out)
      assert.matches(case[2], err, 1, true)
    end
  end)
end)
