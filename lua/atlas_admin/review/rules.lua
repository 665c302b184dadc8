-- The access review's rules: ONE table, one small entry per rule.
--
--   name      what opts.rules calls it (false turns it off)
--   severity  "high" | "medium" | "low"
--   reads     the identity kinds it looks at (identities.lua); a rule
--             whose kinds the read model does not have (API keys and
--             service accounts before the model reads them) is not run
--   options   its thresholds and their defaults (opts.rules.<name>.<option>);
--             a number is a whole count, a string a Lua pattern
--   inactivity  true: `days` is an inactivity threshold (--inactive-days)
--   about     one line for the docs and --help
--   check(ctx, o, emit)  emits { who?, subject, project?, detail, fix } per problem
--             (who: the identity it is about, when it is about one);
--             o holds the options in force
--
-- ctx: { org_id, now, of(kind) -> identities, by_name(kind, name),
--        model, project(gid) -> { id, name }, age(iso) -> days or nil,
--        epoch(iso), cmd(words... or { words }) -> a shell command line,
--        call(method, args...) -> a Lua call }
local has = require("atlas_admin.util.list").has
local M = {}


local function plural(n, word) return n .. " " .. word .. (n == 1 and "" or "s") end

-- The people (active) and teams that hold GROUP_OWNER in a project
-- themselves: an org owner reaches every project, but it is the
-- organization's fallback, not the project's owner.
local function project_owners(ctx, gid)
  local owners = {}
  for _, p in ipairs(ctx.of("person")) do
    local entry = p.projects[gid]
    if entry and p.status == "ACTIVE" then
      for _, way in ipairs(entry.via) do
        if (way.how == "direct" or way.how == "team") and has(way.roles, "GROUP_OWNER") then
          owners[#owners + 1] = p
          break
        end
      end
    end
  end
  return owners
end

local function org_owners(ctx)
  local out = {}
  for _, p in ipairs(ctx.of("person")) do
    if p.status == "ACTIVE" and has(p.org_roles, "ORG_OWNER") then out[#out + 1] = p end
  end
  return out
end

-- The fix for an API key or a service account, as the Lua call that makes it.
-- (the fixes are atlas-admin commands: cli/identities.lua)
local PROGRAMMATIC = {
  api_key = { label = "API key", command = "api-keys" },
  service_account = { label = "service account", command = "service-accounts" },
}

local function subject(identity)
  return (PROGRAMMATIC[identity.kind] and (PROGRAMMATIC[identity.kind].label .. " ") or "") .. identity.name
end

local function each_programmatic(ctx, fn)
  for _, kind in ipairs { "api_key", "service_account" } do
    for _, identity in ipairs(ctx.of(kind)) do fn(identity, PROGRAMMATIC[kind]) end
  end
end

M.RULES = {
  -- people
  { name = "inactive_user", severity = "medium", reads = { "person" }, options = { days = 90 }, inactivity = true,
    about = "an active person who has not logged in for `days` days",
    check = function(ctx, o, emit)
      for _, p in ipairs(ctx.of("person")) do
        local idle = ctx.age(p.last_activity)
        if idle and idle >= o.days then
          emit { who = p, subject = p.name, detail = "last login " .. idle .. " days ago (threshold " .. o.days .. ")",
            fix = ctx.cmd("offboard", "--org", ctx.org_id, "--username", p.name) }
        end
      end
    end },
  { name = "never_logged_in", severity = "medium", reads = { "person" }, options = { days = 30 },
    about = "an active person who never logged in, though they joined more than `days` days ago",
    check = function(ctx, o, emit)
      for _, p in ipairs(ctx.of("person")) do
        local joined = ctx.age(p.created)
        if p.last_activity == nil and joined and joined > o.days then
          emit { who = p, subject = p.name, detail = "never logged in; joined " .. joined .. " days ago",
            fix = ctx.cmd("offboard", "--org", ctx.org_id, "--username", p.name) }
        end
      end
    end },
  { name = "stale_org_invitation", severity = "low", reads = { "org_invitation" }, options = { days = 30 },
    about = "a pending organization invitation that expired or was sent more than `days` days ago",
    check = function(ctx, o, emit)
      for _, p in ipairs(ctx.of("org_invitation")) do
        local sent, since_expiry = ctx.age(p.created), ctx.age(p.expires)
        if (since_expiry and since_expiry > 0) or (sent and sent > o.days) then
          emit { who = p, subject = p.name, detail = since_expiry and since_expiry > 0
            and ("invitation expired " .. since_expiry .. " days ago")
            or ("invited " .. sent .. " days ago and not accepted"),
            fix = ctx.cmd("org", "users", "remove", "--org", ctx.org_id, "--username", p.name) }
        end
      end
    end },
  { name = "legacy_invitation", severity = "low", reads = { "project_invitation" }, options = {},
    about = "a pending legacy project invitation: they stop working on 2027-07-01",
    check = function(ctx, _, emit)
      for _, p in ipairs(ctx.of("project_invitation")) do
        for _, inv in ipairs(p.invitations) do
          local args = { "access", "set", "--project", inv.group_id, "--username", p.name }
          for _, r in ipairs(inv.roles) do
            args[#args + 1] = "--role"
            args[#args + 1] = r
          end
          emit { who = p, subject = p.name, project = inv.group_id, detail = "legacy project invitation ("
            .. table.concat(inv.roles, ", ") .. "); the project invitation calls stop on 2027-07-01",
            fix = ctx.cmd("invitations", "delete", "--project", inv.group_id, "--id", inv.id) .. " && "
              .. ctx.cmd(args) }
        end
      end
    end },
  { name = "member_without_access", severity = "low", reads = { "person" }, options = {},
    about = "an ORG_MEMBER with no project and no team: a candidate for removal",
    check = function(ctx, _, emit)
      for _, p in ipairs(ctx.of("person")) do
        if #p.org_roles == 1 and p.org_roles[1] == "ORG_MEMBER" and next(p.projects) == nil and #p.teams == 0 then
          emit { who = p, subject = p.name, detail = "organization member with no project and no team",
            fix = ctx.cmd("offboard", "--org", ctx.org_id, "--username", p.name) }
        end
      end
    end },
  { name = "redundant_direct_roles", severity = "low", reads = { "person" }, options = {},
    about = "direct project roles that a team of the person already grants",
    check = function(ctx, _, emit)
      for _, p in ipairs(ctx.of("person")) do
        for _, proj in ipairs(ctx.model.projects) do
          local entry = p.projects[proj.id]
          local direct, from_teams, teams = nil, {}, {}
          for _, way in ipairs(entry and entry.via or {}) do
            if way.how == "direct" then direct = way.roles end
            if way.how == "team" then
              teams[#teams + 1] = way.team
              for _, r in ipairs(way.roles) do from_teams[r] = true end
            end
          end
          local covered = direct ~= nil and #teams > 0
          for _, r in ipairs(direct or {}) do covered = covered and from_teams[r] == true end
          if covered then
            emit { who = p, subject = p.name, project = proj.id, detail = "direct " .. table.concat(direct, ", ")
              .. " also granted by team " .. table.concat(teams, ", "),
              fix = ctx.cmd("access", "remove", "--project", proj.id, "--username", p.name) }
          end
        end
      end
    end },
  -- owners
  { name = "too_few_org_owners", severity = "high", reads = { "person" }, options = { min = 2 },
    about = "fewer than `min` active people hold ORG_OWNER: nobody to recover the organization",
    check = function(ctx, o, emit)
      local owners = org_owners(ctx)
      if #owners < o.min then
        emit { subject = "organization " .. ctx.org_id, detail = plural(#owners, "active person") .. " with ORG_OWNER"
          .. (#owners > 0 and (" (" .. owners[1].name .. (#owners > 1 and ", ..." or "") .. ")") or "")
          .. "; at least " .. o.min .. " wanted",
          fix = ctx.cmd("org", "users", "set-roles", "--org", ctx.org_id, "--username", "SECOND_OWNER@EXAMPLE.COM",
            "--role", "ORG_OWNER") }
      end
    end },
  { name = "too_many_org_owners", severity = "medium", reads = { "person" }, options = { max = 5 },
    about = "more than `max` people hold ORG_OWNER",
    check = function(ctx, o, emit)
      local owners = org_owners(ctx)
      if #owners > o.max then
        emit { subject = "organization " .. ctx.org_id, detail = #owners .. " people with ORG_OWNER; at most " .. o.max
          .. " wanted", fix = ctx.cmd("org", "users", "set-roles", "--org", ctx.org_id, "--username", owners[#owners].name,
            "--role", "ORG_MEMBER") }
      end
    end },
  { name = "project_without_owner", severity = "medium", reads = { "person", "team" }, options = {},
    about = "a project where no active person holds GROUP_OWNER, directly or through a team (org owners aside)",
    check = function(ctx, _, emit)
      for _, proj in ipairs(ctx.model.projects) do
        if #project_owners(ctx, proj.id) == 0 then
          emit { subject = "project " .. proj.name, project = proj.id, detail = "no active person holds GROUP_OWNER",
            fix = ctx.cmd("access", "set", "--project", proj.id, "--username", "OWNER@EXAMPLE.COM", "--role", "GROUP_OWNER") }
        end
      end
    end },
  { name = "only_owner_inactive", severity = "medium", reads = { "person" }, options = { days = 90 }, inactivity = true,
    about = "a project whose every owner has not logged in for `days` days",
    check = function(ctx, o, emit)
      for _, proj in ipairs(ctx.model.projects) do
        local owners, idle = project_owners(ctx, proj.id), 0
        for _, p in ipairs(owners) do
          local age = ctx.age(p.last_activity)
          if age and age >= o.days then idle = idle + 1 end
        end
        if #owners > 0 and idle == #owners then
          emit { subject = "project " .. proj.name, project = proj.id, detail = "its only owner"
            .. (#owners > 1 and "s" or "") .. " (" .. owners[1].name .. (#owners > 1 and ", ..." or "")
            .. ") last logged in " .. o.days .. "+ days ago",
            fix = ctx.cmd("access", "set", "--project", proj.id, "--username", "ACTIVE_OWNER@EXAMPLE.COM", "--role",
              "GROUP_OWNER") }
        end
      end
    end },
  -- API keys and service accounts
  { name = "identity_org_owner", severity = "high", reads = { "api_key", "service_account" }, options = {},
    about = "an API key or service account with ORG_OWNER",
    check = function(ctx, _, emit)
      each_programmatic(ctx, function(k, calls)
        if has(k.org_roles, "ORG_OWNER") then
          emit { who = k, subject = subject(k), detail = "holds ORG_OWNER: every project, and who may access them",
            fix = ctx.cmd(calls.command, "set-roles", "--org", ctx.org_id, "--id", k.id, "--role", "ORG_MEMBER") }
        end
      end)
    end },
  { name = "no_access_list", severity = "high", reads = { "api_key", "service_account" }, options = {},
    about = "an API key or service account usable from any IP address (no access list)",
    check = function(ctx, _, emit)
      each_programmatic(ctx, function(k, calls)
        if #k.access_list == 0 then
          emit { who = k, subject = subject(k), detail = "no IP access list: its credentials work from anywhere",
            fix = ctx.cmd(calls.command, "access-list", "--org", ctx.org_id, "--id", k.id, "--add", "YOUR.CIDR/BLOCK") }
        end
      end)
    end },
  { name = "unused_identity", severity = "medium", reads = { "api_key", "service_account" }, options = { days = 90 },
    inactivity = true, about = "an API key or service account not used for `days` days, or never",
    check = function(ctx, o, emit)
      each_programmatic(ctx, function(k, calls)
        local idle = ctx.age(k.last_activity)
        if k.last_activity == nil or (idle and idle >= o.days) then
          emit { who = k, subject = subject(k), detail = idle and ("last used " .. idle .. " days ago") or "never used",
            fix = ctx.cmd(calls.command, "delete", "--org", ctx.org_id, "--id", k.id) }
        end
      end)
    end },
  { name = "expiring_secret", severity = "high", reads = { "service_account" }, options = { days = 14 },
    about = "a service account secret that expires within `days` days",
    check = function(ctx, o, emit)
      for _, k in ipairs(ctx.of("service_account")) do
        for _, s in ipairs(k.secrets) do
          local age = ctx.age(s.expires)
          if age and -age <= o.days then
            emit { who = k, subject = subject(k), detail = age > 0 and ("a secret expired " .. age .. " days ago")
              or ("a secret expires in " .. -age .. " days (" .. s.expires:sub(1, 10) .. ")"),
              fix = ctx.cmd("service-accounts", "new-secret", "--org", ctx.org_id, "--id", k.id, "--secret-hours", "2160",
                "--secret-file", "FILE") }
          end
        end
      end
    end },
  { name = "long_lived_secret", severity = "medium", reads = { "service_account" }, options = { days = 365 },
    about = "a service account secret that never expires or lives more than `days` days",
    check = function(ctx, o, emit)
      for _, k in ipairs(ctx.of("service_account")) do
        for _, s in ipairs(k.secrets) do
          local made, ends = ctx.epoch(s.created), ctx.epoch(s.expires)
          local life = made and ends and math.floor((ends - made) / 86400)
          if not s.expires or (life and life > o.days) then
            emit { who = k, subject = subject(k), detail = s.expires and ("a secret lives " .. life .. " days") or "a secret never expires",
              fix = ctx.cmd("service-accounts", "new-secret", "--org", ctx.org_id, "--id", k.id, "--secret-hours", "2160",
                "--secret-file", "FILE") .. "; then delete the old one (client:delete_service_account_secret)" }
          end
        end
      end
    end },
  { name = "identity_prod_owner", severity = "high", reads = { "api_key", "service_account" },
    options = { pattern = "prod" },
    about = "an API key or service account with GROUP_OWNER on a project whose name matches `pattern`",
    check = function(ctx, o, emit)
      each_programmatic(ctx, function(k, calls)
        for _, proj in ipairs(ctx.model.projects) do
          local entry = k.projects[proj.id]
          if entry and has(entry.roles, "GROUP_OWNER") and proj.name:find(o.pattern) then
            emit { who = k, subject = subject(k), project = proj.id, detail = "Project Owner of " .. proj.name,
              fix = ctx.cmd(calls.command, "set-roles", "--org", ctx.org_id, "--id", k.id, "--project", proj.id, "--role",
                "GROUP_READ_ONLY") }
          end
        end
      end)
    end },
  -- teams
  { name = "empty_team", severity = "low", reads = { "team" }, options = {},
    about = "a team with no members",
    check = function(ctx, _, emit)
      for _, t in ipairs(ctx.of("team")) do
        if #t.members == 0 then
          emit { who = t, subject = "team " .. t.name, detail = "no members",
            fix = ctx.cmd("teams", "delete", "--org", ctx.org_id, "--team", t.name) }
        end
      end
    end },
  { name = "team_without_project", severity = "low", reads = { "team" }, options = {},
    about = "a team that holds no role in any project",
    check = function(ctx, _, emit)
      for _, t in ipairs(ctx.of("team")) do
        if next(t.projects) == nil then
          emit { who = t, subject = "team " .. t.name, detail = "in no project",
            fix = ctx.cmd("teams", "delete", "--org", ctx.org_id, "--team", t.name) }
        end
      end
    end },
}

M.SEVERITIES = { "high", "medium", "low" }
M.RANK = { high = 3, medium = 2, low = 1 }

M.by_name, M.NAMES = {}, {}
for _, rule in ipairs(M.RULES) do
  M.by_name[rule.name] = rule
  M.NAMES[#M.NAMES + 1] = rule.name
end

return M
