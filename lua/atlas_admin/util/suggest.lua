-- "Did you mean ...?" for option names, filter keys and statuses.  (Role
-- names have their own suggestions in C, next to the role table.)
local M = {}

-- Levenshtein distance, case-insensitive, on short names.
local function distance(a, b)
  a, b = a:lower(), b:lower()
  if #a > 64 or #b > 64 then return math.huge end
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    local ai = a:byte(i)
    for j = 1, #b do
      local cost = ai == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- How far a plausible typo of name may be: about one edit per three
-- characters, at most three.
local function limit_for(name)
  return math.min(3, math.floor(#name / 3) + 1)
end

--- The candidate closest to name, or nil when none is a plausible typo.
function M.closest(name, candidates)
  if type(name) ~= "string" then return nil end
  local best, best_d = nil, math.huge
  for _, c in ipairs(candidates) do
    local d = distance(name, c)
    if d < best_d then best, best_d = c, d end
  end
  if best_d <= limit_for(name) then return best end
  return nil
end

--- Up to n candidates that are plausible typos of name, closest first
-- (ties in the candidates' order); an empty list when none is.  max: a
-- tighter limit on the edits (long names such as email addresses: three
-- edits turn bob@ into dora@).
function M.nearest(name, candidates, n, max)
  if type(name) ~= "string" then return {} end
  local limit, found = math.min(limit_for(name), max or math.huge), {}
  for i, c in ipairs(candidates) do
    local d = distance(name, c)
    if d <= limit then found[#found + 1] = { c = c, d = d, i = i } end
  end
  table.sort(found, function(a, b) if a.d ~= b.d then return a.d < b.d end return a.i < b.i end)
  local out = {}
  for i = 1, math.min(n, #found) do out[i] = found[i].c end
  return out
end

--- The message for an unknown key: what it is, a suggestion when one is
-- close, and the known names.
function M.unknown(what, key, candidates)
  local names = {}
  for i, c in ipairs(candidates) do names[i] = c end
  table.sort(names)
  local hint = M.closest(key, names)
  return "unknown " .. what .. " " .. string.format("%q", tostring(key))
    .. (hint and ("; did you mean " .. hint .. "?") or "")
    .. " (known ones: " .. table.concat(names, ", ") .. ")"
end

return M
