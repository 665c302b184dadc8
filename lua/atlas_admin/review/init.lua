-- The access review: every identity that can reach the organization, what
-- looks wrong (rules.lua), and the review in five formats.
--
--   client:access_review(orgId [, { rules = { inactive_user = { days = 60 }, expiring_secret = false } }])
--     -> review | nil, err
--   review = { org_id, generated_at, requests, projects = { { id, name } },
--              identities = { identity, ... }   (identities.lua)
--              findings = { { rule, severity, subject, kind?, project?, project_name?, detail, fix } },
--              summary = { identities, by_kind, findings = { high, medium, low }, projects,
--                          rules_run, rules_off, rules_not_run } }
--   tostring(review): the summary and the findings (text.lua)
--   require("atlas_admin.review").render(review, "text" | "md" | "csv" | "json" | "html" [, { color }])
--
-- Every option is checked before any request.  The reads are those of
-- org_access, concurrently (read.lua); review.requests counts them.
local errors = require "atlas_admin.errors"
local identities_mod = require "atlas_admin.review.identities"
local rules = require "atlas_admin.review.rules"
local suggest = require "atlas_admin.util.suggest"
local rtime = require "atlas_admin.review.time"

local M = {}

-- The rules (one table, review/rules.lua) and their severities, for callers
-- that set options per rule (the CLI's --inactive-days, --fail-on).
M.RULES = rules.RULES
M.SEVERITIES = rules.SEVERITIES

-- The formats: the name a caller gives -> the module that writes it.
M.FORMATS = { text = "text", md = "markdown", csv = "csv", json = "json", html = "html" }
M.FORMAT_NAMES = { "text", "md", "csv", "json", "html" }

local OPERATION = "access_review"

local function fail(field, message)
  return nil, errors.validation(field, message, OPERATION)
end

local function option_names(rule)
  local names = {}
  for k in pairs(rule.options) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- One threshold: a number option is a whole count, a string one a Lua pattern.
local function check_value(field, default, v)
  if type(default) == "number" then
    if type(v) ~= "number" or v ~= math.floor(v) or v < 0 or v > 36500 then
      return fail(field, field .. " must be a whole number from 0 to 36500, not " .. tostring(v))
    end
  elseif type(v) ~= "string" or v == "" or not pcall(string.find, "", v) then
    return fail(field, field .. " must be a Lua pattern matched against project names (e.g. \"prod\"), not "
      .. string.format("%q", tostring(v)))
  end
  return true
end

--- The options in force per rule (false: off), or nil, err naming the
-- field.  Pure: runs before any request.
function M.settings(opts)
  if opts ~= nil and type(opts) ~= "table" then
    return fail("options", "options must be a table like { rules = { inactive_user = { days = 60 } } }")
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "rules" then return fail(tostring(k), suggest.unknown("option", k, { "rules" })) end
  end
  local given = opts.rules or {}
  if type(given) ~= "table" then
    return fail("rules", "rules must be a table: { rule_name = false | true | { option = value } }")
  end
  for name, v in pairs(given) do
    local rule = rules.by_name[name]
    if not rule then return fail("rules." .. tostring(name), suggest.unknown("rule", name, rules.NAMES)) end
    if type(v) == "table" then
      for k, x in pairs(v) do
        local field = "rules." .. name .. "." .. tostring(k)
        if rule.options[k] == nil then
          local names = option_names(rule)
          if #names == 0 then return fail(field, "rule " .. name .. " has no options (true or false only)") end
          return fail(field, suggest.unknown("option of rule " .. name, k, names))
        end
        local ok, err = check_value(field, rule.options[k], x)
        if not ok then return nil, err end
      end
    elseif type(v) ~= "boolean" then
      return fail("rules." .. name, "rules." .. name .. " must be false (off), true or a table of its options ("
        .. table.concat(option_names(rule), ", ") .. ")")
    end
  end
  local out = {}
  for _, rule in ipairs(rules.RULES) do
    local v = given[rule.name]
    if v == false then
      out[rule.name] = false
    else
      local o = {}
      for k, d in pairs(rule.options) do o[k] = d end
      for k, x in pairs(type(v) == "table" and v or {}) do o[k] = x end
      out[rule.name] = o
    end
  end
  return out
end

-- A word of a command line, quoted for a POSIX shell when it needs it.
local function sh_word(s)
  s = tostring(s)
  if s:match("^[%w@%%%._/:=+,%-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function context(model, identities, now)
  local of = {}
  for _, kind in ipairs(identities_mod.KIND_NAMES) do of[kind] = {} end
  for _, identity in ipairs(identities) do
    local list = of[identity.kind]
    list[#list + 1] = identity
  end
  return {
    org_id = model.org_id, model = model, now = now, epoch = rtime.epoch,
    of = function(kind) return of[kind] end,
    project = function(gid) return model.project[gid] end,
    age = function(iso)
      local t = rtime.epoch(iso)
      return t and rtime.days(t, now) or nil
    end,
    cmd = function(...)
      local words = type((...)) == "table" and (...) or { ... }
      local out = { "atlas-admin" }
      for i, w in ipairs(words) do out[i + 1] = sh_word(w) end
      return table.concat(out, " ")
    end,
  }
end

local Review = {}
Review.__index = Review
Review.__tostring = function(review) return M.render(review, "text") end

--- The review of a read model (org_access's shape; people carry created,
-- last_auth, invitation_created, invitation_expires; legacy invitations
-- created).  settings: M.settings' result; now: seconds since the epoch.
-- Pure: no I/O.
function M.build(model, settings, now)
  local identities, present = identities_mod.collect(model)
  local ctx = context(model, identities, now)
  local findings = {}
  local summary = { identities = #identities, by_kind = {}, findings = { high = 0, medium = 0, low = 0 },
    projects = #model.projects, rules_run = {}, rules_off = {}, rules_not_run = {} }
  for _, identity in ipairs(identities) do
    identity.findings = {}
    summary.by_kind[identity.kind] = (summary.by_kind[identity.kind] or 0) + 1
  end
  for _, rule in ipairs(rules.RULES) do
    local o = settings[rule.name]
    local readable = false
    for _, kind in ipairs(rule.reads) do readable = readable or present[kind] == true end
    if o == false then
      summary.rules_off[#summary.rules_off + 1] = rule.name
    elseif not readable then
      summary.rules_not_run[#summary.rules_not_run + 1] = rule.name -- e.g. no API keys in the model
    else
      summary.rules_run[#summary.rules_run + 1] = rule.name
      rule.check(ctx, o, function(f)
        local finding = { rule = rule.name, severity = rule.severity, subject = f.subject, detail = f.detail,
          fix = f.fix, project = f.project, kind = f.who and f.who.kind or nil }
        if f.project and model.project[f.project] then finding.project_name = model.project[f.project].name end
        if f.who then f.who.findings[#f.who.findings + 1] = rule.name end
        findings[#findings + 1] = finding
        summary.findings[rule.severity] = summary.findings[rule.severity] + 1
      end)
    end
  end
  for _, identity in ipairs(identities) do -- each rule once (an invitee can trip one twice)
    local seen, names = {}, {}
    for _, name in ipairs(identity.findings) do
      if not seen[name] then
        seen[name] = true
        names[#names + 1] = name
      end
    end
    identity.findings = names
  end
  local order = {}
  for i, rule in ipairs(rules.RULES) do order[rule.name] = i end
  for i, f in ipairs(findings) do f.n = i end
  table.sort(findings, function(a, b)
    if a.severity ~= b.severity then return rules.RANK[a.severity] > rules.RANK[b.severity] end
    if a.rule ~= b.rule then return order[a.rule] < order[b.rule] end
    return a.n < b.n
  end)
  for _, f in ipairs(findings) do f.n = nil end
  local projects = {}
  for i, p in ipairs(model.projects) do projects[i] = { id = p.id, name = p.name } end
  return setmetatable({ org_id = model.org_id, generated_at = rtime.iso(now), requests = model.requests,
    projects = projects, identities = identities, findings = findings, summary = summary }, Review)
end

--- Whether the review has a finding at or above a severity.
function M.fails(review, severity)
  for _, f in ipairs(review.findings) do
    if rules.RANK[f.severity] >= rules.RANK[severity] then return true end
  end
  return false
end

--- The review as text ("text": opts.color for ANSI colours), Markdown
-- ("md"), CSV, JSON or one self-contained HTML page.
function M.render(review, format, opts)
  local module = M.FORMATS[format]
  if not module then error("atlas-admin: " .. suggest.unknown("format", format, M.FORMAT_NAMES), 2) end
  return require("atlas_admin.review." .. module).render(review, opts or {})
end

function M.install(Client, check_self)
  --- The access review of an organization (see the top of this file).
  function Client:access_review(org_id, opts)
    check_self(self, "access_review")
    local settings, err = M.settings(opts)
    if not settings then return nil, err end
    local model
    model, err = require("atlas_admin.review.read").read(self, org_id)
    if not model then
      if err.operation == "org_access" then err.operation = OPERATION end
      return nil, err
    end
    return M.build(model, settings, os.time())
  end
end

return M
