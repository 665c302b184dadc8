-- Every code block of README.md and docs/*.md runs as written: a lua block
-- as a script against the local server (after a reset, with the names the
-- pages use defined first: atlas, client, gid, org, prod, staging), an sh
-- block as a shell script (the lines that start or stop the local server,
-- build, or open a REPL are left out: the suite does those), the nginx
-- block is the example app's nginx.conf exactly, and a yaml or json block
-- marked <!-- access file --> loads with atlas.load_access and plans
-- against the local server.  sh blocks run in a scratch directory that
-- links the checkout's bin, lua, build, examples, scripts and server (the
-- files they write stay out of the checkout).  A block that cannot run
-- here (inside nginx, the suite itself) is marked just above its fence:
--   <!-- not run: the reason -->
-- A block without a language is output, not code.  No run may print a secret.
local local_server = require "local_server"

local C = local_server.credentials
local root = local_server.root

local PRELUDE = table.concat({
  'atlas = require "atlas_admin"',
  'client = assert(atlas.client_from_env { on_warning = false })',
  'gid = "' .. C.group_id .. '"',
  'org = "' .. C.org_id .. '"',
  'prod = "' .. C.projects.prod.id .. '"',
  'staging = "' .. C.projects.staging.id .. '"',
}, "\n") .. "\n"

-- sh lines the suite does itself
local SKIP_SH = { "^make%f[%s%z]", "^eval \"%$%(scripts/local%-server%.sh start%)\"", "^scripts/local%-server%.sh stop",
  "^lua5%.4 %-i$", "^#" }

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function pages()
  local list = { "README.md" }
  local p = assert(io.popen("ls " .. root .. "/docs/*.md"))
  for line in p:lines() do list[#list + 1] = line:sub(#root + 2) end
  p:close()
  return list
end

-- The fenced blocks of a page: { lang, code, line, heading, skipped = reason }.
local function blocks(page)
  local out, heading, current, previous = {}, nil, nil, ""
  local n = 0
  for line in (read(root .. "/" .. page) .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if current then
      if line:match("^%s*```%s*$") then
        out[#out + 1] = current
        current = nil
      else
        current.code[#current.code + 1] = line:sub(current.indent + 1)
      end
    else
      local indent, lang = line:match("^(%s*)```(%S*)%s*$")
      if indent then
        current = { lang = lang, code = {}, line = n, heading = heading, indent = #indent,
          skipped = previous:match("<!%-%- not run: (.-) %-%->"), access_file = previous:match("<!%-%- access file %-%->") ~= nil }
      else
        heading = line:match("^#+ (.*)") or heading
        if line:match("%S") then previous = line end
      end
    end
  end
  for _, b in ipairs(out) do b.code = table.concat(b.code, "\n") .. "\n" end
  return out
end

-- What particular blocks must print, beyond running ("page:heading:lang" -> patterns).
local EXPECT = {
  ["README.md:Quick start:lua"] = { "invitation 602eb7429955214668d5b025 hello@example.com in " .. C.group_id
    .. ": GROUP_BACKUP_MANAGER, GROUP_READ_ONLY", "curl --include --digest", "add_invitation_roles" },
  ["docs/api.md:Batches: many calls at once:lua"] = { "4/4 ", "\n1\tinvitation 602eb7429955214668d5b025 hello@example.com in "
    .. C.group_id .. ": GROUP_READ_ONLY", "\n3\tuser 6a1b2c3d4e5f60718293a4b1 alice@example.com ACTIVE: "
    .. "GROUP_DATA_ACCESS_READ_WRITE", "\n4\t1 user", "\n4\t0\n" },
  ["docs/organizations.md:Who can reach a project, and why:lua"] = { "7 people and 6 API keys or service accounts can reach it, 17 ways in",
    "dora@example.com +ACTIVE +team dba +GROUP_READ_ONLY" },
  ["docs/organizations.md:Offboarding: `client:offboard(orgId, username [, { dry_run = true }])` → report:lua"] = {
    "(dry run: nothing was changed)", "true\t1\n", "jane.smith@example.com from org " .. C.org_id .. ": removed everywhere" },
  ["docs/organizations.md:The whole organization: `client:org_access(orgId [, { projects = { names or ids } }])`:lua"] = {
    "\n28\n", "ACTIVE\tORG_MEMBER\tGROUP_OWNER\tdba", "\n2\tGROUP_DATA_ACCESS_ADMIN\n" },
  ["README.md:A short tour:lua"] = { "org user %x+ dana@example.com PENDING: ORG_MEMBER", "removed everywhere" },
}

describe("the code blocks of README.md and docs/", function()
  local srv
  setup(function() srv = local_server.start() end)
  teardown(function() srv:stop() end)

  local function run(cmd)
    local p = assert(io.popen(srv:lua_env() .. cmd .. " 2>&1; echo \"exit=$?\""))
    local out = p:read("*a")
    p:close()
    return out, out:match("exit=(%d+)%s*$")
  end

  for _, page in ipairs(pages()) do
    for _, b in ipairs(blocks(page)) do
      local where = page .. ":" .. b.line .. " (" .. tostring(b.heading) .. ")"
      if b.skipped then
        it(where .. " is marked as not run, with a reason", function()
          assert.truthy(#b.skipped > 10, where)
        end)
      elseif b.lang == "lua" or b.lang == "sh" then
        it(where .. " runs as written", function()
          srv:reset()
          local script = os.tmpname()
          local f = assert(io.open(script, "w"))
          if b.lang == "lua" then
            f:write(PRELUDE, b.code)
          else
            f:write("set -e\n")
            for line in b.code:gmatch("[^\n]+") do
              local skip = false
              for _, pattern in ipairs(SKIP_SH) do skip = skip or line:match(pattern) ~= nil end
              if not skip then f:write(line, "\n") end
            end
          end
          f:close()
          local cmd = "lua5.4 " .. script
          local scratch
          if b.lang == "sh" then
            scratch = os.tmpname()
            os.remove(scratch)
            local links = {}
            for _, d in ipairs { "bin", "lua", "build", "examples", "scripts", "server" } do
              links[#links + 1] = "ln -s " .. root .. "/" .. d .. " " .. scratch .. "/" .. d
            end
            assert(os.execute("mkdir " .. scratch .. " && " .. table.concat(links, " && ")))
            cmd = "bash -c 'cd " .. scratch .. " && bash " .. script .. "'"
          end
          local out, code = run(cmd)
          os.remove(script)
          if scratch then os.execute("rm -rf " .. scratch) end
          assert.equal("0", code, where .. "\n" .. out)
          assert.not_matches(C.private_key, out, 1, true)
          assert.not_matches(C.client_secret, out, 1, true)
          for _, pattern in ipairs(EXPECT[page .. ":" .. tostring(b.heading) .. ":" .. b.lang] or {}) do
            assert.truthy(out:find(pattern, 1, true) or out:find(pattern), where .. ": no " .. pattern .. " in\n" .. out)
          end
        end)
      elseif b.access_file then
        it(where .. " is an access file that loads and plans", function()
          srv:reset()
          local script = os.tmpname()
          local f = assert(io.open(script, "w"))
          f:write(PRELUDE, "local spec = assert(atlas.load_access(", string.format("%q", b.code), "))\n",
            "print(assert(client:plan_access(spec)))\n")
          f:close()
          local out, code = run("lua5.4 " .. script)
          os.remove(script)
          assert.equal("0", code, where .. "\n" .. out)
        end)
      elseif b.lang == "nginx" then
        it(where .. " is the example app's nginx.conf exactly", function()
          assert.equal(read(root .. "/examples/openresty/nginx.conf"), b.code)
        end)
      end
    end
  end

  it("covers the blocks EXPECT names (none renamed away)", function()
    local seen = {}
    for _, page in ipairs(pages()) do
      for _, b in ipairs(blocks(page)) do seen[page .. ":" .. tostring(b.heading) .. ":" .. b.lang] = true end
    end
    for key in pairs(EXPECT) do assert.truthy(seen[key], key) end
  end)
end)
