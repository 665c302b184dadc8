-- The secrets Atlas shows once (a new API key's private key, a new service
-- account secret) against the local server: each must reach its caller as
-- a secret object and nowhere else.  Every copy docs/security.md lists is
-- searched: traces, errors, audit records, dry runs, tostring and the
-- REPL's printing, the CLI's output without --show-secret, the raw body
-- kept in the response; and the file written for it is new and 0600.
local atlas = require "atlas_admin"
local core = require "atlas_admin.core"
local created_secret = require "atlas_admin.api.created_secret"
local local_server = require "local_server"

local C = local_server.credentials
local O = C.org_id
local SA = "mdb_sa_id_6529e1d8c9f8f12c0e2a8f12"

-- Every string reachable from v (keys, values, tostring of tables and
-- userdata), into out.
local function strings(v, out, seen)
  seen = seen or {}
  out[#out + 1] = tostring(v)
  if type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do
      strings(k, out, seen)
      strings(x, out, seen)
    end
  end
  return out
end

local function assert_absent(secret, texts, where)
  assert.is_true(#secret >= 16, "a secret this short proves nothing")
  for _, text in ipairs(texts) do
    assert.is_nil(text:find(secret, 1, true), where .. " holds the secret: " .. text:sub(1, 200))
  end
end

local function mode_of(path)
  local p = assert(io.popen("stat -c %a " .. local_server.quote(path)))
  local mode = p:read("*l")
  p:close()
  return mode
end

local function tmp_path()
  local path = os.tmpname()
  os.remove(path)
  return path
end

describe("secrets Atlas shows once", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  it("never become a plain string: not in traces, audit records, errors, tostring or the kept body", function()
    local events, audit = {}, tmp_path()
    local c = assert(atlas.client { auth = atlas.digest(C.public_key, C.private_key), base_url = srv.url,
      audit = audit, trace = function(e) events[#events + 1] = e end })
    local key, key_res = assert(c:create_api_key(O, { desc = "leak check", roles = { "ORG_MEMBER" } }))
    local sa, sa_res = assert(c:create_service_account(O, { name = "leak check", description = "x",
      roles = { "ORG_READ_ONLY" }, secretExpiresAfterHours = 24 }))
    local s, s_res = assert(c:create_service_account_secret(O, SA, { secretExpiresAfterHours = 24 }))
    -- in a batch, over libcurl multi
    local results = assert(c:batch { { "create_api_key", O, { desc = "batched", roles = { "ORG_MEMBER" } } } })
    assert.is_true(results[1].ok, tostring(results[1].value))
    local batched = results[1].value
    local secrets = { key.privateKey:reveal(), sa.secrets[1].secret:reveal(), s.secret:reveal(),
      batched.privateKey:reveal() }
    -- errors and dry runs of the same calls
    local failed = { c:create_api_key("aaaaaaaaaaaaaaaaaaaaaaaa", { desc = "x", roles = { "ORG_MEMBER" } }) }
    local dry = { c:create_service_account_secret(O, SA, { secretExpiresAfterHours = 24 }, { dry_run = true }) }
    c:close()

    -- the trace saw every exchange, the creates' answers as <redacted>
    local creates = 0
    for _, e in ipairs(events) do
      if e.method == "POST" and e.status and e.status < 300 then
        creates = creates + 1
        assert.equal("<redacted>", e.response_body)
        assert.is_string(e.request_body)
      end
    end
    assert.equal(4, creates)
    -- the body Lua kept holds the placeholder
    for _, res in ipairs { key_res, sa_res, s_res } do assert.matches("<secret>", res.body, 1, true) end
    -- and the result tables hold the object, never the string
    for _, result in ipairs { key, sa, s, batched } do
      for _, text in ipairs(strings(result, {})) do
        for _, secret in ipairs(secrets) do assert.is_not.equal(secret, text) end
      end
    end
    local texts = strings({ events, key, key_res, sa, sa_res, s, s_res, results, failed, dry }, {})
    texts[#texts + 1] = assert(local_server.read_file(audit))
    texts[#texts + 1] = string.format("%s %s", key.privateKey, s.secret)
    local _, raised = pcall(error, key.privateKey)
    texts[#texts + 1] = tostring(raised)
    for i, secret in ipairs(secrets) do assert_absent(secret, texts, "output " .. i) end
    -- the audit trail recorded the writes (what was sent), so the search above searched them
    assert.matches('"operation":"create_api_key"', local_server.read_file(audit), 1, true)
    os.remove(audit)
  end)

  it("are read through reveal and written with write_file only: a new 0600 file, never over another", function()
    local c = assert(atlas.client { auth = atlas.digest(C.public_key, C.private_key), base_url = srv.url })
    local key = assert(c:create_api_key(O, { desc = "file check", roles = { "ORG_MEMBER" } }))
    local secret = key.privateKey
    assert.equal("atlas.secret(<redacted>: secret:reveal() or secret:write_file(path))", tostring(secret))
    assert.is_nil(secret:id())
    local path = tmp_path()
    assert.is_true(secret:write_file(path))
    assert.equal("600", mode_of(path))
    assert.equal(secret:reveal() .. "\n", local_server.read_file(path))
    -- an existing file is refused and left as it was
    local_server.write_file(path, "keep me")
    local ok, err = secret:write_file(path)
    assert.is_nil(ok)
    assert.matches("exists", err, 1, true)
    assert.equal("keep me", local_server.read_file(path))
    -- so is a symbolic link planted at the name (its target untouched)
    local target, link = tmp_path(), tmp_path()
    local_server.write_file(target, "target")
    os.execute("ln -s " .. local_server.quote(target) .. " " .. local_server.quote(link))
    ok = secret:write_file(link)
    assert.is_nil(ok)
    assert.equal("target", local_server.read_file(target))
    -- a directory that is not there: an error, no raise
    ok, err = secret:write_file("/nonexistent-dir-atlas/secret")
    assert.is_nil(ok)
    assert.matches("cannot create", err, 1, true)
    -- a client's own credential is never read back
    local cred = atlas.digest(C.public_key, C.private_key)
    assert.has_error(function() cred:reveal() end)
    assert.has_error(function() cred:write_file(tmp_path()) end)
    for _, p in ipairs { path, target, link } do os.remove(p) end
    c:close()
  end)

  it("are taken out of any answer shape: escapes, a value shorter than the placeholder, an envelope, lists", function()
    local c = assert(atlas.client { auth = atlas.digest(C.public_key, C.private_key), base_url = srv.url })
    local JSON = "application/vnd.atlas.2023-01-01+json"
    local function answer(body, opts, content_type)
      srv:fault { status = 200, content_type = content_type or JSON, body = body, match = "POST" }
      return c:create_api_key(O, { desc = "shape", roles = { "ORG_MEMBER" } }, opts)
    end
    -- escapes are decoded; a member whose value only mentions the name is left alone
    local key, res = answer('{"desc":"a \\"privateKey\\": \\"decoy\\"","privateKey" : "ab\\/cd-\\u0041xyz-0123456789",'
      .. '"id":"65f0a1b2c3d4e5f6012345aa"}')
    assert.is_table(key, tostring(res))
    assert.equal("ab/cd-Axyz-0123456789", key.privateKey:reveal())
    assert.equal('a "privateKey": "decoy"', key.desc)
    assert.is_nil(res.body:find("0123456789", 1, true))
    -- shorter than "<secret>": the body grows, still valid JSON
    key, res = answer('{"privateKey":"k1","id":"x"}')
    assert.is_table(key, tostring(res))
    assert.equal("k1", key.privateKey:reveal())
    assert.equal('{"privateKey":"<secret>","id":"x"}', res.body)
    -- envelope = true: the member is one level down
    key, res = answer('{"status":200,"content":{"privateKey":"enveloped-secret-0001"}}', { envelope = true })
    assert.is_table(key, tostring(res))
    assert.equal("enveloped-secret-0001", key.privateKey:reveal())
    -- a service account with two secrets in its answer: the first is kept, both leave the body
    srv:fault { status = 201, content_type = "application/vnd.atlas.2024-08-05+json", match = "POST",
      body = '{"clientId":"mdb_sa_id_6529e1d8c9f8f12c0e2a8f99","secrets":[{"id":"a","secret":"mdb_sa_sk_first_00000"},'
        .. '{"id":"b","secret":"mdb_sa_sk_second_0000"}]}' }
    local sa
    sa, res = c:create_service_account(O, { name = "shape", description = "x", roles = { "ORG_MEMBER" },
      secretExpiresAfterHours = 8 })
    assert.is_table(sa, tostring(res))
    assert.equal("mdb_sa_sk_first_00000", sa.secrets[1].secret:reveal())
    assert.equal("<secret>", sa.secrets[2].secret)
    assert.is_nil(res.body:find("mdb_sa_sk_", 1, true))
    -- an error answer to a create is not touched (it carries no secret), and nothing else is
    srv:fault { status = 400, content_type = "application/json", match = "POST",
      body = '{"error":400,"errorCode":"INVALID_ATTRIBUTE","detail":"privateKey is not accepted"}' }
    local _, err = c:create_api_key(O, { desc = "shape", roles = { "ORG_MEMBER" } })
    assert.equal("INVALID_ATTRIBUTE", err.errorCode)
    c:close()
  end)

  it("arrive whole from a transport that hands Lua the body (nginx): wrapped, and the kept body withheld", function()
    local key = { privateKey = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f" }
    local res = { headers = {}, body = '{"privateKey":"7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"}' }
    local secret = assert(created_secret.attach(key, "privateKey", res, "create_api_key"))
    assert.equal("created_secret", core.credential_kind(key.privateKey))
    assert.equal("7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", secret:reveal())
    assert.is_nil(res.body:find("7c1d2e3f", 1, true))
    -- an answer without one: an error that says the identity exists
    local _, err = created_secret.attach({}, "privateKey", { headers = {} }, "create_api_key")
    assert.matches("was created", err.message, 1, true)
  end)

  it("print as <redacted> in the REPL", function()
    local file = tmp_path()
    local script = table.concat({
      'atlas = require "atlas_admin"',
      'c = atlas.client_from_env{ on_warning = false }',
      'k = assert(c:create_api_key("' .. O .. '", { desc = "repl", roles = { "ORG_MEMBER" } }))',
      'k', 'k.privateKey', 's = assert(c:create_service_account_secret("' .. O .. '", "' .. SA .. '", '
        .. '{ secretExpiresAfterHours = 8 }))',
      's', 's.secret', 'k.privateKey:write_file("' .. file .. '")', 'os.exit(0)',
    }, "\n")
    local input = local_server.write_file(tmp_path(), script .. "\n")
    local p = assert(io.popen(srv:lua_env() .. " lua5.4 -i < " .. local_server.quote(input) .. " 2>&1"))
    local out = p:read("*a")
    p:close()
    os.remove(input)
    local secret = assert(local_server.read_file(file), out):gsub("\n$", "")
    os.remove(file)
    assert.matches("API key %x+ %w+ \"repl\": ORG_MEMBER; 0 projects, secret <redacted>", out)
    assert.matches("atlas.secret(<redacted>", out, 1, true)
    assert.matches("secret %x+, expires [%d-]+, secret <redacted>", out)
    assert_absent(secret, { out }, "the REPL")
  end)

  it("reach the CLI's output only with --show-secret", function()
    local file, audit = tmp_path(), tmp_path()
    local out, err, code = srv:cli("api-keys create --org " .. O .. " --desc cli-check --role ORG_MEMBER --secret-file "
      .. file .. " --audit " .. audit .. " --trace -o json")
    assert.equal(0, code, err)
    local secret = assert(local_server.read_file(file)):gsub("\n$", "")
    assert.equal("600", mode_of(file))
    assert.matches('"privateKey":"<redacted>"', out, 1, true)
    assert.matches("response_body:", err, 1, true) -- the trace printed the exchanges
    assert_absent(secret, { out, err, assert(local_server.read_file(audit)) }, "the CLI")
    -- the file works: the key it holds authenticates
    local as_key = assert(atlas.client { auth = atlas.digest(out:match('"publicKey":"(%w+)"'), secret),
      base_url = srv.url })
    assert.is_table(as_key:list_api_keys(O))
    as_key:close()
    -- the same in the table format, for a service account secret
    local file2 = tmp_path()
    out, err, code = srv:cli("service-accounts new-secret --org " .. O .. " --id " .. SA .. " --secret-hours 8 "
      .. "--secret-file " .. file2 .. " -o table")
    assert.equal(0, code, err)
    local secret2 = assert(local_server.read_file(file2)):gsub("\n$", "")
    assert.matches("secret written to " .. file2:gsub("%p", "%%%0") .. " %(mode 0600%)", out)
    assert_absent(secret2, { out, err }, "the CLI")
    -- --show-secret prints it, once
    out, err, code = srv:cli("service-accounts new-secret --org " .. O .. " --id mdb_sa_id_6529e1d8c9f8f12c0e2a8f13 "
      .. "--secret-hours 8 --show-secret -o table")
    assert.equal(0, code, err)
    local shown = out:match("secret %(shown once%): (%S+)")
    assert.matches("^mdb_sa_sk_", shown)
    local _, count = out:gsub(shown:gsub("%p", "%%%0"), "")
    assert.equal(1, count)
    for _, p in ipairs { file, file2, audit } do os.remove(p) end
  end)
end)
