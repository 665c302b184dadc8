-- Text as printed: names come from files and from Atlas, and a control
-- character in one must not change what a line says.
local M = {}

--- s with control characters and backslashes escaped (\n, \t, \\, \xNN).
function M.printable(s)
  return (tostring(s):gsub("[%c\\]", function(ch)
    if ch == "\n" then return "\\n" elseif ch == "\t" then return "\\t" elseif ch == "\\" then return "\\\\" end
    return string.format("\\x%02x", ch:byte())
  end))
end

--- Whether an ISO 8601 UTC timestamp lies in the past (a string compare:
-- the format sorts as it reads).  Anything that is not a string is not.
function M.expired(timestamp, now)
  return type(timestamp) == "string" and timestamp < (now or os.date("!%Y-%m-%dT%H:%M:%SZ"))
end

return M
