-- How the CLI prints: results as a table (the library's own one-line
-- forms) or as JSON, errors as one line on stderr or as JSON on stdout, and
-- the exit code each error kind maps to.  Nothing printed here can hold a
-- secret: results and errors never carry one (see errors.lua), and dry runs
-- name the credential variables instead of their values (http/to_curl.lua).
local atlas = require "atlas_admin"

local M = {}

-- (5: access plan --detailed-exitcode, changes pending; 7: access apply
-- declined at its prompt, nothing applied)
M.EXIT = { ok = 0, api = 1, usage = 2, auth = 3, transport = 4, changes = 5, declined = 7 }

--- The exit code for an error object.
function M.exit_code(err)
  local kind = type(err) == "table" and err.kind or nil
  if kind == "validation" then return M.EXIT.usage end
  if kind == "auth" then return M.EXIT.auth end
  if kind == "transport" then return M.EXIT.transport end
  return M.EXIT.api -- api, not_found, skipped
end

--- The fields of an error worth printing as JSON (the error object minus
-- functions and metatables; it never holds secrets).
function M.error_fields(err)
  if type(err) ~= "table" then return { kind = "usage", message = tostring(err) } end
  local out = {}
  for _, k in ipairs { "kind", "message", "field", "status", "errorCode", "error", "reason", "detail", "code",
    "operation", "method", "path", "hint", "attempts", "retry_after", "guard", "option", "flag", "source",
    "written", "suggestions" } do
    if err[k] ~= nil then out[k] = err[k] end
  end
  -- an access file's problems, each { path, line, message }
  if type(err.problems) == "table" then
    out.problems = {}
    for i, p in ipairs(err.problems) do out.problems[i] = { path = p.path, line = p.line, message = p.message } end
  end
  return out
end

-- Sorted keys (the same result prints the same), and an empty table as []
-- (jsonenc.lua: Debian's lua-cjson 2.1.0 writes {} for every empty table;
-- in what the CLI prints an empty table is an empty list).
function M.encode(value)
  return assert(atlas.encode_json(value))
end

-- An Output writes to the streams of one run (main's io_env).
local Output = {}
Output.__index = Output

-- format: how results print ("table" | "json"); json_errors: errors as
-- JSON on stdout (-o json given) rather than a line on stderr.
function M.new(io_env, format, json_errors)
  return setmetatable({ stdout = io_env.stdout, stderr = io_env.stderr, format = format,
    json_errors = json_errors, stdout_tty = io_env.stdout_tty }, Output)
end

function Output:json(value, is_list)
  self.stdout:write(M.encode(value, is_list), "\n")
end

-- A result: tostring gives the library's table form (show.lua).
function Output:result(value, is_list)
  if self.format == "json" then return self:json(value, is_list) end
  self.stdout:write(tostring(value), "\n")
end

-- A plain message for the human format (json prints the value instead).
function Output:done(message, value)
  if self.format == "json" then return self:json(value) end
  self.stdout:write(message, "\n")
end

--- Prints an error and returns its exit code.  A guard's error names the
-- command line's flag that overrides it, not the Lua option.
function Output:error(err, code)
  code = code or M.exit_code(err)
  if type(err) == "table" and err.kind == "guard" and err.flag and err.problem then
    err.message = err.problem .. "; nothing was written: add " .. err.flag .. " if you mean it"
  end
  if self.json_errors then
    self:json { error = M.error_fields(err) }
  else
    local mt = getmetatable(err)
    local line
    if mt and mt.__tostring then
      line = tostring(err) -- the library's one-line form
      -- without the Lua call's name: at a shell the command is what was run
      if type(err) == "table" and err.operation and not err.method then
        local suffix = " (" .. tostring(err.operation) .. ")"
        if line:sub(-#suffix) == suffix then line = line:sub(1, -#suffix - 1) end
      end
    elseif type(err) == "table" then
      line = "atlas-admin: " .. (err.field and (tostring(err.field) .. ": ") or "") .. tostring(err.message)
    else
      line = "atlas-admin: " .. tostring(err)
    end
    self.stderr:write(line, "\n")
  end
  return code
end

--- A usage error (argparse's text) and exit code 2.
function Output:usage(text)
  if self.json_errors then
    self:json { error = { kind = "usage", message = text } }
  else
    self.stderr:write(text, "\n")
  end
  return M.EXIT.usage
end

function Output:note(line)
  self.stderr:write(line, "\n")
end

return M
