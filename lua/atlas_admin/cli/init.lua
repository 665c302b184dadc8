-- atlas-admin, the command line: parses (cli/parser.lua), builds a client
-- from the environment, runs one call or a --from-file batch (cli/bulk.lua)
-- and prints (cli/output.lua).  main returns the exit code; bin/atlas-admin
-- passes it to os.exit.
--
--   require("atlas_admin.cli").main(arg)                 -- the real streams
--   require("atlas_admin.cli").main(argv, { stdout = f, stderr = g, env = {...},
--                                           stdout_tty = false, stderr_tty = false })
local atlas = require "atlas_admin"
local bulk = require "atlas_admin.cli.bulk"
local output = require "atlas_admin.cli.output"
local parser = require "atlas_admin.cli.parser"

local M = {}

-- Whether a file descriptor is a terminal: `test -t` in a child, which
-- inherits this process's descriptors (plain Lua has no isatty).
local function isatty(fd)
  local ok, _, code = os.execute("test -t " .. fd)
  if type(ok) == "number" then return ok == 0 end -- LuaJIT / 5.1
  return ok == true and (code == nil or code == 0)
end

local function usage_error(out, message)
  return out:error({ kind = "validation", field = "arguments", message = message }, output.EXIT.usage)
end

-- The invitation named by --username: a lookup through the list call.
local function invitation_by_username(client, group, username, call_opts)
  local list, err = client:list_invitations(group, { username = username }, call_opts)
  if not list then return nil, err end
  for _, inv in ipairs(list) do
    if type(inv.username) == "string" and inv.username:lower() == username:lower() then return inv end
  end
  return nil, setmetatable({ kind = "not_found", field = "--username", message = "no pending invitation for "
    .. username .. " in project " .. tostring(group) }, { __tostring = function(e)
      return "atlas: " .. e.field .. ": " .. e.message end })
end

-- Prints what a single call returned.  value: the result; is_list: the
-- result is a list (JSON [] when empty).
local function print_request_or(out, value, fallback)
  if type(value) == "table" and value.method and value.url and value.headers then
    out.stdout:write(atlas.to_curl(value), "\n")
    return output.EXIT.ok
  end
  return fallback()
end

-- The single-call commands: each returns an exit code.
local COMMANDS = { invitations = {}, access = {} }

function COMMANDS.invitations.list(client, out, a, call_opts)
  local list, err = client:list_invitations(a.project, a.username and { username = a.username } or nil, call_opts)
  if not list then return out:error(err) end
  return print_request_or(out, list, function() out:result(list, true) return 0 end)
end

function COMMANDS.invitations.get(client, out, a, call_opts)
  local inv, err
  if a.id then
    inv, err = client:get_invitation(a.project, a.id, call_opts)
  else
    if call_opts and call_opts.dry_run then
      return print_request_or(out, client:list_invitations(a.project, { username = a.username }, call_opts))
    end
    inv, err = invitation_by_username(client, a.project, a.username, call_opts)
  end
  if not inv then return out:error(err) end
  return print_request_or(out, inv, function() out:result(inv) return 0 end)
end

function COMMANDS.invitations.create(client, out, a, call_opts)
  local inv, err = client:create_invitation(a.project, { username = a.username, roles = a.role }, call_opts)
  if not inv then return out:error(err) end
  return print_request_or(out, inv, function() out:result(inv) return 0 end)
end

function COMMANDS.invitations.update(client, out, a, call_opts)
  local inv, err
  if a.id then
    inv, err = client:update_invitation_by_id(a.project, a.id, { roles = a.role }, call_opts)
  else
    inv, err = client:update_invitation(a.project, { username = a.username, roles = a.role }, call_opts)
  end
  if not inv then return out:error(err) end
  return print_request_or(out, inv, function() out:result(inv) return 0 end)
end

function COMMANDS.invitations.delete(client, out, a, call_opts)
  local id = a.id
  if not id then
    if call_opts and call_opts.dry_run then
      -- the lookup is a read: do it, so the printed DELETE names the real id
      local probe = {}
      for k, v in pairs(call_opts) do probe[k] = v end
      probe.dry_run = nil
      local inv, err = invitation_by_username(client, a.project, a.username, probe)
      if not inv then return out:error(err) end
      id = inv.id
    else
      local inv, err = invitation_by_username(client, a.project, a.username, call_opts)
      if not inv then return out:error(err) end
      id = inv.id
    end
  end
  local ok, err = client:delete_invitation(a.project, id, call_opts)
  if not ok then return out:error(err) end
  return print_request_or(out, ok, function()
    out:done("deleted invitation " .. id, { deleted = true, id = id })
    return 0
  end)
end

local function change_roles(method)
  return function(client, out, a, call_opts)
    local inv, changed = client[method](client, a.project, a.id or a.username, a.role, call_opts)
    if not inv then return out:error(changed) end
    return print_request_or(out, inv, function()
      if out.format == "json" then
        out:json { invitation = inv, changed = changed }
      else
        out.stdout:write(tostring(inv), changed and "\n" or "  (no change: it already had them)\n")
      end
      return 0
    end)
  end
end
COMMANDS.invitations["add-roles"] = change_roles("add_invitation_roles")
COMMANDS.invitations["remove-roles"] = change_roles("remove_invitation_roles")

function COMMANDS.access.list(client, out, a)
  local rows, err = client:project_access(a.project)
  if not rows then return out:error(err) end
  out:result(rows, true)
  return 0
end

function COMMANDS.access.set(client, out, a, call_opts)
  local row, changed, plan = client:set_project_roles(a.project, a.username, a.role,
    call_opts and call_opts.dry_run and { dry_run = true } or nil)
  if not row and changed then return out:error(changed) end
  if out.format == "json" then
    out.stdout:write('{"access":', output.encode(row or {}), ',"changed":', tostring(changed == true),
      ',"plan":', output.encode(plan or {}, true), "}\n")
  else
    if row then out.stdout:write(tostring(row), "\n") end
    for _, step in ipairs(plan or {}) do
      out.stdout:write(call_opts and call_opts.dry_run and "  would " or "  ", step.operation, " ",
        tostring(step.role or table.concat(step.roles or {}, ",")), "\n")
    end
    if not changed then out.stdout:write("  (no change: the roles were already these)\n") end
  end
  return 0
end

function COMMANDS.access.remove(client, out, a)
  local ok, removed = client:remove_project_access(a.project, a.username)
  if not ok then return out:error(removed) end
  out:done("removed " .. a.username, { removed = true, username = a.username })
  return 0
end

-- Checks what argparse cannot: which of --username/--id/--role/--from-file
-- the action needs.  Returns nil or a message.
local function check_needs(a)
  local needs = parser.NEEDS[a.resource][a.action]
  if a.from_file then
    if a.username or a.id or (a.role and #a.role > 0) then
      return "--from-file takes the usernames, ids and roles from the file; drop --username, --id and --role"
    end
    return nil
  end
  if (a.concurrency or a.max_per_second or a.report) then
    return "--concurrency, --max-per-second and --report go with --from-file"
  end
  if needs.who == "username" and not a.username then return "give --username EMAIL" end
  if needs.who == "id_or_username" and not a.username and not a.id then return "give --username EMAIL or --id ID" end
  if a.username and a.id then return "give --username or --id, not both" end
  if needs.roles and (not a.role or #a.role == 0) then return "give at least one --role (repeat it for several)" end
  if a.dry_run and a.resource == "access" and a.action ~= "set" then
    return "--dry-run is available for access set, not access " .. a.action
  end
  return nil
end

--- Runs the command line argv; returns the exit code.
function M.main(argv, io_env)
  io_env = io_env or {}
  io_env.stdout = io_env.stdout or io.stdout
  io_env.stderr = io_env.stderr or io.stderr
  if io_env.stdout_tty == nil then io_env.stdout_tty = isatty(1) end
  if io_env.stderr_tty == nil then io_env.stderr_tty = isatty(2) end
  if io_env.stdin_tty == nil then io_env.stdin_tty = isatty(0) end
  local args = {}
  for i = 1, #(argv or {}) do args[i] = argv[i] end

  local kind, a = parser.parse(args)
  -- -o json before a usage error still asks for JSON errors
  local wants_json = false
  for i, v in ipairs(args) do
    if (v == "-o" or v == "--output") and args[i + 1] == "json" then wants_json = true end
    if v == "-ojson" or v == "--output=json" then wants_json = true end
  end
  if kind == "help" then
    io_env.stdout:write(a, "\n")
    return output.EXIT.ok
  end
  local format = (kind == "args" and a.output) or (wants_json and "json")
    or (kind == "args" and a.command and parser.default_output(a.command))
    or (io_env.stdout_tty and "table" or "json")
  -- Errors are JSON on stdout only when -o json was asked for; otherwise
  -- one line on stderr (a pipe reading results sees nothing on failure).
  local out = output.new(io_env, format, wants_json)
  if kind == "usage" then return out:usage(a) end

  local row
  if a.command then
    for _, r in ipairs(parser.ROWS) do
      if table.concat(r.path, " ") == a.command then row = r end
    end
  else
    local problem = check_needs(a)
    if problem then return usage_error(out, problem) end
  end
  local env = io_env.env or {}
  local quiet_env = env.ATLAS_ADMIN_QUIET
  if io_env.env == nil then quiet_env = os.getenv("ATLAS_ADMIN_QUIET") end
  local quiet = a.quiet or (quiet_env ~= nil and quiet_env ~= "" and quiet_env ~= "0")

  -- "1.0" as the Atlas docs write it; the module's name for it is "v1.0"
  local api_version = a.api_version == "1.0" and "v1.0" or a.api_version
  local client_opts = {
    base_url = a.base_url, api_version = api_version, env = io_env.env, audit = a.audit,
    -- the library's advice names its Lua calls; at a shell, name the commands
    -- (--quiet: false, which the library reads as "silence")
    on_warning = not quiet and function(message)
      out:note((message:gsub("; use [^;]* instead$",
        "; use `atlas-admin access set|remove` (the MongoDB Cloud Users calls) instead")))
    end,
  }
  if a.trace then client_opts.trace = function(event)
    io_env.stderr:write(atlas.format_trace(event), "\n") -- the library's own formatter, on this run's stderr
  end end
  local client, err = atlas.client_from_env(client_opts)
  if not client then return out:error(err) end

  local call_opts
  if a.dry_run or a.envelope or a.pretty then
    call_opts = { dry_run = a.dry_run or nil, envelope = a.envelope or nil, pretty = a.pretty or nil }
  end
  local ok, code = pcall(function()
    if row then return row.run(client, out, a, call_opts, io_env) end
    if a.from_file then return bulk.run(client, out, a, io_env, atlas.monotonic) end
    return COMMANDS[a.resource][a.action](client, out, a, call_opts)
  end)
  client:close { revoke = true } -- a service account's token is not left live (Atlas allows 100)
  if not ok then error(code, 0) end
  return code
end

return M
