-- atlas-admin's organization-level commands: org users, teams, projects,
-- who can reach a project, offboarding.  Each command is one row below:
-- its words, what it says in --help, the options it takes and what it runs
-- (parser.lua builds argparse's commands from these rows; init.lua runs
-- them).  A row's run(client, out, a, call_opts) returns the exit code.
--
--   atlas-admin org users list|get|set-roles|remove --org ID ...
--   atlas-admin teams list|members|set-members|set-project-roles|delete --org ID ...
--   atlas-admin projects list --org ID [--name PREFIX]
--   atlas-admin who --org ID --project ID
--   atlas-admin offboard --org ID --username EMAIL [--dry-run]
--
-- org users set-roles and offboard refuse to leave the organization with no
-- ORG_OWNER or a project with no Project Owner (exit 1, nothing changed)
-- unless --allow-no-org-owner / --allow-no-project-owner (owner_guards.lua).
local atlas = require "atlas_admin"
local errors = require "atlas_admin.errors"
local output = require "atlas_admin.cli.output"

local M = {}

-- Options, by the name a row lists.
M.OPTIONS = {
  org = function(cmd) cmd:option("--org --orgId", "The organization (24 hex digits)."):argname("ID") end,
  project = function(cmd) cmd:option("--project --groupId", "The project (24 hex digits)."):argname("ID") end,
  username = function(cmd) cmd:option("--username", "The person's username (an email address)."):argname("EMAIL") end,
  user_id = function(cmd) cmd:option("--id --userId", "The user's id (24 hex digits)."):argname("ID") end,
  org_role = function(cmd)
    cmd:option("--role", "An organization role, e.g. ORG_MEMBER (repeat for several)."):count("*"):argname("R")
  end,
  project_role = function(cmd)
    cmd:option("--role", "A project role, e.g. GROUP_READ_ONLY (repeat for several)."):count("*"):argname("R")
  end,
  status = function(cmd)
    cmd:option("--status", "Only users with this membership status: ACTIVE, PENDING, INVITATION_EXPIRED or "
      .. "INVITATION_REJECTED (repeatable; default ACTIVE and PENDING)."):count("*"):argname("S")
  end,
  team = function(cmd) cmd:option("--team", "The team's name."):argname("NAME") end,
  member = function(cmd)
    cmd:option("--member", "A member's username (repeat for each; the team ends with exactly these)."):count("*")
      :argname("EMAIL")
  end,
  name = function(cmd) cmd:option("--name", "Only projects whose name starts with this (any case)."):argname("PREFIX") end,
  dry_run = function(cmd) cmd:flag("--dry-run", "Show what would change and send no write (the reads happen).") end,
  owner_guards = function(cmd)
    for _, g in ipairs(atlas.owner_guards()) do cmd:flag(g.flag, g.help) end
  end,
  project_owner_guard = function(cmd) -- a team's changes can only take a project's ownership
    for _, g in ipairs(atlas.owner_guards()) do
      if g.name == "project_owner" then cmd:flag(g.flag, g.help) end
    end
  end,
}

-- The Lua options of a command: dry_run and the owner guards' overrides
-- (argparse names a flag's field after it: --allow-no-org-owner ->
-- allow_no_org_owner, the very option).
local function guarded_options(a)
  local opts = { dry_run = a.dry_run or false }
  for _, g in ipairs(atlas.owner_guards()) do opts[g.option] = a[g.option] or false end
  return opts
end


local function usage(out, message)
  return out:error({ kind = "validation", field = "arguments", message = message }, output.EXIT.usage)
end

-- The first missing one of the named options, as a usage message.
local function missing(a, ...)
  for _, spec in ipairs { ... } do
    local key, flag = spec[1], spec[2]
    local v = a[key]
    if v == nil or (type(v) == "table" and #v == 0) then return "give " .. flag end
  end
end

local function statuses(a)
  if a.status and #a.status > 0 then return a.status end
end

-- The org user named by --username (one lookup) or --id.
local function org_user(client, a)
  if a.id then return client:get_org_user(a.org, a.id) end
  local list, err = client:list_org_users(a.org, { username = a.username, statuses = statuses(a) })
  if not list then return nil, err end
  for _, u in ipairs(list) do
    if u.username:lower() == a.username:lower() then return u end
  end
  return nil, errors.not_found("--username", "no user " .. a.username .. " in organization " .. a.org)
end

-- A desired-state result: the value, then one line per write.
local function print_change(out, value, changed, plan, dry, key)
  if out.format == "json" then
    out.stdout:write('{"', key, '":', output.encode(value or {}), ',"changed":', tostring(changed == true),
      ',"plan":', output.encode(plan or {}, true), "}\n")
    return output.EXIT.ok
  end
  if value then out.stdout:write(tostring(value), "\n") end
  for _, step in ipairs(plan or {}) do
    out.stdout:write(dry and "  would " or "  ", atlas.describe_step(step), "\n")
  end
  if not changed then out.stdout:write("  (no change: it was already so)\n") end
  return output.EXIT.ok
end

local function team_by_name(client, a)
  return client:get_team_by_name(a.org, a.team)
end

M.COMMANDS = {
  { path = { "org", "users", "list" }, description = "List the organization's users.",
    options = { "org", "username", "status" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" })
      if problem then return usage(out, problem) end
      local list, err = client:list_org_users(a.org, { username = a.username, statuses = statuses(a) })
      if not list then return out:error(err) end
      out:result(list, true)
      return output.EXIT.ok
    end },
  { path = { "org", "users", "get" }, description = "Show one org user (by --username or --id).",
    options = { "org", "username", "user_id", "status" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" })
      if not problem and not a.username and not a.id then problem = "give --username EMAIL or --id ID" end
      if problem then return usage(out, problem) end
      local u, err = org_user(client, a)
      if not u then return out:error(err) end
      out:result(u)
      return output.EXIT.ok
    end },
  { path = { "org", "users", "set-roles" },
    description = "Make --username hold exactly the --role(s) in the organization (invited when absent).",
    options = { "org", "username", "org_role", "dry_run", "owner_guards" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "username", "--username EMAIL" },
        { "role", "at least one --role (repeat it for several)" })
      if problem then return usage(out, problem) end
      local user, changed, plan = client:set_org_roles(a.org, a.username, a.role, guarded_options(a))
      if user == nil and not plan then return out:error(changed) end
      return print_change(out, user, changed, plan, a.dry_run, "user")
    end },
  { path = { "org", "users", "remove" },
    description = "Remove a person from the organization (and every project and team); see also offboard.",
    options = { "org", "username", "user_id", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" })
      if not problem and not a.username and not a.id then problem = "give --username EMAIL or --id ID" end
      if problem then return usage(out, problem) end
      local u, err = org_user(client, a)
      if not u then return out:error(err) end
      local ok, rerr = client:remove_org_user(a.org, u.id, a.dry_run and { dry_run = true } or nil)
      if not ok then return out:error(rerr) end
      if a.dry_run then
        out.stdout:write(atlas.to_curl(ok), "\n")
        return output.EXIT.ok
      end
      out:done("removed " .. u.username .. " from organization " .. a.org, { removed = true, id = u.id,
        username = u.username })
      return output.EXIT.ok
    end },
  { path = { "teams", "list" }, description = "List the organization's teams.", options = { "org" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" })
      if problem then return usage(out, problem) end
      local list, err = client:list_teams(a.org)
      if not list then return out:error(err) end
      out:result(list, true)
      return output.EXIT.ok
    end },
  { path = { "teams", "members" }, description = "List a team's members (active and pending).",
    options = { "org", "team", "status" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "team", "--team NAME" })
      if problem then return usage(out, problem) end
      local team, err = team_by_name(client, a)
      if not team then return out:error(err) end
      local list
      list, err = client:list_team_users(a.org, team.id, { statuses = statuses(a) })
      if not list then return out:error(err) end
      out:result(list, true)
      return output.EXIT.ok
    end },
  { path = { "teams", "set-members" },
    description = "Make --team hold exactly the --member(s), creating the team when absent.",
    options = { "org", "team", "member", "dry_run", "project_owner_guard" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "team", "--team NAME" },
        { "member", "at least one --member EMAIL (repeat it for each member)" })
      if problem then return usage(out, problem) end
      local team, changed, plan = client:set_team_members(a.org, a.team, a.member, { dry_run = a.dry_run or false,
        allow_no_project_owner = a.allow_no_project_owner or false })
      if team == nil and not plan then return out:error(changed) end
      return print_change(out, team, changed, plan, a.dry_run, "team")
    end },
  { path = { "teams", "set-project-roles" },
    description = "Give --team exactly the --role(s) in --project (adding it to the project when absent).",
    options = { "org", "team", "project", "project_role", "dry_run", "project_owner_guard" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "team", "--team NAME" }, { "project", "--project ID" },
        { "role", "at least one --role (repeat it for several)" })
      if problem then return usage(out, problem) end
      local entry, changed, plan = client:set_team_project_roles(a.project, a.org, a.team, a.role,
        { dry_run = a.dry_run or false, allow_no_project_owner = a.allow_no_project_owner or false })
      if entry == nil and not plan then return out:error(changed) end
      return print_change(out, entry, changed, plan, a.dry_run, "teamRole")
    end },
  { path = { "teams", "delete" }, description = "Delete --team (it leaves every project; its members stay).",
    options = { "org", "team", "dry_run" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "team", "--team NAME" })
      if problem then return usage(out, problem) end
      local team, err = team_by_name(client, a)
      if not team then return out:error(err) end
      local ok
      ok, err = client:delete_team(a.org, team.id, a.dry_run and { dry_run = true } or nil)
      if not ok then return out:error(err) end
      if a.dry_run then
        out.stdout:write(atlas.to_curl(ok), "\n")
        return output.EXIT.ok
      end
      out:done("deleted team " .. a.team .. " (" .. team.id .. ")", { deleted = true, id = team.id, name = team.name })
      return output.EXIT.ok
    end },
  { path = { "projects", "list" }, description = "List the organization's projects.", options = { "org", "name" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" })
      if problem then return usage(out, problem) end
      local list, err = client:list_org_projects(a.org, a.name and { name = a.name } or nil)
      if not list then return out:error(err) end
      out:result(list, true)
      return output.EXIT.ok
    end },
  { path = { "who" }, description = "Who can reach a project, and why (direct, a team, an org role, an invitation).",
    options = { "org", "project" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "project", "--project ID" })
      if problem then return usage(out, problem) end
      local rows, err = client:who_can_access(a.org, a.project)
      if not rows then return out:error(err) end
      out:result(rows, true)
      return output.EXIT.ok
    end },
  { path = { "offboard" },
    description = "Remove a person from the organization and delete their pending project invitations.",
    options = { "org", "username", "dry_run", "owner_guards" },
    run = function(client, out, a)
      local problem = missing(a, { "org", "--org ID" }, { "username", "--username EMAIL" })
      if problem then return usage(out, problem) end
      local report, err = client:offboard(a.org, a.username, guarded_options(a))
      if not report then
        if out.format ~= "json" and err.report then out.stdout:write(tostring(err.report), "\n") end
        return out:error(err)
      end
      if out.format == "json" then
        out:json(report)
      else
        out.stdout:write(tostring(report), "\n")
        for _, step in ipairs(report.plan) do
          out.stdout:write(report.dry_run and "  would " or "  done: ", atlas.describe_step(step), "\n")
        end
      end
      return output.EXIT.ok
    end },
}

return M
