-- The MongoDB Cloud users of a project (media type 2025-02-19): the
-- resource that replaces project invitations after their sunset.  One thin
-- method per row of operations.lua, plus the page-following listing and
-- its iterator.  Users invited through the deprecated invitations are not
-- visible here, and the reverse (see access.lua for a view of both).
local M = {}

-- The page size the listing asks for; Atlas allows up to 500.
M.PAGE_SIZE = 100

-- The caller's filter with the paging keys of this module added.
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

function M.install(Client, check_self)
  --- Every user of the project matching filter, following the pages
  -- itself (itemsPerPage=100, one request per page).  filter:
  -- { username, statuses = { "ACTIVE", "PENDING", "INVITATION_EXPIRED",
  -- "INVITATION_REJECTED" }, flatten_teams, include_org_users }.
  -- Returns a plain sequence of users, response (of the last page).
  function Client:list_project_users(group_id, filter, opts)
    check_self(self, "list_project_users")
    local all, page = {}, 1
    local res
    repeat
      local result, err, failed = self:_call("list_project_users", { group_id }, nil, opts, page_filter(filter, page))
      if not result then return nil, err, failed end
      if type(opts) == "table" and opts.dry_run then return result end
      res = err
      for _, user in ipairs(result.results) do all[#all + 1] = user end
      page = page + 1
    until last_page(result, #all, page_size_of(filter))
    require("atlas_admin.show").attach(all, "user_list")
    return all, res
  end

  --- The same as an iterator that fetches page by page:
  --   for user in client:project_users(groupId, filter) do ... end
  -- A failure ends the loop; it is never raised.  The iterator's second
  -- result is the error on the call that failed, and the iterator itself
  -- keeps it: after the loop, `it.err` (when you kept `it`) tells whether
  -- the loop ended early:
  --   local it = client:project_users(G)
  --   for user in it.next do ... end
  --   if it.err then print(it.err) end
  -- The plain `for user in client:project_users(G)` form also works; use
  -- the table form when you need to know about a failure.
  function Client:project_users(group_id, filter, opts)
    check_self(self, "project_users")
    local state = { err = nil, pages = 0 }
    local buffer, index, page, fetched, done = {}, 0, 1, 0, false
    local client = self
    function state.next()
      if index >= #buffer then
        if done then return nil end
        local result, err = client:_call("list_project_users", { group_id }, nil, opts, page_filter(filter, page))
        if not result or (type(opts) == "table" and opts.dry_run) then
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

  --- One user of the project by id (GET /groups/{groupId}/users/{userId}).
  function Client:get_project_user(group_id, user_id, opts)
    check_self(self, "get_project_user")
    return self:_call("get_project_user", { group_id, user_id }, nil, opts)
  end

  --- Adds a person to the project: { username = ..., roles = {...} }.
  -- Atlas invites them when they are not yet in the organization.  201.
  function Client:add_project_user(group_id, body, opts)
    check_self(self, "add_project_user")
    return self:_call("add_project_user", { group_id }, body, opts)
  end

  --- Removes a user from the project.  Returns true, response (204).
  function Client:remove_project_user(group_id, user_id, opts)
    check_self(self, "remove_project_user")
    return self:_call("remove_project_user", { group_id, user_id }, nil, opts)
  end

  --- Adds one project role to a user (POST .../users/{userId}:addRole).
  function Client:add_project_user_role(group_id, user_id, role, opts)
    check_self(self, "add_project_user_role")
    return self:_call("add_project_user_role", { group_id, user_id }, { groupRole = role }, opts)
  end

  --- Removes one project role from a user (POST .../users/{userId}:removeRole).
  -- A user keeps at least one role: add the new role before removing the old.
  function Client:remove_project_user_role(group_id, user_id, role, opts)
    check_self(self, "remove_project_user_role")
    return self:_call("remove_project_user_role", { group_id, user_id }, { groupRole = role }, opts)
  end
end

return M
