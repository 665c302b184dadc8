-- --from-file: reads a CSV or JSON change file into rows, turns each row
-- into a batch call, runs them with client:batch, and accounts for every
-- row: applied, or failed with its row number and reason.  A row the file
-- itself gets wrong (no username, no roles, a stray field) is a failed row
-- like any other; only a file that cannot be read at all (missing, not
-- CSV/JSON, an unknown column) stops the run before anything is sent.
local cjson = require "cjson.safe"
local output = require "atlas_admin.cli.output"

local M = {}

local COLUMNS = { username = true, id = true, invitationId = true, roles = true, groupId = true, project = true }

---------------------------------------------------------------------------
-- Reading the file
---------------------------------------------------------------------------

-- One CSV record starting at position pos (RFC 4180: quoted fields may hold
-- commas, newlines and "" for a quote).  Returns fields, next position,
-- lines consumed | nil, message.
local function csv_record(text, pos)
  local fields, field, lines = {}, {}, 1
  local i, n = pos, #text
  local quoted_field = false
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' and #field == 0 and not quoted_field then
      quoted_field = true
      local j = i + 1
      while true do
        local q = text:find('"', j, true)
        if not q then return nil, "a quoted field is not closed" end
        local chunk = text:sub(j, q - 1)
        local _, nl = chunk:gsub("\n", "")
        lines = lines + nl
        field[#field + 1] = chunk
        if text:sub(q + 1, q + 1) == '"' then
          field[#field + 1] = '"'
          j = q + 2
        else
          i = q + 1
          break
        end
      end
    elseif c == "," then
      fields[#fields + 1] = table.concat(field)
      field, quoted_field = {}, false
      i = i + 1
    elseif c == "\r" and text:sub(i + 1, i + 1) == "\n" then
      i = i + 1
    elseif c == "\n" then
      fields[#fields + 1] = table.concat(field)
      return fields, i + 1, lines
    else
      if quoted_field then return nil, "text after a closing quote" end
      field[#field + 1] = c
      i = i + 1
    end
  end
  fields[#fields + 1] = table.concat(field)
  return fields, n + 1, lines
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- roles as written in a file: "A;B" or { "A", "B" } -> a list (or the
-- original value when it is neither, for validation to report).
local function split_roles(v)
  if type(v) == "table" then return v end
  if type(v) ~= "string" then return v end
  local out = {}
  for part in v:gmatch("[^;]+") do
    part = trim(part)
    if part ~= "" then out[#out + 1] = part end
  end
  return out
end

-- Rows of a CSV text: { row = n, line = l, fields = { column = value } } or
-- { row = n, line = l, problem = "..." }.  Returns rows | nil, message.
local function read_csv(text)
  text = text:gsub("^\239\187\191", "") -- a UTF-8 byte order mark (spreadsheet exports)
  local header, pos, lines = csv_record(text, 1)
  if not header then return nil, "line 1: " .. pos end
  local columns = {}
  for k, name in ipairs(header) do
    name = trim(name)
    if not COLUMNS[name] then
      return nil, "line 1: unknown column '" .. name .. "'; the columns are username or id, roles "
        .. "(separated by ';'), and optionally groupId"
    end
    columns[k] = name
  end
  local rows, line = {}, 1 + lines
  while pos <= #text do
    local fields, next_pos, used = csv_record(text, pos)
    local row = { row = #rows + 1, line = line }
    if not fields then
      row.problem = next_pos
      rows[#rows + 1] = row
      break -- the rest of the file cannot be split into records
    end
    pos, line = next_pos, line + used
    local blank = #fields == 1 and trim(fields[1]) == ""
    if not blank then
      if #fields ~= #columns then
        row.problem = "expected " .. #columns .. " fields (" .. table.concat(columns, ",") .. "), found " .. #fields
      else
        row.fields = {}
        for k, v in ipairs(fields) do
          v = trim(v)
          if v ~= "" then row.fields[columns[k]] = v end
        end
      end
      rows[#rows + 1] = row
    end
  end
  return rows
end

-- Rows of a JSON text (an array of objects).
local function read_json(text)
  local decoded = cjson.decode(text)
  if type(decoded) ~= "table" or (next(decoded) ~= nil and decoded[1] == nil) then
    return nil, "a JSON change file must be an array of objects like "
      .. '[{"username": "a@example.com", "roles": ["GROUP_READ_ONLY"]}]'
  end
  local rows = {}
  for i, obj in ipairs(decoded) do
    local row = { row = i, line = nil }
    if type(obj) ~= "table" or obj[1] ~= nil then
      row.problem = "not an object"
    else
      row.fields = {}
      for k, v in pairs(obj) do
        if not COLUMNS[k] then
          row.problem = "unknown field '" .. tostring(k) .. "'; the fields are username or id, roles, groupId"
        elseif v ~= cjson.null then
          row.fields[k] = v
        end
      end
    end
    rows[i] = row
  end
  return rows
end

--- Reads a change file: rows | nil, message.
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, "cannot read " .. tostring(err) end
  local text = f:read("*a")
  f:close()
  if text:match("^%s*%[") then return read_json(text) end
  if path:lower():match("%.json$") then return nil, path .. " is not a JSON array" end
  return read_csv(text)
end

---------------------------------------------------------------------------
-- Rows to batch calls
---------------------------------------------------------------------------

local function problem(message)
  return { kind = "validation", message = message }
end

-- The batch call for one row of a command; or nil, problem.
local function call_for(row, command, defaults)
  local f = row.fields
  local group = f.groupId or f.project or defaults.project
  local id = f.id or f.invitationId
  local username, roles = f.username, split_roles(f.roles)
  if group == nil then return nil, problem("no project: give --project or a groupId column") end
  if id and username then return nil, problem("give username or id, not both") end
  local opts = defaults.call_opts
  if command == "update" then
    if roles == nil then return nil, problem("roles is empty: list the roles separated by ';'") end
    if id then return { "update_invitation_by_id", group, id, { roles = roles }, opts } end
    if username then return { "update_invitation", group, { username = username, roles = roles }, opts } end
    return nil, problem("no username or id")
  elseif command == "add-roles" or command == "remove-roles" then
    if roles == nil then return nil, problem("roles is empty: list the roles separated by ';'") end
    local who = id or username
    if not who then return nil, problem("no username or id") end
    return { command == "add-roles" and "add_invitation_roles" or "remove_invitation_roles", group, who, roles, opts }
  elseif command == "delete" then
    if not id then return nil, problem("delete needs the invitation id column") end
    return { "delete_invitation", group, id, opts }
  elseif command == "set" then
    if roles == nil then return nil, problem("roles is empty: list the roles separated by ';'") end
    if not username then return nil, problem("no username") end
    -- the helper's options are its own (dry_run only: --envelope and --pretty shape single calls' answers)
    return { "set_project_roles", group, username, roles, opts and opts.dry_run and { dry_run = true } or nil }
  elseif command == "remove" then
    if not username then return nil, problem("no username") end
    return { "remove_project_access", group, username }
  end
  return nil, problem("this command does not take --from-file")
end

---------------------------------------------------------------------------
-- Progress, summary, report
---------------------------------------------------------------------------

-- One line for an error: the library's own form when it is one of its
-- errors, else "<field>: <message>" for the file's own problems.
local function error_line(err)
  local mt = getmetatable(err)
  if mt and mt.__tostring then return tostring(err) end
  return (err.field and (err.field .. ": ") or "") .. tostring(err.message)
end

local function where(row)
  return "row " .. row.row .. (row.line and (" (line " .. row.line .. ")") or "")
end

local function progress_line(done, total, failed, elapsed)
  local rate = elapsed > 0 and done / elapsed or 0
  local eta = rate > 0 and (total - done) / rate or 0
  return string.format("\r%d/%d rows  %d failed  %.1f/s  ETA %ds ", done, total, failed, rate, math.floor(eta + 0.5))
end

--- Runs a bulk command.  Returns the exit code.
--   client, out (cli.output), args (parsed), io_env, clock (seconds)
function M.run(client, out, args, io_env, clock)
  local command = args.action
  local rows, err = M.read(args.from_file)
  if not rows then return out:error({ kind = "validation", field = "--from-file", message = err }) end
  local defaults = { project = args.project }
  if args.dry_run or args.envelope or args.pretty then
    defaults.call_opts = { dry_run = args.dry_run or nil, envelope = args.envelope or nil, pretty = args.pretty or nil }
  end

  -- Each row is either a failure already (the file got it wrong) or a call.
  local calls, call_rows, failures = {}, {}, {}
  for _, row in ipairs(rows) do
    local call, why
    if row.problem then why = problem(row.problem) else call, why = call_for(row, command, defaults) end
    if call then
      calls[#calls + 1] = call
      call_rows[#calls] = row
    else
      failures[#failures + 1] = { row = row, err = why }
    end
  end

  local total, started = #rows, clock()
  local tty = io_env.stderr_tty
  local done, failed, last_draw = #failures, #failures, -1
  local function draw(final)
    if not tty then return end
    local now = clock()
    if final or now - last_draw >= 0.1 then
      last_draw = now
      io_env.stderr:write(progress_line(done, total, failed, now - started))
      if final then io_env.stderr:write("\n") end
    end
  end

  local results = {}
  if #calls > 0 then
    local summary
    results, summary = client:batch(calls, {
      concurrency = args.concurrency or 8, max_per_second = args.max_per_second,
      progress = function(_, _, r)
        done = done + 1
        if not r.ok then failed = failed + 1 end
        draw(false)
      end,
    })
    if not results then return out:error(summary) end
  end
  draw(true)

  for i, r in ipairs(results) do
    if not r.ok then failures[#failures + 1] = { row = call_rows[i], err = r.err } end
  end
  table.sort(failures, function(a, b) return a.row.row < b.row.row end)

  -- Dry run: the requests, one curl line each.
  if args.dry_run then
    local atlas = require "atlas_admin"
    for i, r in ipairs(results) do
      if r.ok then out.stdout:write("# ", where(call_rows[i]), "\n", atlas.to_curl(r.value), "\n") end
    end
  end

  local report = {}
  for _, f in ipairs(failures) do
    local e = output.error_fields(f.err)
    report[#report + 1] = { row = f.row.row, line = f.row.line, username = f.row.fields and f.row.fields.username,
      id = f.row.fields and (f.row.fields.id or f.row.fields.invitationId), error = e }
    out:note(where(f.row) .. ": " .. error_line(f.err))
  end
  local ok_count = total - #failures
  out:note(string.format("%d rows: %d %s, %d failed in %.1f s", total, ok_count,
    args.dry_run and "planned" or "applied", #failures, clock() - started))

  if args.report then
    local f, ferr = io.open(args.report, "w")
    if not f then
      out:note("atlas-admin: cannot write the report: " .. tostring(ferr))
    else
      f:write(output.encode(report, true), "\n")
      f:close()
    end
  end
  if out.format == "json" then
    local head = output.encode { total = total, succeeded = ok_count, failed = #failures }
    out.stdout:write(head:sub(1, -2), ',"failures":', output.encode(report, true), "}\n")
  end
  return #failures > 0 and output.EXIT.api or output.EXIT.ok
end

return M
