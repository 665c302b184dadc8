-- Access as code: a plan as its diff, and one change as a line.
local kinds = require "atlas_admin.access_code.kinds"
local text = require "atlas_admin.util.text"

local M = {}

M.UNMANAGED_LISTED = 20 -- past this, unmanaged holders print as counts by kind (verbose lists them)

local SIGN = { add = "+", change = "~", remove = "-", unmanaged = "?" }
local COLOR = { add = "\27[32m", change = "\27[33m", remove = "\27[31m", unmanaged = "\27[2m" }

local function roles_text(list)
  return #list > 0 and table.concat(list, ", ") or "-"
end

--- One line of the diff (action: as which action to show it).
function M.line(c, action)
  action = action or c.action
  local kind = kinds.of(c.kind)
  local roles = ""
  if kind.shows_roles then
    if action == "change" then roles = ": " .. roles_text(c.before) .. " -> " .. roles_text(c.after)
    elseif action == "add" then roles = ": " .. roles_text(c.after)
    else roles = ": " .. roles_text(c.before) end
  end
  return SIGN[action] .. " " .. kind.describe(c) .. roles .. (c.implied and " (invited: the file gives them access)" or "")
end

--- The plan as a diff, grouped: the organization, its teams, each project.
-- color: ANSI colours (the CLI asks for them on a terminal only);
-- verbose: every unmanaged holder, however many.
function M.render(plan, color, verbose)
  local function paint(action, s) return color and (COLOR[action] .. s .. "\27[0m") or s end
  local out = { string.format("plan for org %s: %d to add, %d to change, %d to remove, %d unmanaged (%d read requests)",
    tostring(plan.org), plan.summary.add, plan.summary.change, plan.summary.remove, plan.summary.unmanaged,
    plan.requests or 0) }
  local groups, names = {}, {}
  for _, c in ipairs(plan.changes) do
    local where = kinds.of(c.kind).group
    local name = where == "project" and ("project " .. text.printable(c.project) .. " (" .. c.groupId .. ")") or where
    if not groups[name] then
      groups[name] = {}
      names[#names + 1] = name
    end
    table.insert(groups[name], paint(c.action, "  " .. M.line(c)))
  end
  local rank = { organization = 1, teams = 2 }
  table.sort(names, function(a, b)
    if (rank[a] or 3) ~= (rank[b] or 3) then return (rank[a] or 3) < (rank[b] or 3) end
    return a < b
  end)
  for _, name in ipairs(names) do
    out[#out + 1] = name
    for _, l in ipairs(groups[name]) do out[#out + 1] = l end
  end
  if #plan.unmanaged > 0 then
    out[#out + 1] = "unmanaged (in Atlas, not in the file; prune removes them)"
    if #plan.unmanaged <= M.UNMANAGED_LISTED or verbose then
      for _, c in ipairs(plan.unmanaged) do
        out[#out + 1] = paint("unmanaged", "  " .. M.line(c, "unmanaged") .. (c.project and (" in project "
          .. text.printable(c.project)) or ""))
      end
    else
      local counts = {}
      for _, c in ipairs(plan.unmanaged) do counts[c.kind] = (counts[c.kind] or 0) + 1 end
      for _, kind in ipairs(kinds.LIST) do
        if counts[kind.name] then out[#out + 1] = paint("unmanaged", "  ? " .. counts[kind.name] .. " " .. kind.words) end
      end
      out[#out + 1] = "  (" .. #plan.unmanaged .. " in all: -v lists them, or print the plan with verbose)"
    end
  end
  if #plan.changes == 0 then out[#out + 1] = "in sync: nothing to change" end
  return table.concat(out, "\n")
end

return M
