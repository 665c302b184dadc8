-- Runs the example OpenResty app (examples/openresty/serve.sh) for specs:
--   local app = nginx.start{ env = {...}, workers = 1 }
--   app.url  app:stop() -> the error log's text
local local_server = require "local_server"

local M = {}

local CLEAN_ENV = "env -u LD_PRELOAD -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS "

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
M.q = q

-- Shell commands run without the sanitizer runtime the ASan and valgrind
-- phases preload into busted (curl, date, python and nginx are not
-- instrumented).
local function sh(cmd)
  local p = assert(io.popen(CLEAN_ENV .. "sh -c " .. q(cmd)))
  local out = p:read("*a")
  p:close()
  return out
end
M.sh = sh

function M.run(cmd)
  return os.execute(CLEAN_ENV .. "sh -c " .. q(cmd))
end

local function free_port()
  return tonumber(sh("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
    .. "print(s.getsockname()[1])'"))
end

local App = {}
App.__index = App

function M.start(opts)
  local port = free_port()
  local log = os.tmpname()
  local pidfile = os.tmpname()
  local vars = {}
  for k, v in pairs(opts.env or {}) do vars[#vars + 1] = k .. "=" .. q(v) end
  vars[#vars + 1] = "ATLAS_NGINX_WORKERS=" .. (opts.workers or 1)
  vars[#vars + 1] = "ATLAS_NGINX_KEEP_LOG=" .. q(log)
  local cmd = CLEAN_ENV .. "-u MONGODB_ATLAS_CLIENT_ID -u MONGODB_ATLAS_CLIENT_SECRET -u MONGODB_ATLAS_ACCESS_TOKEN "
    .. "-u MONGODB_ATLAS_PUBLIC_API_KEY -u MONGODB_ATLAS_PRIVATE_API_KEY " .. table.concat(vars, " ") .. " "
    .. q(local_server.root .. "/examples/openresty/serve.sh") .. " " .. port .. " >/dev/null 2>&1 & echo $! > " .. q(pidfile)
  os.execute(cmd)
  local pid = sh("cat " .. q(pidfile)):match("%d+")
  os.remove(pidfile)
  local url = "http://127.0.0.1:" .. port
  for _ = 1, 100 do
    if sh("curl -s --max-time 1 " .. url .. "/healthz") == "ok\n" then
      return setmetatable({ url = url, pid = pid, log = log }, App)
    end
    os.execute("sleep 0.05")
  end
  M.run("kill " .. pid .. " 2>/dev/null")
  error("nginx: the example app did not start", 2)
end

--- Stops nginx (SIGTERM: serve.sh stops it cleanly) and returns its error log.
function App:stop()
  if not self.pid then return self.log_text end
  M.run("kill -TERM " .. self.pid .. " 2>/dev/null")
  for _ = 1, 100 do
    if sh("kill -0 " .. self.pid .. " 2>/dev/null && echo alive") == "" then break end
    os.execute("sleep 0.05")
  end
  self.pid = nil
  local f = io.open(self.log)
  self.log_text = f and f:read("*a") or ""
  if f then f:close() end
  os.remove(self.log)
  return self.log_text
end

--- curl against the app: returns status, decoded JSON body (or raw).
function App:request(method, path, body)
  local out = sh("curl -s --max-time 10 -w '\\n%{http_code}' -X " .. method .. " "
    .. (body and ("--data-binary " .. q(body) .. " ") or "") .. q(self.url .. path))
  local text, status = out:match("^(.*)\n(%d+)$")
  return tonumber(status), require("cjson.safe").decode(text) or text
end

return M
