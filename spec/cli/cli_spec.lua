-- atlas-admin as a user runs it: the real executable in a subprocess (on
-- the VM running this suite), against the local Atlas server, with
-- credentials in the environment.  Every run is checked for leaked secrets.
local cjson = require "cjson.safe"
local local_server = require "local_server"

local C = local_server.credentials
local GID, IID = C.group_id, C.invitation_id
local VM = jit and "luajit" or "lua5.4"
local SECRETS = { C.private_key, C.client_secret }
local _ -- the results a test does not look at

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write_file(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

describe("atlas-admin", function()
  local srv

  -- Runs the command; returns stdout, stderr, exit code.  env: extra
  -- variables (prefix) for the command line.
  local function run(args, env)
    local err_file = os.tmpname()
    local cmd = srv:lua_env() .. (env or "") .. " " .. VM .. " bin/atlas-admin " .. args .. " 2>" .. quote(err_file)
      .. "; echo \"exit=$?\""
    local p = assert(io.popen(cmd))
    local out = p:read("*a")
    p:close()
    local err = read_file(err_file) or ""
    os.remove(err_file)
    local code = tonumber(out:match("exit=(%d+)%s*$"))
    if os.getenv("CLI_DEBUG") then io.stderr:write(cmd, "\n", out, "\n", read_file(err_file) or "", "\n") end
    out = out:gsub("exit=%d+%s*$", "")
    for _, secret in ipairs(SECRETS) do
      assert.is_nil(out:find(secret, 1, true), "a secret on stdout of: " .. args)
      assert.is_nil(err:find(secret, 1, true), "a secret on stderr of: " .. args)
    end
    return out, err, code
  end

  local function json_of(out)
    local v = cjson.decode(out)
    assert.is_table(v, "not JSON: " .. out)
    return v
  end

  local function invitation(username)
    for _, inv in ipairs(srv:state(GID).invitations) do
      if inv.username == username then return inv end
    end
  end

  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  describe("--help", function()
    it("is on every command, exits 0 and lists the options", function()
      local out, _, code = run("--help")
      assert.equal(0, code)
      assert.matches("Usage: atlas-admin", out, 1, true)
      assert.matches("invitations", out, 1, true)
      assert.matches("Exit codes: 0 ok, 1 API error", out, 1, true)
      for _, cmd in ipairs { "invitations", "access" } do
        out, _, code = run(cmd .. " --help")
        assert.equal(0, code)
        assert.matches("Usage: atlas-admin " .. cmd, out, 1, true)
      end
      for _, action in ipairs { "list", "get", "create", "update", "delete", "add-roles", "remove-roles" } do
        out, _, code = run("invitations " .. action .. " -h")
        assert.equal(0, code, action)
        assert.matches("Usage: atlas-admin invitations " .. action, out, 1, true)
        assert.matches("--project ID", out, 1, true)
        assert.matches("--dry-run", out, 1, true)
      end
      for _, action in ipairs { "list", "set", "remove" } do
        out, _, code = run("access " .. action .. " --help")
        assert.equal(0, code, action)
        assert.matches("Usage: atlas-admin access " .. action, out, 1, true)
      end
      out = run("invitations update --help")
      assert.matches("--from-file FILE", out, 1, true)
      assert.matches("--groupId", out, 1, true)
      assert.matches("--invitationId", out, 1, true)
    end)
  end)

  describe("invitations", function()
    it("list: JSON when piped, a table with -o table, --username filters", function()
      local out, err, code = run("invitations list --project " .. GID)
      assert.equal(0, code)
      local list = json_of(out)
      assert.equal(3, #list)
      -- the deprecation warning, on stderr, names the commands that replace the call
      assert.matches("list_invitations %(GET [^\n]* is deprecated .* use `atlas%-admin access set|remove`", err)
      out, _, code = run("invitations list --groupId " .. GID .. " -o table")
      assert.equal(0, code)
      assert.matches("^3 invitations\n", out)
      assert.matches("hello@example.com", out, 1, true)
      out = run("invitations list --project " .. GID .. " --username jane.smith@example.com")
      list = json_of(out)
      assert.equal(1, #list)
      assert.equal("jane.smith@example.com", list[1].username)
      out = run("invitations list --project " .. GID .. " --username nobody@example.com")
      assert.equal("[]\n", out)
    end)

    it("get by --id (alias --invitationId) and by --username", function()
      local out, _, code = run("invitations get --project " .. GID .. " --invitationId " .. IID)
      assert.equal(0, code)
      assert.equal(IID, json_of(out).id)
      out, _, code = run("invitations get --project " .. GID .. " --username " .. C.username .. " -o table")
      assert.equal(0, code)
      assert.matches("^invitation " .. IID, out)
    end)

    it("create, update (by username and by id), add-roles, remove-roles, delete", function()
      local out, err, code = run("invitations create --project " .. GID
        .. " --username new.person@example.com --role GROUP_READ_ONLY")
      assert.equal(0, code, err)
      local created = json_of(out)
      assert.equal("new.person@example.com", created.username)
      assert.same({ "GROUP_READ_ONLY" }, invitation("new.person@example.com").roles)

      out, err, code = run("invitations update --project " .. GID
        .. " --username new.person@example.com --role GROUP_OWNER --role GROUP_READ_ONLY")
      assert.equal(0, code, err .. out)
      assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, invitation("new.person@example.com").roles)

      _, err, code = run("invitations update --project " .. GID .. " --id " .. created.id
        .. " --role GROUP_CLUSTER_MANAGER --api-version 1.0")
      assert.equal(0, code, err)
      assert.same({ "GROUP_CLUSTER_MANAGER" }, invitation("new.person@example.com").roles)

      out, err, code = run("invitations add-roles --project " .. GID .. " --id " .. created.id
        .. " --role GROUP_READ_ONLY -o json")
      assert.equal(0, code, err)
      assert.is_true(json_of(out).changed)
      assert.same({ "GROUP_CLUSTER_MANAGER", "GROUP_READ_ONLY" }, invitation("new.person@example.com").roles)
      out = run("invitations add-roles --project " .. GID .. " --id " .. created.id .. " --role GROUP_READ_ONLY -o table")
      assert.matches("no change", out, 1, true)

      _, err, code = run("invitations remove-roles --project " .. GID .. " --username new.person@example.com"
        .. " --role GROUP_CLUSTER_MANAGER")
      assert.equal(0, code, err)
      assert.same({ "GROUP_READ_ONLY" }, invitation("new.person@example.com").roles)
      -- the last role is refused before any write: exit 2
      _, err, code = run("invitations remove-roles --project " .. GID .. " --id " .. created.id
        .. " --role GROUP_READ_ONLY -o table")
      assert.equal(2, code)
      assert.matches("delete", err, 1, true)

      out, err, code = run("invitations delete --project " .. GID .. " --username new.person@example.com -o table")
      assert.equal(0, code, err)
      assert.matches("deleted invitation " .. created.id, out, 1, true)
      assert.is_nil(invitation("new.person@example.com"))
      out, _, code = run("invitations delete --project " .. GID .. " --id " .. IID)
      assert.equal(0, code)
      assert.same({ deleted = true, id = IID }, json_of(out))
    end)

    it("--dry-run prints the curl line and sends nothing", function()
      local n, out, err, code = srv:count(function()
        return run("invitations update --project " .. GID .. " --id " .. IID .. " --role GROUP_OWNER --dry-run")
      end)
      assert.equal(0, n)
      assert.equal(0, code, err)
      assert.matches("^curl %-%-include %-%-digest %-%-user \"%${PUBLIC_KEY}:%${PRIVATE_KEY}\"", out)
      assert.matches("-X PATCH '" .. srv.url .. "/api/atlas/v2/groups/" .. GID .. "/invites/" .. IID .. "'", out, 1, true)
      assert.matches([[--data '{"roles":["GROUP_OWNER"]}']], out, 1, true)
      n, out = srv:count(function() return run("invitations create --project " .. GID
        .. " --username x@example.com --role GROUP_OWNER --dry-run --envelope --pretty") end)
      assert.equal(0, n)
      assert.matches("envelope=true", out, 1, true)
      assert.matches("-X POST", out, 1, true)
    end)

    it("--trace shows each exchange on stderr with the credentials redacted", function()
      local out, err, code = run("invitations get --project " .. GID .. " --id " .. IID .. " --trace")
      assert.equal(0, code)
      assert.equal(IID, json_of(out).id)
      assert.matches("atlas-admin trace: get_invitation GET", err, 1, true)
      assert.matches("-> 401", err, 1, true) -- the digest challenge, then
      assert.matches("-> 200", err, 1, true)
      assert.matches("Authorization: <redacted>", err, 1, true)
    end)
  end)

  describe("access", function()
    it("list, set (and --dry-run), remove", function()
      local out, _, code = run("access list --project " .. GID)
      assert.equal(0, code)
      local rows = json_of(out)
      local kinds = {}
      for _, r in ipairs(rows) do kinds[r.kind] = (kinds[r.kind] or 0) + 1 end
      assert.is_true(kinds.user > 0 and kinds.invitation > 0)

      local before = srv:stats()
      out, _, code = run("access set --project " .. GID .. " --username alice@example.com --role GROUP_OWNER --dry-run -o json")
      local after = srv:stats()
      assert.equal(0, code)
      -- the read (a new process: after its digest challenge); no write
      assert.equal(1, (after.requests - before.requests) - (after.challenges - before.challenges))
      local plan = json_of(out).plan
      assert.equal("add_project_user_role", plan[1].operation)

      out, _, code = run("access set --project " .. GID .. " --username alice@example.com --role GROUP_OWNER")
      assert.equal(0, code)
      assert.same({ "GROUP_OWNER" }, json_of(out).access.roles)
      out, _, code = run("access remove --project " .. GID .. " --username bob@example.com -o table")
      assert.equal(0, code)
      assert.matches("removed bob@example.com", out, 1, true)
      out = run("access remove --project " .. GID .. " --username carol@example.com")
      assert.same({ removed = true, username = "carol@example.com" }, json_of(out))
      local err
      out, err, code = run("access remove --project " .. GID .. " --username bob@example.com")
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches("bob@example.com has no access", err, 1, true)
    end)
  end)

  describe("exit codes and errors", function()
    it("2 for usage and validation, with JSON errors on stdout under -o json", function()
      local err, code
      _, err, code = run("invitations bogus")
      assert.equal(2, code)
      assert.matches("unknown command 'bogus'", err, 1, true)
      local out
      out, _, code = run("invitations bogus -o json")
      assert.equal(2, code)
      assert.equal("usage", json_of(out).error.kind)
      _, err, code = run("invitations update --project " .. GID .. " --id " .. IID)
      assert.equal(2, code)
      assert.matches("--role", err, 1, true)
      out, _, code = run("invitations get --project " .. GID .. " --id nothex -o json")
      assert.equal(2, code)
      assert.same({ kind = "validation", field = "invitationId" },
        { kind = json_of(out).error.kind, field = json_of(out).error.field })
      _, err, code = run("invitations list --project " .. GID, "MONGODB_ATLAS_PUBLIC_API_KEY= MONGODB_ATLAS_PRIVATE_API_KEY=")
      assert.equal(2, code)
      assert.matches("no Atlas credentials", err, 1, true)
    end)

    it("1 for an API error, 3 for auth, 4 for transport", function()
      local out, _, code = run("invitations get --project " .. GID .. " --id aaaaaaaaaaaaaaaaaaaaaaaa -o json")
      assert.equal(1, code)
      assert.equal(404, json_of(out).error.status)
      local err
      out, err, code = run("invitations list --project " .. GID .. " -o table", "MONGODB_ATLAS_PRIVATE_API_KEY=wrong-key")
      assert.equal(3, code)
      assert.matches("401", err, 1, true)
      assert.equal("", out)
      out, _, code = run("invitations list --project " .. GID .. " -o json --base-url http://127.0.0.1:1")
      assert.equal(4, code)
      assert.equal("transport", json_of(out).error.kind)
    end)

    it("uses a service account from the environment and revokes its token at exit", function()
      local before = srv:stats()
      local out, err, code = run("invitations get --project " .. GID .. " --id " .. IID,
        "MONGODB_ATLAS_CLIENT_ID=" .. C.client_id .. " MONGODB_ATLAS_CLIENT_SECRET=" .. C.client_secret)
      assert.equal(0, code, err)
      assert.equal(IID, json_of(out).id)
      local after = srv:stats()
      assert.equal(1, after.token_requests - before.token_requests)
      assert.equal(1, after.revocations - before.revocations)
    end)
  end)

  describe("--from-file", function()
    it("applies the good rows of a CSV, reports every bad one with its line, and exits 1", function()
      local csv = write_file(table.concat({
        "username,roles",
        "hello@example.com,GROUP_OWNER;GROUP_READ_ONLY",
        ",GROUP_OWNER",
        "nobody@example.com,GROUP_OWNER",
        "jane.smith@example.com,",
        "\"jane.smith@example.com\",GROUP_CLUSTER_MANAGER",
        "hello@example.com,GROUP_NOPE",
        "a,b,c",
      }, "\n") .. "\n")
      local report = os.tmpname()
      local out, err, code = run("invitations update --project " .. GID .. " --from-file " .. quote(csv)
        .. " --report " .. quote(report) .. " -o table")
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches("7 rows: 2 applied, 5 failed", err, 1, true)
      assert.matches("row 2 (line 3): no username or id", err, 1, true)
      assert.matches("row 3 (line 4): atlas: 404", err, 1, true)
      assert.matches("row 4 (line 5): roles is empty", err, 1, true)
      assert.matches("row 6 (line 7): atlas: roles[1]: unknown project role \"GROUP_NOPE\"", err, 1, true)
      assert.matches("row 7 (line 8): expected 2 fields", err, 1, true)
      assert.same({ "GROUP_OWNER", "GROUP_READ_ONLY" }, invitation("hello@example.com").roles)
      assert.same({ "GROUP_CLUSTER_MANAGER" }, invitation("jane.smith@example.com").roles)
      local failures = cjson.decode(read_file(report))
      local rows = {}
      for _, f in ipairs(failures) do rows[#rows + 1] = f.row end
      assert.same({ 2, 3, 4, 6, 7 }, rows)
      assert.equal(404, failures[2].error.status)
      assert.equal("nobody@example.com", failures[2].username)
      os.remove(csv)
      os.remove(report)
    end)

    it("takes JSON (roles as a list or a ';' string, ids or usernames), and exits 0 when every row applies", function()
      local file = write_file(cjson.encode {
        { username = "hello@example.com", roles = { "GROUP_READ_ONLY" } },
        { id = "602eb7429955214668d5b026", roles = "GROUP_OWNER;GROUP_SEARCH_INDEX_EDITOR" },
      })
      local out, err, code = run("invitations update --project " .. GID .. " --from-file " .. quote(file)
        .. " --concurrency 2 -o json")
      assert.equal(0, code, err)
      assert.same({ total = 2, succeeded = 2, failed = 0, failures = {} }, json_of(out))
      assert.matches('"failures":[]', out, 1, true)
      assert.matches("2 rows: 2 applied, 0 failed", err, 1, true)
      assert.same({ "GROUP_READ_ONLY" }, invitation("hello@example.com").roles)
      assert.same({ "GROUP_OWNER", "GROUP_SEARCH_INDEX_EDITOR" }, invitation("jane.smith@example.com").roles)
      os.remove(file)
    end)

    it("reports JSON rows with unknown fields or of the wrong type, and applies the rest", function()
      local file = write_file('[{"username":"hello@example.com","roles":["GROUP_OWNER"]},{"user":"x"},7,'
        .. '{"username":"jane.smith@example.com","roles":[]}]')
      local _, err, code = run("invitations update --project " .. GID .. " --from-file " .. quote(file) .. " -o table")
      assert.equal(1, code)
      assert.matches("4 rows: 1 applied, 3 failed", err, 1, true)
      assert.matches("row 2: unknown field 'user'", err, 1, true)
      assert.matches("row 3: not an object", err, 1, true)
      assert.matches("row 4: ", err, 1, true)
      os.remove(file)
    end)

    it("refuses a file it cannot read as a whole before sending anything (exit 2)", function()
      local bad_header = write_file("user,roles\nx@example.com,GROUP_OWNER\n")
      local n, _, err, code = srv:count(function()
        return run("invitations update --project " .. GID .. " --from-file " .. quote(bad_header))
      end)
      assert.equal(0, n)
      assert.equal(2, code)
      assert.matches("unknown column 'user'", err, 1, true)
      _, err, code = run("invitations update --project " .. GID .. " --from-file /nonexistent.csv -o table")
      assert.equal(2, code)
      assert.matches("cannot read", err, 1, true)
      _, err, code = run("invitations update --project " .. GID .. " --from-file " .. quote(bad_header)
        .. " --role GROUP_OWNER -o table")
      assert.equal(2, code)
      assert.matches("drop --username, --id and --role", err, 1, true)
      os.remove(bad_header)
    end)

    it("--dry-run prints every row's request and sends nothing", function()
      local n, out, err, code = srv:count(function()
        return run("invitations update --project " .. GID .. " --from-file examples/bulk/changes.csv --dry-run")
      end)
      assert.equal(0, n)
      assert.equal(0, code, err)
      assert.matches("# row 1 (line 2)\ncurl", out, 1, true)
      assert.matches("# row 2 (line 3)\ncurl", out, 1, true)
      assert.matches("2 rows: 2 planned, 0 failed", err, 1, true)
    end)

    it("access set --from-file runs set_project_roles for each row (the bundled example)", function()
      local _, err, code = run("access set --project " .. GID .. " --from-file examples/bulk/access.csv -o table")
      assert.equal(0, code, err)
      assert.matches("3 rows: 3 applied, 0 failed", err, 1, true)
      local users = {}
      for _, u in ipairs(srv:state(GID).users) do users[u.username] = u end
      assert.same({ "GROUP_READ_ONLY" }, users["alice@example.com"].roles)
      assert.is_table(users["newcomer@example.com"])
    end)
  end)

  describe("in-process (main with its own streams)", function()
    local cli = require "atlas_admin.cli"

    local function sink()
      local buf = {}
      return { write = function(self, ...) for _, s in ipairs { ... } do buf[#buf + 1] = tostring(s) end return self end,
        text = function() return table.concat(buf) end }
    end

    it("draws a progress line on a terminal and always a summary", function()
      local rows = { "id,roles" }
      for _ = 1, 30 do rows[#rows + 1] = IID .. ",GROUP_OWNER" end
      local file = write_file(table.concat(rows, "\n") .. "\n")
      local out, err = sink(), sink()
      local code = cli.main({ "invitations", "update", "--project", GID, "--from-file", file, "--concurrency", "4",
        "--max-per-second", "100" }, {
        stdout = out, stderr = err, stdout_tty = true, stderr_tty = true,
        env = { MONGODB_ATLAS_BASE_URL = srv.url, MONGODB_ATLAS_PUBLIC_API_KEY = C.public_key,
          MONGODB_ATLAS_PRIVATE_API_KEY = C.private_key },
      })
      assert.equal(0, code)
      assert.equal("", out.text())
      assert.matches("\r30/30 rows  0 failed  [%d%.]+/s  ETA 0s", err.text())
      assert.matches("30 rows: 30 applied, 0 failed", err.text(), 1, true)
      os.remove(file)
    end)
  end)
end)
