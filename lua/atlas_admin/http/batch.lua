-- client:batch(calls, opts): many calls at once over libcurl's multi
-- interface, each one run by the very method a script would call.
--
--   local results, summary = client:batch({
--     { "update_invitation_by_id", groupId, invitationId, { roles = { "GROUP_READ_ONLY" } } },
--     { "add_invitation_roles", groupId, "a@example.com", { "GROUP_OWNER" } },
--     { "set_project_roles", groupId, "b@example.com", { "GROUP_DATA_ACCESS_READ_ONLY" } },
--   }, { concurrency = 8, max_per_second = nil, progress = fn, stop_on_error = false,
--        keep_responses = false })
--
-- results[i]: { index = i, operation = "method", ok = true, value = first result,
--               values = every result (responses dropped unless keep_responses) }
--          or { index = i, operation = "method", ok = false, err = error object,
--               response = the failed response (if any), skipped = true (stop_on_error) }
-- summary: { total, succeeded, failed, invalid, skipped, requests, elapsed }
--
-- How: every item is a coroutine running client[method](client, ...).  The
-- one send step (Client:_send) asks the item's binding (below) for its
-- transport; the binding starts the request on its slot's easy handle
-- inside the multi and yields; the scheduler here drives the multi and
-- resumes each item with its response.  Retry waits yield the same way
-- (Client:_sleep_function).  So each item gets exactly the validation,
-- retry policy, helpers, errors and warnings of a single call, and a
-- retried or slow item never holds up the others.
--
-- Slots: slot 1 is the client's own transport (so concurrency = 1 is a loop
-- of single calls, nonce reuse included); slots 2..n are extra transports
-- kept by the client for later batches (each does its digest handshake
-- once, then reuses its nonce).  A service account's token is shared: the
-- first item fetches it (one blocking request), the others find it cached.
--
-- Inside nginx (a phase that can yield) the same items run on light
-- threads over the cosocket transport instead (Batch:run_cosocket).
--
-- No Lua runs inside libcurl: progress, on_retry and the items themselves
-- run between calls to multi:perform.  A raise anywhere (progress, an
-- on_retry callback, an item) closes the multi, frees the extra handles and
-- is re-raised.
local core = require "atlas_admin.core"
local errors = require "atlas_admin.errors"
local ngx_support = require "atlas_admin.ngx"
local options = require "atlas_admin.http.options"
local show = require "atlas_admin.util.show"
local suggest = require "atlas_admin.util.suggest"

local M = {}

M.DEFAULT_CONCURRENCY = 8
M.MAX_CONCURRENCY = options.MAX_CONCURRENCY

-- The client methods an item may name: every call that talks to Atlas
-- (client.lua derives them from the operation rows and its helper table).
M.METHODS = require("atlas_admin.http.methods").batch_methods()
local METHOD_SET = {}
for _, name in ipairs(M.METHODS) do METHOD_SET[name] = true end


local pack = table.pack or function(...) return { n = select("#", ...), ... } end
local unpack = table.unpack or unpack -- luacheck: ignore 143

local function fail(field, message)
  return nil, errors.validation(field, message, "batch")
end

-- Checks the batch options (names and kinds: options.METHODS.batch);
-- returns the settings or nil, err.
local function check_options(opts)
  local err
  opts, err = options.check("batch", opts)
  if not opts then return nil, err end
  return { concurrency = opts.concurrency or M.DEFAULT_CONCURRENCY, max_per_second = opts.max_per_second,
    progress = opts.progress, stop_on_error = opts.stop_on_error, keep_responses = opts.keep_responses }
end

-- The highest integer key of an item: arguments may be nil in the middle
-- ({ "list_invitations", g, nil, { dry_run = true } }) when item.n says so.
local function last_index(item)
  if type(item.n) == "number" then return item.n end
  local last = 0
  for k in pairs(item) do
    if type(k) == "number" and k > last and k == math.floor(k) then last = k end
  end
  return last
end

-- The shape of one item: { "method", args... }.  Returns the method name or
-- nil, err.  What the arguments mean is checked by the method itself.
local function check_item(item, i)
  local field = "calls[" .. i .. "]"
  if type(item) ~= "table" then
    return fail(field, "each call must be a table like { \"update_invitation_by_id\", groupId, invitationId, "
      .. "{ roles = {...} } } (got " .. type(item) .. ")")
  end
  local name = item[1]
  if type(name) ~= "string" or not METHOD_SET[name] then
    local hint = type(name) == "string" and suggest.closest(name, M.METHODS) or nil
    return fail(field .. "[1]", "the first element must name a client method" .. (hint and (" (did you mean "
      .. hint .. "?)") or "") .. "; got " .. tostring(name) .. "; see atlas.help(\"batch\")")
  end
  return name
end

---------------------------------------------------------------------------
-- A binding: what an item's coroutine sends through (Client:_transport_for
-- returns it).  It looks like a transport to the send step.
---------------------------------------------------------------------------
local Binding = {}
Binding.__index = Binding

-- The send step calls this first: during validation, an item that reaches
-- its first request has passed every check; it parks until its turn.
function Binding:ready()
  if self.batch.phase == "validate" then coroutine.yield("gate") end
end

-- Waits without holding up the other items (retry waits, the limiter):
-- a yield to the scheduler, or inside nginx a yield to nginx.
function Binding:sleep(seconds)
  if seconds <= 0 then return end
  if self.batch.engine == "cosocket" then return rawget(_G, "ngx").sleep(seconds) end
  coroutine.yield("sleep", seconds)
end

function Binding:send(method, url, headers, body, bearer, once)
  local batch = self.batch
  if batch.interval then
    -- Pacing: each request reserves the next free instant, so requests are
    -- at least 1/max_per_second apart however many items are waiting.
    local now = core.monotonic()
    local at = math.max(now, batch.next_send)
    batch.next_send = at + batch.interval
    self:sleep(at - now)
  end
  local slot = self.slot
  if batch.engine == "cosocket" then
    -- inside nginx: the slot's cosocket transport yields to nginx itself
    batch.requests = batch.requests + 1
    return slot.transport:send(method, url, headers, body, bearer, once)
  end
  local ok, code, message, info = batch.multi:add(slot.transport, slot.id, method, url, headers, body, bearer, once)
  if not ok then return nil, code, message, info end -- refused before anything was sent
  batch.requests = batch.requests + 1
  return coroutine.yield("io")
end

-- Token requests: one blocking request on the slot's handle (the token is
-- then cached for every item).  A refusal is remembered for the rest of
-- the batch: a thousand items with a wrong secret make one token request,
-- not a thousand (Atlas allows about ten a minute).
function Binding:oauth(url, account, action, bearer, keep)
  local batch = self.batch
  if action == "token" and batch.token_refusal then return unpack(batch.token_refusal, 1, batch.token_refusal.n) end
  local r = pack(self.slot.transport:oauth(url, account, action, bearer, keep))
  if action == "token" and r[1] and r[1] ~= 200 and r[1] ~= 429 and r[1] >= 400 and r[1] < 500 then
    batch.token_refusal = r
  end
  return unpack(r, 1, r.n)
end

---------------------------------------------------------------------------
-- The scheduler.
---------------------------------------------------------------------------
local Batch = {}
Batch.__index = Batch

function Batch:record(item, ok, values)
  local r
  if ok == "skipped" then
    r = { index = item.index, operation = item.name, ok = false, skipped = true, err = values }
  elseif values[1] ~= nil then
    if not self.keep_responses then
      -- A response (status, headers, raw body) is kilobytes; 10,000 of them
      -- add up.  Kept on request, and always for failures.
      for k = 2, values.n do
        if show.kind_of(values[k]) == "response" then values[k] = nil end
      end
    end
    r = { index = item.index, operation = item.name, ok = true, value = values[1], values = values }
    self.succeeded = self.succeeded + 1
  else
    r = { index = item.index, operation = item.name, ok = false, err = values[2], response = values[3] }
    if errors.is_error(r.err) and r.err.kind == "validation" and item.before_io then self.invalid = self.invalid + 1 end
  end
  if not r.ok then
    if r.skipped then self.skipped = self.skipped + 1 else self.failed = self.failed + 1 end
    if self.stop_on_error and not r.skipped and not self.stopped_by then self.stopped_by = item.index end
  end
  self.results[item.index] = r
  item.state = "done"
  if item.co then self.client:_bind(item.co, nil) end
  item.co, item.call, item.binding = nil, nil, nil
  if item.slot then
    self.free[#self.free + 1] = item.slot
    item.slot = nil
  end
  self.done = self.done + 1
  if self.progress then self.progress(self.done, self.total, r) end
end

-- Resumes an item and files it by what it yielded.
function Batch:step(item, ...)
  local ok, kind, value = coroutine.resume(item.co, ...)
  if not ok then error(kind, 0) end -- raised inside the item (an on_retry callback, a bug): stop
  if coroutine.status(item.co) == "dead" then return self:record(item, true, kind) end
  item.state = kind
  if kind == "io" then
    self.in_flight[item.slot.id] = item
  elseif kind == "sleep" then
    item.wake = core.monotonic() + value
    self.sleeping[#self.sleeping + 1] = item
  elseif kind ~= "gate" then
    error("atlas-admin: a batch item yielded outside the batch (" .. tostring(kind) .. ")", 0)
  end
end

-- Validation: each item runs up to its first request (or to its end: a
-- validation error, a dry run).  Nothing is sent yet.
function Batch:validate(calls)
  for i = 1, self.total do
    local name, err = check_item(calls[i], i)
    local item = { index = i, name = name or tostring(type(calls[i]) == "table" and calls[i][1]) }
    if not name then
      item.co = false
      self.results[i] = nil
      self:record(item, true, { nil, err, n = 2 })
      self.invalid = self.invalid + 1
    else
      item.call = calls[i]
      self:spawn(item)
      item.before_io = true
      self:step(item)
      item.before_io = false
      if item.state == "gate" then
        -- Valid.  The parked coroutine is dropped (a coroutine per waiting
        -- item would cost kilobytes each in a batch of 10,000); the item
        -- runs again from the start when its turn comes: everything up to
        -- the first request is checks without I/O, so it passes again.
        self.client:_bind(item.co, nil)
        item.co = nil
        self.queue[#self.queue + 1] = item
      end
    end
  end
end

-- A fresh coroutine running the item's method, bound to a fresh binding.
function Batch:spawn(item)
  local client, name, call = self.client, item.name, item.call
  local args = pack(unpack(call, 2, last_index(call)))
  item.co = coroutine.create(function() return pack(client[name](client, unpack(args, 1, args.n))) end)
  -- call.audit: what the caller knew before this write (apply_access), for its audit record
  item.binding = setmetatable({ batch = self, audit = call.audit }, Binding)
  client:_bind(item.co, item.binding)
end

function Batch:start(item)
  local slot = table.remove(self.free)
  self:spawn(item)
  item.slot = slot
  item.binding.slot = slot
  item.binding.handle = slot.transport -- the send step keeps digest state per handle
  self:step(item)
end

function Batch:run()
  self.phase = "run"
  local next_item = 1
  while true do
    while #self.free > 0 and next_item <= #self.queue and not self.stopped_by do
      self:start(self.queue[next_item])
      next_item = next_item + 1
    end
    local busy = self.multi:in_flight() > 0 or #self.sleeping > 0
    if not busy then break end
    -- Wait for a transfer or for the first sleeper to wake, whichever first.
    local now, wake = core.monotonic(), nil
    for _, item in ipairs(self.sleeping) do
      if not wake or item.wake < wake then wake = item.wake end
    end
    local timeout = wake and math.max(0, wake - now) or 1
    if self.multi:in_flight() > 0 then
      local done = self.multi:perform(timeout)
      for _, id in ipairs(done) do
        local item = self.in_flight[id]
        self.in_flight[id] = nil
        self:step(item, item.slot.transport:finish())
      end
    elseif timeout > 0 then
      core.sleep(timeout)
    end
    now = core.monotonic()
    local still = {}
    local due = {}
    for _, item in ipairs(self.sleeping) do
      if item.wake <= now then due[#due + 1] = item else still[#still + 1] = item end
    end
    self.sleeping = still
    table.sort(due, function(a, b) return a.wake < b.wake end)
    for _, item in ipairs(due) do self:step(item) end
  end
  -- Items never started (stop_on_error) are reported, not dropped.
  for i = next_item, #self.queue do
    local item = self.queue[i]
    self:record(item, "skipped", errors.skipped("not run: the batch stopped after call " .. self.stopped_by
      .. " failed (stop_on_error)", item.name))
  end
end

-- Inside nginx, where a request may yield: one light thread per slot, each
-- running items one after another through its slot's cosocket transport.
-- The items' I/O and waits yield to nginx (the worker keeps serving), so
-- there is nothing to schedule here but the queue.
function Batch:run_cosocket()
  self.phase = "run"
  local ngx = rawget(_G, "ngx")
  local next_item = 1
  local function worker()
    while not self.stopped_by and next_item <= #self.queue do
      local item = self.queue[next_item]
      next_item = next_item + 1
      self:spawn(item)
      local slot = table.remove(self.free)
      item.slot, item.binding.slot, item.binding.handle = slot, slot, slot.transport
      local ok, values = coroutine.resume(item.co)
      if not ok then error(values, 0) end
      if coroutine.status(item.co) ~= "dead" then
        error("atlas-admin: a batch item yielded outside the batch (" .. tostring(values) .. ")", 0)
      end
      self:record(item, true, values)
    end
  end
  local threads = {}
  for i = 1, #self.free do threads[i] = ngx.thread.spawn(worker) end
  local failure
  for _, t in ipairs(threads) do
    local ok, err = ngx.thread.wait(t)
    if not ok and failure == nil then
      failure = err
      for _, other in ipairs(threads) do ngx.thread.kill(other) end
    end
  end
  if failure ~= nil then error(failure, 0) end
  for i = next_item, #self.queue do
    local item = self.queue[i]
    self:record(item, "skipped", errors.skipped("not run: the batch stopped after call " .. self.stopped_by
      .. " failed (stop_on_error)", item.name))
  end
end

-- Each client's batch state (weak keys: it goes with the client), kept
-- here rather than in the client's fields (only client.lua writes those):
-- the extra slots' transports, kept from one batch to the next (their
-- connections and digest sessions), and whether a batch is running.
local STATE = setmetatable({}, { __mode = "k" })
local function state_of(client)
  local s = STATE[client]
  if not s then
    s = { transports = {}, cosockets = {}, running = false }
    STATE[client] = s
  end
  return s
end

--- Closes a client's extra batch transports (client:close calls it).
function M.close(client)
  local s = STATE[client]
  if not s then return end
  for _, t in ipairs(s.transports) do t:close() end
  for _, t in ipairs(s.cosockets) do t:close() end
  STATE[client] = nil
end

-- The cosocket slots: the client's own cosocket transport, then extra ones
-- kept for the client (each with its own digest session).
local function cosocket_slots_for(client, n)
  local kept = state_of(client).cosockets
  local slots = { { id = 1, transport = client._cosocket } }
  for k = 2, n do
    local t = kept[k - 1]
    if not t or t:is_closed() then
      t = ngx_support.cosocket_transport(client._settings, client._user_agent)
      kept[k - 1] = t
    end
    slots[k] = { id = k, transport = t }
  end
  local free = {}
  for k = n, 1, -1 do free[#free + 1] = slots[k] end
  return free
end

-- The slots: the client's own transport, then the client's extra ones.
local function slots_for(client, n)
  local kept = state_of(client).transports
  local slots = { { id = 1, transport = client._transport } }
  for k = 2, n do
    local t = kept[k - 1]
    if not t or t:is_closed() then
      t = client:_new_libcurl_transport()
      kept[k - 1] = t
    end
    slots[k] = { id = k, transport = t }
  end
  -- taken from the end: slot 1 first, so concurrency 1 uses the client's own
  local free = {}
  for k = n, 1, -1 do free[#free + 1] = slots[k] end
  return free
end

function M.install(Client, check_self)
  --- Runs many calls concurrently; see the top of this file and README "Batches".
  -- Returns results (one per call, in order), summary | nil, err when calls
  -- or opts themselves are malformed.
  function Client:batch(calls, opts)
    check_self(self, "batch")
    local state = state_of(self)
    if state.running then error("atlas-admin: client:batch() called while a batch is running on this client", 2) end
    local settings, err = check_options(opts)
    if not settings then return nil, err end
    if type(calls) ~= "table" then return fail("calls", "calls must be a list of calls like { { \"get_invitation\", "
      .. "groupId, invitationId }, ... } (got " .. type(calls) .. ")") end
    local total = #calls
    for k in pairs(calls) do
      if type(k) ~= "number" or k < 1 or k > total or k ~= math.floor(k) then
        return fail("calls", "calls must be a list (keys 1.." .. total .. "); found key " .. tostring(k))
      end
    end
    local batch = setmetatable({
      client = self, total = total, results = {}, queue = {}, in_flight = {}, sleeping = {},
      phase = "validate", done = 0, succeeded = 0, failed = 0, invalid = 0, skipped = 0, requests = 0,
      progress = settings.progress, stop_on_error = settings.stop_on_error, keep_responses = settings.keep_responses,
      interval = settings.max_per_second and 1 / settings.max_per_second, next_send = 0,
    }, Batch)
    -- Inside nginx where a request may yield: cosockets and light threads
    -- (never block the worker); everywhere else: libcurl's multi interface.
    batch.engine = (self._cosocket and ngx_support.pick(self._settings) == "cosocket") and "cosocket" or "multi"
    local started = core.monotonic()
    state.running = true
    local ok, raised = pcall(function()
      batch:validate(calls)
      if batch.stop_on_error and batch.stopped_by then batch.phase = "run" end
      local slots = math.min(settings.concurrency, math.max(1, #batch.queue))
      if batch.engine == "cosocket" then
        batch.free = cosocket_slots_for(self, slots)
        return batch:run_cosocket()
      end
      batch.multi = core.multi()
      batch.free = slots_for(self, slots)
      batch:run()
    end)
    state.running = false
    if batch.multi then batch.multi:close() end -- gives every handle back, transfers in flight abandoned
    self:_unbind_all()
    if not ok then
      -- The extra handles may have been mid-transfer: free them all.
      M.close(self)
      error(raised, 0)
    end
    return batch.results, {
      total = total, succeeded = batch.succeeded, failed = batch.failed, invalid = batch.invalid,
      skipped = batch.skipped, requests = batch.requests, elapsed = core.monotonic() - started,
    }
  end
end

return M
