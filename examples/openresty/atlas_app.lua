-- The example OpenResty app: PATCH /projects/{groupId}/invitations/{invitationId}
-- with {"roles": [...]} updates the invitation through atlas-admin, over
-- cosockets (the worker keeps serving other requests while Atlas answers).
--   200 and the invitation as JSON, or { kind, message, errorCode } with
--   Atlas's status (400 for validation, 502 for transport).
-- POST /projects/{groupId}/invitations with [{"id": ..., "roles": [...]}, ...]
-- updates them all in one client:batch (light threads over cosockets):
--   200 and { summary = {...}, results = [{ ok, invitation | error }, ...] }.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"

local M = {}

-- One client per worker, made on first use: credentials come from the same
-- variables as client_from_env (nginx.conf passes them with `env`).
local client

local function reply_json(status, text)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(text)
  return ngx.exit(status)
end

local function reply(status, body)
  return reply_json(status, cjson.encode(body))
end

local function fail(status, err)
  return reply(status, { kind = err.kind, message = err.message, errorCode = err.errorCode })
end

-- The update's call options, one table for every request.
local PASS_THROUGH = { decode = false }

local function log_warning(message) ngx.log(ngx.NOTICE, message) end

-- (No function is written inside: LuaJIT stops compiling a request's path
-- at the return of a function that creates closures.)
local function get_client()
  if client then return client end
  local err
  client, err = atlas.client_from_env {
    shared_dict = "atlas_tokens", -- one service-account token for all workers
    transport = os.getenv("ATLAS_TRANSPORT"), -- nil: auto (cosockets here)
    on_warning = log_warning,
  }
  return client, err
end

local function error_fields(err)
  return { kind = err.kind, message = err.message, errorCode = err.errorCode, status = err.status }
end

-- POST /projects/{groupId}/invitations: a batch of updates by id.
local function batch_update(gid)
  ngx.req.read_body()
  local rows = cjson.decode(ngx.req.get_body_data() or "")
  if type(rows) ~= "table" then
    return reply(400, { kind = "validation", message = "the body must be a JSON array like "
      .. "[{\"id\": \"...\", \"roles\": [\"GROUP_READ_ONLY\"]}]" })
  end
  local c, cerr = get_client()
  if not c then return fail(500, cerr) end
  local calls = {}
  for i, row in ipairs(rows) do
    calls[i] = { "update_invitation_by_id", gid, type(row) == "table" and row.id or nil,
      { roles = type(row) == "table" and row.roles or nil }, n = 4 }
  end
  local results, summary = c:batch(calls, { concurrency = 16 })
  if not results then return fail(400, summary) end
  local out = {}
  for i, r in ipairs(results) do
    out[i] = r.ok and { ok = true, invitation = r.value } or { ok = false, error = error_fields(r.err) }
  end
  return reply(200, { summary = summary, results = out })
end

function M.handle()
  local uri = ngx.var.uri
  local gid, iid = uri:match("^/projects/([^/]+)/invitations/([^/]+)$")
  if not gid then
    local batch_gid = uri:match("^/projects/([^/]+)/invitations$")
    if batch_gid and ngx.req.get_method() == "POST" then return batch_update(batch_gid) end
    return reply(404, { kind = "not_found", message = "no such route" })
  end
  if ngx.req.get_method() ~= "PATCH" then
    return reply(405, { kind = "validation", message = "use PATCH with {\"roles\": [...]}" })
  end
  ngx.req.read_body()
  local body = cjson.decode(ngx.req.get_body_data() or "")
  if type(body) ~= "table" then
    return reply(400, { kind = "validation", message = "the body must be JSON like {\"roles\": [\"GROUP_READ_ONLY\"]}" })
  end
  local c, cerr = get_client()
  if not c then return fail(500, cerr) end
  -- decode = false: the invitation comes back as Atlas's JSON text, which
  -- is what this route answers (no table built only to be encoded again)
  local text, err = c:update_invitation_by_id(gid, iid, { roles = body.roles }, PASS_THROUGH)
  if text then return reply_json(200, text) end
  if err.kind == "validation" then return fail(400, err) end
  if err.kind == "transport" then return fail(502, err) end
  return fail(err.status or 502, err)
end


return M
