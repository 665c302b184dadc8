-- The review as CSV for the auditor's spreadsheet: one row per identity
-- and project it reaches (one row with no project for an identity that
-- reaches none).  Every field is quoted (RFC 4180, CRLF), and a field a
-- spreadsheet would run as a formula (=, +, -, @, a tab or a carriage
-- return first) starts with a ' instead.
local identities = require "atlas_admin.review.identities"

local M = {}

M.COLUMNS = { "kind", "name", "status", "org_roles", "project_id", "project", "roles", "highest_role", "via", "created",
  "last_activity", "findings" }

--- One field, quoted, formula-proof.
function M.field(s)
  s = tostring(s == nil and "" or s)
  if s:match("^[=+%-@\t\r]") then s = "'" .. s end
  return '"' .. s:gsub('"', '""') .. '"'
end

local function row(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = M.field(v) end
  return table.concat(out, ",")
end

function M.render(review)
  local out = { row(M.COLUMNS) }
  for _, identity in ipairs(review.identities) do
    local base = { identities.by_kind[identity.kind].one, identity.name, identity.status or "",
      table.concat(identity.org_roles, " ") }
    local tail = { identity.created or "", identity.last_activity or "", table.concat(identity.findings, " ") }
    local any = false
    for _, p in ipairs(review.projects) do
      local entry = identity.projects[p.id]
      if entry then
        any = true
        local via = {}
        for _, way in ipairs(entry.via) do via[#via + 1] = identities.via_text(way) end
        out[#out + 1] = row { base[1], base[2], base[3], base[4], p.id, p.name, table.concat(entry.roles, " "),
          entry.level, table.concat(via, "; "), tail[1], tail[2], tail[3] }
      end
    end
    if not any then
      out[#out + 1] = row { base[1], base[2], base[3], base[4], "", "", "", "", "", tail[1], tail[2], tail[3] }
    end
  end
  return table.concat(out, "\r\n") .. "\r\n"
end

return M
