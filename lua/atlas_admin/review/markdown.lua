-- The review as Markdown, for a ticket or a pull request: the summary,
-- the findings and one line of access per identity.  Names are untrusted:
-- every cell is escaped for HTML (a renderer passes inline HTML through),
-- for Markdown's own syntax and for the table (| and newlines).
local identities = require "atlas_admin.review.identities"
local text = require "atlas_admin.review.text"

local M = {}

local HTML = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["|"] = "&#124;" }

--- One table cell: control characters shown escaped, HTML and Markdown
-- syntax neutralised.
function M.cell(s)
  s = text.clean(s):gsub("[&<>\"|]", HTML)
  return (s:gsub("([\\`*_%[%]#~!])", "\\%1"))
end

local function code(s)
  return "<code>" .. text.clean(s):gsub("[&<>\"|]", HTML):gsub("([\\`*_%[%]~])", "\\%1") .. "</code>"
end

function M.render(review)
  local s = review.summary
  local out = {
    "# Access review of organization " .. M.cell(review.org_id),
    "",
    "Generated " .. review.generated_at .. " from " .. (review.requests or 0) .. " requests: " .. s.identities
      .. " identities (" .. text.kinds_line(review) .. "), " .. s.projects .. " projects.",
    "",
    "| high | medium | low |",
    "|---:|---:|---:|",
    string.format("| %d | %d | %d |", s.findings.high, s.findings.medium, s.findings.low),
    "",
    "## Findings",
    "",
  }
  if #review.findings == 0 then
    out[#out + 1] = "No findings."
  else
    out[#out + 1] = "| severity | rule | subject | project | detail | fix |"
    out[#out + 1] = "|---|---|---|---|---|---|"
    for _, f in ipairs(review.findings) do
      out[#out + 1] = "| " .. table.concat({ "**" .. f.severity .. "**", M.cell(f.rule), M.cell(f.subject),
        M.cell(f.project_name or ""), M.cell(f.detail), code(f.fix) }, " | ") .. " |"
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "## Access"
  out[#out + 1] = ""
  out[#out + 1] = "| kind | name | status | org roles | projects (highest role) | findings |"
  out[#out + 1] = "|---|---|---|---|---|---|"
  for _, identity in ipairs(review.identities) do
    local projects = {}
    for _, p in ipairs(review.projects) do
      local entry = identity.projects[p.id]
      if entry then projects[#projects + 1] = M.cell(p.name) .. ": " .. entry.level end
    end
    out[#out + 1] = "| " .. table.concat({ identities.by_kind[identity.kind].one, M.cell(identity.name),
      M.cell(identity.status or ""), M.cell(table.concat(identity.org_roles, ", ")), table.concat(projects, "; "),
      M.cell(table.concat(identity.findings, ", ")) }, " | ") .. " |"
  end
  return table.concat(out, "\n") .. "\n"
end

return M
