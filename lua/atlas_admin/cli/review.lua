-- atlas-admin review: the access review at a shell, in a cron job or in CI.
-- A row like cli/org.lua's (parser.lua builds the command, init.lua runs it).
--
--   atlas-admin review --org ID [--format text|md|csv|json|html] [--out FILE]
--                      [--inactive-days N] [--fail-on high|medium|low]
--
-- Exit codes: 0 done (and no finding at or above --fail-on), 6 a finding
-- at or above --fail-on, 2 usage, 1/3/4 as every command.
local output = require "atlas_admin.cli.output"
local review_mod = require "atlas_admin.review"

local M = {}

M.EXIT_FINDINGS = 6

local INACTIVITY = {} -- the rules --inactive-days sets
for _, rule in ipairs(review_mod.RULES) do
  if rule.inactivity then INACTIVITY[#INACTIVITY + 1] = rule.name end
end

M.OPTIONS = {
  review_format = function(cmd)
    cmd:option("--format", "text (coloured on a terminal), md, csv (a row per identity and project), json or html "
      .. "(one self-contained page)."):choices(review_mod.FORMAT_NAMES):argname("F")
  end,
  review_out = function(cmd) cmd:option("--out", "Write the review to this file instead of stdout."):argname("FILE") end,
  inactive_days = function(cmd)
    cmd:option("--inactive-days", "Days without a login (or a use) that count as inactive (default 90; rules "
      .. table.concat(INACTIVITY, ", ") .. ")."):argname("N")
  end,
  fail_on = function(cmd)
    cmd:option("--fail-on", "Exit 6 when a finding is at or above this severity."):choices(review_mod.SEVERITIES)
      :argname("SEVERITY")
  end,
}

local function usage(out, message)
  return out:error({ kind = "validation", field = "arguments", message = message }, output.EXIT.usage)
end

M.COMMANDS = {
  { path = { "review" },
    description = "The access review: every identity, its roles and why, and what looks wrong (exit 6 with --fail-on).",
    options = { "org", "review_format", "review_out", "inactive_days", "fail_on" }, output = false,
    default_output = "text",
    run = function(client, out, a)
      if not a.org then return usage(out, "give --org ID") end
      local opts
      if a.inactive_days then
        local days = tonumber(a.inactive_days)
        if not days or days ~= math.floor(days) or days < 1 then
          return usage(out, "--inactive-days must be a whole number of days (1 or more), not " .. a.inactive_days)
        end
        opts = { rules = {} }
        for _, name in ipairs(INACTIVITY) do opts.rules[name] = { days = days } end
      end
      local review, err = client:access_review(a.org, opts)
      if not review then return out:error(err) end
      local format = a.format or "text"
      local body = review_mod.render(review, format, { color = format == "text" and not a.out and out.stdout_tty })
      if format == "text" then body = body .. "\n" end
      if a.out then
        local f, open_err = io.open(a.out, "wb")
        if not f then return usage(out, "cannot write " .. a.out .. ": " .. tostring(open_err)) end
        local ok, write_err = f:write(body)
        f:close()
        if not ok then return usage(out, "cannot write " .. a.out .. ": " .. tostring(write_err)) end
        local s = review.summary.findings
        out:note(string.format("wrote %s: %d identities, %d high, %d medium, %d low (%d requests)", a.out,
          review.summary.identities, s.high, s.medium, s.low, review.requests or 0))
      else
        out.stdout:write(body)
      end
      if a.fail_on and review_mod.fails(review, a.fail_on) then return M.EXIT_FINDINGS end
      return output.EXIT.ok
    end },
}

return M
