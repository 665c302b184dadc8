-- The command line of atlas-admin, declared with lua-argparse.
--
--   atlas-admin invitations list|get|create|update|delete|add-roles|remove-roles [options]
--   atlas-admin access list|set|remove [options]
--   and the organization-level commands declared as rows in cli/org.lua
--   (org users ..., teams ..., projects list, who, offboard) and cli/identities.lua
--   (api-keys ..., service-accounts ...).
--
-- argparse's own --help prints and calls os.exit; ours records the help
-- text instead (parse returns it), so main decides how to print and which
-- exit code to use, and a spec can run main in-process.
local access_code = require "atlas_admin.cli.access_code"
local argparse = require "argparse"
local identities = require "atlas_admin.cli.identities"
local org = require "atlas_admin.cli.org"
local review = require "atlas_admin.cli.review"

local M = {}

-- What each action needs, checked after parsing (argparse cannot express
-- "--username or --id", nor "--role unless --from-file").
M.NEEDS = {
  invitations = {
    list = {},
    get = { who = "id_or_username" },
    create = { who = "username", roles = true },
    update = { who = "id_or_username", roles = true, bulk = true },
    delete = { who = "id_or_username", bulk = true },
    ["add-roles"] = { who = "id_or_username", roles = true, bulk = true },
    ["remove-roles"] = { who = "id_or_username", roles = true, bulk = true },
  },
  access = {
    list = {},
    set = { who = "username", roles = true, bulk = true },
    remove = { who = "username", bulk = true },
  },
}

local DESCRIPTIONS = {
  invitations = {
    _ = "Project invitations (deprecated by Atlas; they stop working on 2027-07-01).",
    list = "List the project's pending invitations.",
    get = "Show one invitation (by --id, or by --username).",
    create = "Invite --username to the project with the --role(s).",
    update = "Replace an invitation's roles (by --username or --id), or many with --from-file.",
    delete = "Cancel a pending invitation (by --id, or by --username), or many with --from-file.",
    ["add-roles"] = "Add --role(s) to an invitation, keeping its other roles.",
    ["remove-roles"] = "Remove --role(s) from an invitation, keeping its other roles.",
  },
  access = {
    _ = "Who has access to a project (Cloud users and pending invitations together), and access as code: "
      .. "export, plan and apply a reviewed file.",
    list = "List everyone with access to the project.",
    set = "Make --username hold exactly the --role(s), whoever holds them today.",
    remove = "Remove --username from the project, wherever they are.",
  },
}

local ORDER = {
  invitations = { "list", "get", "create", "update", "delete", "add-roles", "remove-roles" },
  access = { "list", "set", "remove" },
}

local EPILOG = [[
Credentials come from the environment, as for the Atlas CLI and the Go SDK:
  MONGODB_ATLAS_CLIENT_ID + MONGODB_ATLAS_CLIENT_SECRET (service account), or
  MONGODB_ATLAS_ACCESS_TOKEN, or
  MONGODB_ATLAS_PUBLIC_API_KEY + MONGODB_ATLAS_PRIVATE_API_KEY (API keys);
  MONGODB_ATLAS_BASE_URL or --base-url picks the server.
Exit codes: 0 ok, 1 API error (bulk: any row failed), 2 usage or validation, 3 auth, 4 transport.]]

local BULK_EPILOG = [[
--from-file FILE: a CSV file with a header row (columns: username or id, roles separated by ';',
optionally groupId) or a JSON array of objects with the same keys (roles: an array or a ';' string).
Every row is reported: applied, or failed with its row number and reason.]]

-- The options every action takes.
local function common(cmd, record_help)
  cmd:add_help { action = function() record_help(cmd) end }
  cmd:option("--project --groupId", "The project (24 hex digits)."):argname("ID")
  cmd:option("--api-version", "Media type version of the invitation calls: 2023-01-01 (default), or 1.0 for the v1.0 API.")
    :argname("D")
  cmd:option("-o --output", "Output format: table or json (default: table on a terminal, json otherwise).")
    :choices { "table", "json" }
  cmd:option("--base-url", "The Atlas server (default: MONGODB_ATLAS_BASE_URL or https://cloud.mongodb.com).")
    :argname("URL")
  cmd:flag("--envelope", "Ask Atlas to wrap the answer in an envelope (envelope=true).")
  cmd:flag("--pretty", "Ask Atlas for pretty-printed JSON (pretty=true).")
  cmd:flag("--dry-run", "Print the request as a curl command line instead of sending it.")
  cmd:flag("--trace", "Print every HTTP exchange on stderr (credentials redacted).")
  M.quiet_flag(cmd)
  M.audit_option(cmd)
end

-- Warnings (an invitation call's deprecation notice) are for people at a
-- terminal; a cron job can silence them.  Errors are never silenced.
function M.quiet_flag(cmd)
  cmd:flag("-q --quiet", "Print no warnings (errors still print); ATLAS_ADMIN_QUIET=1 does the same.")
end

-- Every write of the run, one JSON line each (the client option audit).
function M.audit_option(cmd)
  cmd:option("--audit", "Append a JSON line per write to this file (the audit trail)."):argname("FILE")
end

-- The options every row-declared command takes (cli/org.lua,
-- cli/access_code.lua); a row with output = false declares its own -o.
local function row_common(cmd, record_help, row)
  cmd:add_help { action = function() record_help(cmd) end }
  if row.output ~= false then
    cmd:option("-o --output", "Output format: table or json (default: table on a terminal, json otherwise).")
      :choices { "table", "json" }
  end
  cmd:option("--base-url", "The Atlas server (default: MONGODB_ATLAS_BASE_URL or https://cloud.mongodb.com).")
    :argname("URL")
  cmd:flag("--trace", "Print every HTTP exchange on stderr (credentials redacted).")
  M.quiet_flag(cmd)
  M.audit_option(cmd)
end

-- The commands declared as rows, and the options they may name.
M.ROWS = {}
for _, source in ipairs { org, access_code, review, identities } do
  for _, row in ipairs(source.COMMANDS) do M.ROWS[#M.ROWS + 1] = row end
end
--- The output a row-declared command defaults to whatever stdout is (a
-- plan's diff is for people, in CI logs too), or nil.
function M.default_output(phrase)
  for _, row in ipairs(M.ROWS) do
    if table.concat(row.path, " ") == phrase then return row.default_output end
  end
end

local ROW_OPTIONS = {}
for _, source in ipairs { org, access_code, review, identities } do
  for name, declare in pairs(source.OPTIONS) do ROW_OPTIONS[name] = declare end
end

-- What the groups of row-declared commands say in --help.
local GROUPS = {
  org = "The organization: its users (org roles, projects, teams).",
  ["org users"] = "The organization's users.",
  teams = "The organization's teams: their members and their roles in projects.",
  projects = "The organization's projects.",
  ["api-keys"] = "The organization's API keys: their roles, projects and IP access lists.",
  ["service-accounts"] = "The organization's service accounts: their roles, projects, secrets and IP access lists.",
}

-- The argparse field each level of words fills in.
local TARGETS = { "resource", "action", "subaction" }

local function who_options(cmd, needs)
  if needs.who == "username" or needs.who == "id_or_username" then
    cmd:option("--username", "The person's username (an email address)."):argname("EMAIL")
  end
  if needs.who == "id_or_username" then
    cmd:option("--id --invitationId", "The invitation id (24 hex digits)."):argname("ID")
  end
  if needs.roles then
    cmd:option("--role", "A project role, e.g. GROUP_READ_ONLY (repeat for several)."):count("*"):argname("R")
  end
  if needs.bulk then
    cmd:option("--from-file", "Apply every row of a CSV or JSON file (see below)."):argname("FILE")
    cmd:option("--concurrency", "Requests in flight at once for --from-file (1-64, default 8).")
      :argname("N"):convert(tonumber)
    cmd:option("--max-per-second", "At most this many requests per second for --from-file.")
      :argname("R"):convert(tonumber)
    cmd:option("--report", "Write every failed row of --from-file, with its reason, to this JSON file.")
      :argname("FILE")
    cmd:epilog(BULK_EPILOG .. "\n\n" .. EPILOG)
  else
    cmd:epilog(EPILOG)
  end
  if needs.who == nil and cmd._name == "list" then
    cmd:option("--username", "Only this username (an email address)."):argname("EMAIL")
  end
end

-- A new parser; record_help(cmd) is called when -h/--help is seen.
local function build(record_help)
  local parser = argparse("atlas-admin", "Manage who may access MongoDB Atlas: projects, organizations, teams.")
    :command_target("resource")
  parser:add_help { action = function() record_help(parser) end }
  parser:epilog(EPILOG)
  parser:require_command(true)
  local nodes = {}
  for _, resource in ipairs { "invitations", "access" } do
    local r = parser:command(resource, DESCRIPTIONS[resource]._):command_target("action")
    nodes[resource] = r
    r:add_help { action = function() record_help(r) end }
    r:require_command(true)
    for _, action in ipairs(ORDER[resource]) do
      local cmd = r:command(action, DESCRIPTIONS[resource][action])
      common(cmd, record_help)
      who_options(cmd, M.NEEDS[resource][action])
    end
  end
  -- The row-declared commands: each row's words are nested commands (under
  -- an existing one, such as access, or new ones); the leaf records the
  -- whole phrase in args.command.
  for _, row in ipairs(M.ROWS) do
    local parent, key = parser, nil
    for depth = 1, #row.path - 1 do
      key = key and (key .. " " .. row.path[depth]) or row.path[depth]
      if not nodes[key] then
        local node = parent:command(row.path[depth], GROUPS[key]):command_target(TARGETS[depth + 1])
        node:add_help { action = function() record_help(node) end }
        node:require_command(true)
        node:epilog(EPILOG)
        nodes[key] = node
      end
      parent = nodes[key]
    end
    local cmd = parent:command(row.path[#row.path], row.description)
    row_common(cmd, record_help, row)
    for _, name in ipairs(row.options) do ROW_OPTIONS[name](cmd) end
    cmd:epilog(EPILOG)
    local phrase = table.concat(row.path, " ")
    cmd:action(function(args) args.command = phrase end)
  end
  return parser
end

--- Parses argv (a list of strings).  Returns
--   "help", text          for -h/--help anywhere
--   "args", args          parsed arguments (args.resource, args.action, ...)
--   "usage", message      a usage error, with the usage line of the command
function M.parse(argv)
  local helped
  local parser = build(function(cmd) helped = helped or cmd:get_help() end)
  local ok, result = parser:pparse(argv)
  if helped then return "help", helped end
  if not ok then return "usage", parser:get_usage() .. "\n\nError: " .. tostring(result) end
  return "args", result
end

return M
