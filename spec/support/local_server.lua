-- Starts and stops the local Atlas server for specs, and reads its
-- statistics and control endpoints with the curl CLI (not the client under
-- test, so the two check each other).
--
--   local srv = local_server.start{ nonce_ttl = 300, token_ttl = 3600, token_rate = 10, token_cap = 100,
--                                   latency_ms = 20 }
--   srv.url  srv:stats()  srv:reset()  srv:expire_nonces()  srv:expire_tokens()
--   srv:revoke_tokens()  srv:fault{ status = 500, body = "...", ... }  srv:latency(ms [, jitter_ms])  srv:log()
--   srv:state(groupId)  srv:org_state(orgId)  srv:sunset(true|false)  srv:stop()
--
-- The server runs with --watch-stdin on a pipe we hold: closing it (stop,
-- or this process dying) stops the server.  Works on Lua 5.4 and LuaJIT.
local cjson = require "cjson.safe"

local M = {}

local root = (debug.getinfo(1, "S").source:match("^@(.*)/spec/support/") or ".")
if root:sub(1, 1) ~= "/" then root = (os.getenv("PWD") or ".") .. "/" .. root end
M.root = root
M.binary = root .. "/build/atlas-local-server"
M.fixtures = root .. "/server/fixtures/default.json"

-- The fixture's keys and ids, read from the fixture file itself so the
-- specs and the server cannot drift apart.
local function load_credentials(path)
  local f = assert(io.open(path, "r"), "local_server: cannot read " .. path)
  local data = assert(cjson.decode(f:read("*a")), "local_server: " .. path .. " is not JSON")
  f:close()
  local owner, viewer, account = data.api_keys[1], data.api_keys[2], data.service_accounts[1]
  local project, org = data.projects[1], data.orgs[1]
  local pending, expired = project.invitations[1], nil
  for _, inv in ipairs(project.invitations) do
    if inv.expired then expired = inv end
  end
  -- A project's Cloud users are the org users with roles there.
  local function project_users(group_id)
    local by_name = {}
    for _, u in ipairs(org.users) do
      for _, a in ipairs(u.roles.groupRoleAssignments or {}) do
        if a.groupId == group_id then
          by_name[u.username] = { id = u.id, username = u.username, orgMembershipStatus = u.orgMembershipStatus,
            roles = a.groupRoles }
        end
      end
    end
    return by_name
  end
  local org_users, org_member = {}, nil
  for _, u in ipairs(org.users) do
    org_users[u.username] = u
    -- someone in the org with no project roles, no team and no other org role
    if not org_member and u.orgMembershipStatus == "ACTIVE" and #(u.roles.groupRoleAssignments or {}) == 0
        and #(u.teamIds or {}) == 0 and u.roles.orgRoles[1] == "ORG_MEMBER" then
      org_member = u.username
    end
  end
  local teams, projects = {}, {}
  for _, t in ipairs(org.teams) do teams[t.name] = t end
  for _, p in ipairs(data.projects) do projects[p.name] = p end
  local gen = org.generate_users
  local api_keys, service_accounts = {}, {}
  for _, k in ipairs(data.api_keys) do if k.desc then api_keys[k.desc] = k end end
  for _, a in ipairs(data.service_accounts) do if a.name then service_accounts[a.name] = a end end
  return {
    public_key = owner.public_key, private_key = owner.private_key,
    viewonly_public_key = viewer.public_key, viewonly_private_key = viewer.private_key,
    client_id = account.client_id, client_secret = account.client_secret,
    group_id = project.id, other_group_id = data.projects[2].id,
    unknown_group_id = "aaaaaaaaaaaaaaaaaaaaaaaa",
    invitation_id = pending.id, username = pending.username,
    expired_invitation_id = expired.id,
    -- Cloud users of the first project, by username; the project with more
    -- than one page of users; a person who becomes ACTIVE when added.
    users = project_users(project.id),
    big_group_id = gen and gen.groupId,
    big_group_users = gen and gen.count,
    org_member = org_member,
    -- the organization level: the org (and a second one), its users by
    -- username (as stored), teams by name, projects by name
    org_id = org.id, other_org_id = data.orgs[2] and data.orgs[2].id,
    org_users = org_users, teams = teams, projects = projects,
    generated_org_users = gen and gen.count or 0, -- ACTIVE ORG_MEMBERs with roles in big_group_id
    -- the organization's API keys (by desc) and service accounts (by name), as the read model sees them
    api_keys = api_keys, service_accounts = service_accounts,
    n_api_keys = #data.api_keys, n_service_accounts = #data.service_accounts,
  }
end
M.credentials = load_credentials(M.fixtures)

-- Sanitizer runs preload a runtime into this process; the helper programs
-- we start are not instrumented and must not inherit it.
local CLEAN_ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS "

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs code with a Lua interpreter (vm: "lua5.4" or "luajit") in a new
-- process, in the checkout, the module's Lua files and the core of build
-- ("lua54" or "luajit") on its paths; returns what it printed (stdout and
-- stderr).
function M.run_lua(vm, build, code)
  local p = assert(io.popen("cd " .. shell_quote(root) .. " && " .. CLEAN_ENV
    .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/" .. build .. "/?.so;;' "
    .. vm .. " -e " .. shell_quote(code) .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  return out
end

local function sleep(seconds)
  os.execute("sleep " .. seconds)
end

local Server = {}
Server.__index = Server

function M.start(opts)
  opts = opts or {}
  local f = io.open(M.binary, "r")
  if not f then error("local_server: " .. M.binary .. " is missing; run make first", 2) end
  f:close()
  local url_file = os.tmpname()
  os.remove(url_file)
  local args = { "--port 0", "--quiet", "--watch-stdin", "--url-file " .. shell_quote(url_file),
    "--fixtures " .. shell_quote(opts.fixtures or M.fixtures) }
  for _, o in ipairs { "nonce_ttl", "token_ttl", "token_rate", "token_cap", "latency_ms" } do
    if opts[o] then args[#args + 1] = "--" .. o:gsub("_", "-") .. " " .. tostring(opts[o]) end
  end
  local cmd = CLEAN_ENV .. "sh -c " .. shell_quote("exec " .. shell_quote(M.binary) .. " " .. table.concat(args, " ")
    .. " >/dev/null")
  local pipe = assert(io.popen(cmd, "w"))
  local url
  for _ = 1, 100 do
    local uf = io.open(url_file, "r")
    if uf then
      url = uf:read("*l")
      uf:close()
      if url and url ~= "" then break end
    end
    sleep(0.05)
  end
  os.remove(url_file)
  if not url then
    pipe:close()
    error("local_server: the server did not start within 5 s", 2)
  end
  return setmetatable({ url = url, pipe = pipe }, Server)
end

function Server:control(method, path, body)
  local cmd = CLEAN_ENV .. "curl -s -S --max-time 5 -X " .. method .. " "
  if body then cmd = cmd .. "-H 'Content-Type: application/json' --data-binary " .. shell_quote(body) .. " " end
  local p = assert(io.popen(cmd .. shell_quote(self.url .. path)))
  local out = p:read("*a")
  p:close()
  local decoded = cjson.decode(out)
  if type(decoded) ~= "table" then error("local_server: bad answer from " .. path .. ": " .. tostring(out), 2) end
  return decoded
end

function Server:stats() return self:control("GET", "/__mock/stats") end
function Server:reset() return self:control("POST", "/__mock/reset") end
function Server:expire_nonces() return self:control("POST", "/__mock/expire-nonces") end
function Server:expire_tokens() return self:control("POST", "/__mock/expire-tokens") end
function Server:revoke_tokens() return self:control("POST", "/__mock/revoke-tokens") end
-- Added latency (ms) on every API route from now on, plus 0..jitter_ms at random per request.
function Server:latency(ms, jitter_ms)
  return self:control("POST", "/__mock/latency", cjson.encode { ms = ms, jitter_ms = jitter_ms })
end
function Server:fault(spec) return self:control("POST", "/__mock/fault", cjson.encode(spec)) end
-- The API requests since reset: { { method, url, status, body }, ... }.
function Server:log() return self:control("GET", "/__mock/log") end
-- A project's stored invitations, Cloud users and teams.
function Server:state(group_id) return self:control("GET", "/__mock/state?groupId=" .. group_id) end
-- An organization's stored users and teams.
function Server:org_state(org_id) return self:control("GET", "/__mock/state?orgId=" .. org_id) end
-- After sunset(true) every invitation route answers 410 VERSION_GONE.
function Server:sunset(gone) return self:control("POST", "/__mock/sunset", cjson.encode { gone = gone ~= false }) end

-- The API requests the server saw while fn ran, then fn's own results.
function Server:count(fn)
  local before = self:stats().requests
  local a, b, c, d = fn()
  return self:stats().requests - before, a, b, c, d
end

-- A shell prefix that runs a command in the checkout with Lua 5.4 paths
-- set and the environment scripts/local-server.sh start would export
-- for this server (the fixture's API keys), sanitizer preloads removed.
function Server:lua_env()
  local C = M.credentials
  return "cd " .. shell_quote(root) .. " && " .. CLEAN_ENV .. "-u MONGODB_ATLAS_CLIENT_ID -u MONGODB_ATLAS_CLIENT_SECRET"
    .. " -u MONGODB_ATLAS_ACCESS_TOKEN MONGODB_ATLAS_BASE_URL=" .. self.url
    .. " MONGODB_ATLAS_PUBLIC_API_KEY=" .. C.public_key .. " MONGODB_ATLAS_PRIVATE_API_KEY=" .. C.private_key
    .. " LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/lua54/?.so;;' "
end

-- The writes (every request but GET) since reset, as "METHOD /path" with
-- the API prefix left out.
function Server:writes()
  local out = {}
  for _, e in ipairs(self:log()) do
    if e.method ~= "GET" then out[#out + 1] = e.method .. " " .. e.url:gsub("^/api/atlas/v2", "") end
  end
  return out
end

M.quote = shell_quote

function M.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

-- The secrets of the fixture that no output may ever hold.
M.SECRETS = { M.credentials.private_key, M.credentials.client_secret }

--- Runs the atlas-admin command as a user runs it (the VM running this
-- suite, the fixture's API keys in the environment, --quiet) and returns
-- stdout, stderr, exit code; fails the test when either stream holds a
-- fixture secret.  env: extra variables, as a shell prefix ("A=1 ").
function Server:cli(args, env)
  local vm = jit and "luajit" or "lua5.4"
  local cpath = jit and "./build/luajit/?.so;;" or "./build/lua54/?.so;;"
  local err_file = os.tmpname()
  local p = assert(io.popen(self:lua_env() .. "LUA_CPATH='" .. cpath .. "' " .. (env or "") .. vm .. " bin/atlas-admin "
    .. args .. " --quiet 2>" .. shell_quote(err_file) .. "; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  local err = M.read_file(err_file) or ""
  os.remove(err_file)
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  out = out:gsub("exit=%d+%s*$", "")
  for _, secret in ipairs(M.SECRETS) do
    if out:find(secret, 1, true) or err:find(secret, 1, true) then
      error("local_server: a fixture secret in the output of atlas-admin " .. args, 2)
    end
  end
  return out, err, code
end

function Server:stop()
  if self.pipe then
    self.pipe:close() -- EOF on the server's stdin: it exits, and close waits for it
    self.pipe = nil
  end
end

return M
