-- atlas-admin access export|plan|apply: access as code at a shell.  Rows
-- like cli/org.lua's (parser.lua builds the commands, init.lua runs them).
--
--   atlas-admin access export --org ID [--project NAME ...] [-o yaml|json]
--   atlas-admin access plan FILE [--prune] [--max-removals N] [-o table|json] [--out PLAN.json]
--                                [--detailed-exitcode] [-v]
--   atlas-admin access apply FILE | --plan PLAN.json [--prune] [guard overrides] [--yes] [--concurrency N]
--                                [--audit FILE] [-v]
--
-- A saved plan is applied only as planned: apply plans its spec again and
-- refuses unless the changes come out the same; --prune and the guard
-- overrides must be given again (they are never read from the plan file).
-- Exit codes: 0 ok (plan: in sync, or changes without --detailed-exitcode),
-- 5 changes pending (plan --detailed-exitcode), 7 declined at the prompt,
-- 2 usage, a bad file or a refused apply without a terminal, 3 auth, 4
-- transport, 1 a guard, a stale or edited plan, a failed write.
local atlas = require "atlas_admin"
local cjson = require "cjson.safe"
local output = require "atlas_admin.cli.output"

local M = {}

M.EXIT_CHANGES = output.EXIT.changes

M.OPTIONS = {
  file = function(cmd) cmd:argument("file", "The access file (YAML or JSON)."):args("?") end,
  projects = function(cmd)
    cmd:option("--project", "Export only this project (name or id; repeatable)."):count("*"):argname("NAME")
  end,
  export_format = function(cmd)
    cmd:option("-o --output", "File format: yaml (default) or json."):choices { "yaml", "json" }
  end,
  plan_format = function(cmd)
    cmd:option("-o --output", "Output: table (the diff, default on a terminal) or json (the plan as data).")
      :choices { "table", "json" }
  end,
  prune = function(cmd) cmd:flag("--prune", "Also remove what the file's sections do not list (unmanaged).") end,
  guards = function(cmd)
    cmd:option("--max-removals", "Refuse a plan with more removals than this (default 10)."):argname("N")
      :convert(tonumber)
    cmd:flag("--allow-no-project-owner", "Allow a plan that leaves a project with no Project Owner.")
    cmd:flag("--allow-no-org-owner", "Allow a plan that leaves the organization with no ORG_OWNER.")
    cmd:flag("--allow-in-use", "Allow a plan that deletes an API key or service account used in the last 30 days.")
  end,
  secrets_dir = function(cmd)
    cmd:option("--secrets-dir", "Where the secrets of the API keys and service accounts the plan creates go (one new "
      .. "0600 file each); needed to create one."):argname("DIR")
  end,
  out = function(cmd) cmd:option("--out", "Also write the plan as JSON here (for apply --plan)."):argname("PLAN.json") end,
  detailed = function(cmd)
    cmd:flag("--detailed-exitcode", "Exit 5 when changes are pending, 0 when in sync (for CI drift checks).")
  end,
  plan_file = function(cmd) cmd:option("--plan", "Apply this saved plan (from plan --out) instead of a file."):argname("PLAN.json") end,
  yes = function(cmd) cmd:flag("-y --yes", "Apply without asking (needed when not on a terminal).") end,
  concurrency = function(cmd)
    cmd:option("--concurrency", "Writes in flight at once (1-64, default 16)."):argname("N"):convert(tonumber)
  end,
  verbose = function(cmd) cmd:flag("-v --verbose", "List every unmanaged holder (past 20 they print as counts).") end,
}

local function usage(out, message)
  return out:error({ kind = "validation", field = "arguments", message = message }, output.EXIT.usage)
end

local function plan_options(a)
  return { prune = a.prune or false, max_removals = a.max_removals, allow_no_project_owner = a.allow_no_project_owner
    or false, allow_no_org_owner = a.allow_no_org_owner or false, allow_in_use = a.allow_in_use or false }
end

-- The options checked here, before any read, named as the CLI's flags.
local function check_flags(a)
  if a.max_removals ~= nil and (a.max_removals ~= math.floor(a.max_removals) or a.max_removals < 0) then
    return "--max-removals takes a whole number of at least 0"
  end
  if a.concurrency ~= nil and (a.concurrency ~= math.floor(a.concurrency) or a.concurrency < 1 or a.concurrency > 64) then
    return "--concurrency takes a whole number from 1 to 64"
  end
end


local function write_file(path, text)
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(text)
  f:close()
  if not ok then return nil, werr end
  return true
end

-- The plan of a file: plan | nil, exit code (the error printed).
local function plan_of(client, out, a)
  local spec, err = atlas.load_access(a.file)
  if not spec then return nil, out:error(err) end
  local plan
  plan, err = client:plan_access(spec, plan_options(a))
  if not plan then
    if err.kind == "guard" and err.plan and out.format ~= "json" then
      out.stdout:write(atlas.render_plan(err.plan, { color = out.stdout_tty, verbose = a.verbose }), "\n")
    end
    return nil, out:error(err)
  end
  return plan
end

local function render(out, plan, a)
  if out.format == "json" then
    out.stdout:write(output.encode(plan), "\n")
  else
    out.stdout:write(atlas.render_plan(plan, { color = out.stdout_tty, verbose = a.verbose }), "\n")
  end
end

M.COMMANDS = {
  { path = { "access", "export" }, description = "Write today's access as an access file (YAML or JSON) on stdout.",
    options = { "org", "projects", "export_format" }, output = false, default_output = "yaml",
    run = function(client, out, a)
      if not a.org then return usage(out, "give --org ID") end
      local spec, err = client:export_access(a.org, #a.project > 0 and { projects = a.project } or nil)
      if not spec then return out:error(err) end
      out.stdout:write(atlas.dump_access(spec, a.output or "yaml"))
      return output.EXIT.ok
    end },
  { path = { "access", "plan" }, description = "Show what it takes to make the organization match an access file.",
    options = { "file", "prune", "guards", "plan_format", "out", "detailed", "verbose" }, output = false,
    default_output = "table",
    run = function(client, out, a)
      if not a.file then return usage(out, "give the access file: atlas-admin access plan FILE") end
      local problem = check_flags(a)
      if problem then return usage(out, problem) end
      local plan, code = plan_of(client, out, a)
      if not plan then return code end
      render(out, plan, a)
      if a.out then
        local ok, err = write_file(a.out, output.encode(plan) .. "\n")
        if not ok then return usage(out, "cannot write " .. a.out .. ": " .. tostring(err)) end
      end
      if a.detailed_exitcode and #plan.changes > 0 then return M.EXIT_CHANGES end
      return output.EXIT.ok
    end },
  { path = { "access", "apply" }, description = "Make the organization match an access file (or a saved plan).",
    options = { "file", "plan_file", "prune", "guards", "secrets_dir", "yes", "concurrency", "plan_format", "verbose" },
    output = false,
    default_output = "table",
    run = function(client, out, a, _, io_env)
      if (a.file == nil) == (a.plan == nil) then
        return usage(out, "give the access file or --plan PLAN.json (one of them)")
      end
      local problem = check_flags(a)
      if problem then return usage(out, problem) end
      local plan, code
      if a.plan then
        local f = io.open(a.plan, "rb")
        if not f then return usage(out, "cannot read " .. a.plan) end
        plan = cjson.decode(f:read("*a"))
        f:close()
        if type(plan) ~= "table" then return usage(out, a.plan .. " is not a plan (JSON from access plan --out)") end
      else
        plan, code = plan_of(client, out, a)
        if not plan then return code end
        if #plan.changes == 0 then
          out:done("in sync: nothing to change", { applied = 0, in_sync = true })
          return output.EXIT.ok
        end
      end
      -- What is shown and asked about is the plan as apply makes it again
      -- (a saved plan's own text, summary included, is never what is shown).
      local declined, in_sync = false, false
      local function confirm(fresh)
        if #fresh.changes == 0 then
          in_sync = true
          return false
        end
        if out.format ~= "json" then render(out, fresh, a) end
        if a.yes then return true end
        if not io_env.stdin_tty then
          declined = "not on a terminal: nothing was applied; add --yes to apply without asking"
          return false
        end
        out.stderr:write(string.format("apply %d change%s to org %s? [y/N] ", #fresh.changes,
          #fresh.changes == 1 and "" or "s", fresh.org))
        local answer = (io_env.stdin or io.stdin):read("*l")
        if not answer or not answer:match("^%s*[yY]") then declined = true end
        return not declined
      end
      local opts = plan_options(a)
      opts.concurrency, opts.confirm, opts.secrets_dir = a.concurrency, confirm, a.secrets_dir
      local report, err = client:apply_access(plan, opts)
      if not report then
        if in_sync then
          out:done("in sync: nothing to change", { applied = 0, in_sync = true })
          return output.EXIT.ok
        elseif declined == true then
          out:note("declined: nothing was applied")
          return output.EXIT.declined
        elseif declined then
          return usage(out, declined)
        end
        if err.kind == "audit" and err.done and out.format ~= "json" then out.stdout:write(tostring(err.done), "\n") end
        return out:error(err)
      end
      if #report.changes == 0 then
        out:done("in sync: nothing to change", { applied = 0, in_sync = true })
        return output.EXIT.ok
      end
      if out.format == "json" then out:json(report) else out.stdout:write(tostring(report), "\n") end
      return report.summary.failed > 0 and output.EXIT.api or output.EXIT.ok
    end },
}

return M
