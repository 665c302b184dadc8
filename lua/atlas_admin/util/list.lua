-- Small helpers on lists and sets that several layers need (written once
-- here instead of two or three times).
local M = {}

--- A sorted copy of a list (nil reads as empty).
function M.sorted(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  table.sort(out)
  return out
end

--- Whether two lists hold the same values, in any order.
function M.same(a, b)
  a, b = M.sorted(a), M.sorted(b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

--- The set of a list's values.
function M.set_of(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

--- Whether list holds value.
function M.has(list, value)
  for _, v in ipairs(list or {}) do
    if v == value then return true end
  end
  return false
end

--- Whether after lacks some value of before (something is taken away).
function M.loses(before, after)
  local kept = M.set_of(after)
  for _, v in ipairs(before or {}) do
    if not kept[v] then return true end
  end
  return false
end

--- A map keyed without case: lower(key) -> { key = key, value = value }
-- (usernames compare without case).
function M.lower_keys(map)
  local out = {}
  for k, v in pairs(map or {}) do out[k:lower()] = { key = k, value = v } end
  return out
end

--- The keys of a map, sorted.
function M.keys(map)
  local out = {}
  for k in pairs(map or {}) do out[#out + 1] = k end
  table.sort(out)
  return out
end

return M
