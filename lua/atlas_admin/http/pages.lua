-- Listings that come in pages ({ results, totalCount, links }): every
-- "page" operation row is read through here, as a whole list (following
-- the pages, one request each) or as an iterator that fetches page by page.
local operations = require "atlas_admin.http.operations"
local show = require "atlas_admin.util.show"

local M = {}

-- The page size the listings ask for; Atlas allows up to 500.
M.PAGE_SIZE = 100

-- The caller's filter with this module's paging keys added.
local function page_filter(filter, page)
  local f = {}
  if type(filter) == "table" then
    for k, v in pairs(filter) do f[k] = v end
  elseif filter ~= nil then
    return filter -- not a table: let validation report it
  end
  if f.items_per_page == nil then f.items_per_page = M.PAGE_SIZE end
  f.page_num = page
  return f
end

-- Whether the page just read was the last one: Atlas's totalCount says so
-- when present; otherwise a short (or empty) page does.
local function last_page(result, fetched, page_size)
  local total = tonumber(result.totalCount)
  if #result.results == 0 then return true end
  if total then return fetched >= total end
  return #result.results < page_size
end

local function page_size_of(filter)
  return type(filter) == "table" and filter.items_per_page or M.PAGE_SIZE
end

--- Whether call options ask for a dry run (the call returns its request).
function M.is_dry_run(opts)
  return type(opts) == "table" and opts.dry_run == true
end
local is_dry_run = M.is_dry_run

--- Every item of the listing `name` (an operation row of result "page"),
-- following the pages.  Returns a plain sequence (shown as the row's list
-- form), the response of the last page, and the number of pages read; a
-- dry run returns the first page's request; nil, err[, response] on failure.
function M.list_all(client, name, args, filter, opts)
  local all, page = {}, 1
  local res
  repeat
    local result, err, failed = client:_call(name, args, nil, opts, page_filter(filter, page))
    if not result then return nil, err, failed end
    if is_dry_run(opts) then return result end
    res = err
    for _, item in ipairs(result.results) do all[#all + 1] = item end
    page = page + 1
  until last_page(result, #all, page_size_of(filter))
  show.attach(all, operations.rows[name].presents .. "_list")
  return all, res, page - 1
end

--- The same as an iterator that fetches page by page:
--   for item in it do ... end     (it.err after the loop: why it ended early)
-- A failure ends the loop; it is never raised.  it.pages counts the pages read.
function M.iterator(client, name, args, filter, opts)
  local state = { err = nil, pages = 0 }
  local buffer, index, page, fetched, done = {}, 0, 1, 0, false
  function state.next()
    if index >= #buffer then
      if done then return nil end
      local result, err = client:_call(name, args, nil, opts, page_filter(filter, page))
      if not result or is_dry_run(opts) then
        state.err, done = err, true
        return nil
      end
      state.pages, page = state.pages + 1, page + 1
      buffer, index, fetched = result.results, 0, fetched + #result.results
      done = last_page(result, fetched, page_size_of(filter))
      if #buffer == 0 then return nil end
    end
    index = index + 1
    return buffer[index]
  end
  return setmetatable(state, { __call = function() return state.next() end })
end

return M
