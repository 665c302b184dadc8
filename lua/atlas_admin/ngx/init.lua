-- OpenResty support: which send path a call takes, and the cosocket
-- transport for a client.  Safe to require anywhere: outside nginx every
-- call takes the libcurl path.
--
-- transport = "auto" (default): a call made where nginx lets a request
-- yield (rewrite, access, content, ngx.timer, ...) goes over cosockets and
-- never blocks the worker; elsewhere (init_by_lua, init_worker_by_lua,
-- set_by_lua, header/body filters, log) it takes libcurl, the only path
-- that can run there.  "cosocket" and "libcurl" force one path.
local M = {}

-- Phases where cosockets (and ngx.sleep) are allowed.
M.YIELDING_PHASES = { rewrite = true, access = true, content = true, timer = true, ssl_cert = true,
  ssl_session_fetch = true, ssl_client_hello = true }

--- The ngx API table when running inside nginx with the Lua module, else nil.
function M.ngx()
  local ngx = rawget(_G, "ngx")
  if type(ngx) == "table" and type(ngx.socket) == "table" and type(ngx.get_phase) == "function" then return ngx end
  return nil
end

--- true when the current phase can yield to nginx.
function M.can_yield()
  local ngx = M.ngx()
  return ngx ~= nil and M.YIELDING_PHASES[ngx.get_phase()] == true
end

--- The cosocket transport for a client, or nil when it takes libcurl only.
function M.cosocket_transport(settings, user_agent)
  if settings.transport == "libcurl" or not M.ngx() then return nil end
  return require("atlas_admin.ngx.transport").new({
    timeout = settings.timeout, connect_timeout = settings.connect_timeout,
    max_response_bytes = settings.max_response_bytes, max_header_bytes = settings.max_header_bytes,
    user_agent = user_agent, trace = settings.trace ~= nil,
  }, settings.auth)
end

--- Which transport a call uses now: "cosocket" or "libcurl".
function M.pick(settings)
  if settings.transport == "libcurl" or not M.ngx() then return "libcurl" end
  if settings.transport == "cosocket" or M.can_yield() then return "cosocket" end
  return "libcurl"
end

return M
