-- The review as text: the summary, then each finding with its fix.
-- Colours (by severity) only when asked (the CLI asks on a terminal);
-- a name's control characters are shown escaped, never sent to the terminal.
local identities = require "atlas_admin.review.identities"

local M = {}

local COLOR = { high = "\27[1;31m", medium = "\27[33m", low = "\27[36m" }
local RESET = "\27[0m"

--- A string with its control characters escaped (\n, \27, ...).
function M.clean(s)
  return (tostring(s):gsub("[%c\127]", function(c)
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    if c == "\r" then return "\\r" end
    return string.format("\\%03d", c:byte())
  end))
end

--- "152 people, 2 org invitations, ..." in the kinds' order.
function M.kinds_line(review)
  local parts = {}
  for _, k in ipairs(identities.KINDS) do
    local n = review.summary.by_kind[k.kind]
    if n then parts[#parts + 1] = n .. " " .. k.label end
  end
  return table.concat(parts, ", ")
end

function M.render(review, opts)
  local s = review.summary
  local out = {
    string.format("access review of org %s at %s (%d requests)", review.org_id, review.generated_at, review.requests or 0),
    string.format("  %d identities: %s; %d projects", s.identities, M.kinds_line(review), s.projects),
    string.format("  findings: %d high, %d medium, %d low", s.findings.high, s.findings.medium, s.findings.low),
  }
  if #s.rules_off > 0 then out[#out + 1] = "  rules turned off: " .. table.concat(s.rules_off, ", ") end
  if #review.findings == 0 then out[#out + 1] = "no findings" end
  for _, f in ipairs(review.findings) do -- (a finding about a project names it in its subject)
    local label = string.format("%-6s", f.severity:upper())
    if opts.color then label = COLOR[f.severity] .. label .. RESET end
    out[#out + 1] = string.format("%s  %-22s %s%s: %s", label, f.rule, M.clean(f.subject),
      (f.kind and f.project_name) and (" in " .. M.clean(f.project_name)) or "", M.clean(f.detail))
    out[#out + 1] = "        fix: " .. M.clean(f.fix)
  end
  return table.concat(out, "\n")
end

return M
