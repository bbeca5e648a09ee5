-- `storescript listen handlers.lua [args]`: loads the handlers file (its `on(scope, fn)` calls
-- register functions by scope), keeps the store's hooks pointed here when asked, then runs the
-- loop: claim the events due (up to the concurrency bound), run each as a task, record how it
-- ended. The host (Listener.swift) keeps the events in SQLite and wakes the loop when one
-- arrives; an event is answered 200 only once it is on disk.
local host = require("storescript.listen.host")
local fn = host.functions
local raise = require("storescript.raise")

---------------------------------------------------------------- on(scope, fn)
local documented = {}
for _, s in ipairs(host.scopes) do documented[s] = true end

-- A scope the API documents, or `prefix/*` covering some (`store/order/*`, `store/*`).
local function known(scope)
  if documented[scope] then return true end
  local prefix = scope:match("^(.+/)%*$")
  if not prefix then return false end
  for s in pairs(documented) do if s:sub(1, #prefix) == prefix then return true end end
  return false
end

local function matches(pattern, scope)
  if pattern == scope then return true end
  local prefix = pattern:match("^(.+/)%*$")
  return prefix ~= nil and scope:sub(1, #prefix) == prefix
end

local routes = {}
function on(scope, handler)
  if type(scope) ~= "string" then raise("on: argument #1 (scope) expected string, got " .. type(scope)) end
  if type(handler) ~= "function" then raise("on: argument #2 (handler) expected function, got " .. type(handler)) end
  if not known(scope) then
    local near = {}
    local family = scope:match("^(store/[^/]+)") or ""
    for s in pairs(documented) do
      if family ~= "" and s:sub(1, #family) == family and not s:find("*", 1, true) then near[#near + 1] = s end
    end
    table.sort(near)
    raise(string.format("on: %q is not a webhook scope the API documents%s", scope,
      #near > 0 and " (" .. table.concat(near, ", ") .. ", or " .. family .. "/*)" or " (help(on) lists them)"))
  end
  routes[#routes + 1] = { scope = scope, handler = handler }
end
require("storescript.docs")[on] = "on(scope, function(event) ... end)\n"
  .. "  In a file storescript listen runs: calls the function for each event of the scope (store/order/created,\n"
  .. "  or store/order/* for every order event). event: scope, store_id, data {type, id}, hash, created_at,\n"
  .. "  producer, attempt (1 the first time). A function that raises is retried with backoff, then kept as dead.\n"
  .. "  Handlers should be idempotent: an event may run again after a crash (event.hash names it).\n"
  .. "  Scopes: " .. table.concat((function() local t = {} for s in pairs(documented) do t[#t + 1] = s end table.sort(t) return t end)(), ", ")

---------------------------------------------------------------- the handlers file
-- What stops the listener before it starts: one line (in --log-format), exit 1.
local function stop(message)
  log.error(message)
  os.exit(1)
end

local path = arg[0]
local chunk, err = loadfile(path)
if not chunk then stop(err) end
chunk(table.unpack(arg, 1, #arg))
if #routes == 0 then stop("listen: " .. path .. " registered no handler: call on(scope, function(event) ... end) in it") end

local wanted, seen = {}, {}
for _, r in ipairs(routes) do
  if not seen[r.scope] then seen[r.scope] = true; wanted[#wanted + 1] = r.scope end
end

---------------------------------------------------------------- the store's hooks
-- Hooks with this listener's destination are its own: one per scope a handler wants, active,
-- carrying the secret header; the rest of them go. Other hooks are left alone.
local function ensure_hooks(destination, dry)
  local header = host.secret_header
  local mine = {}
  for _, h in ipairs(bc.hooks.list()) do
    if h.destination == destination then mine[#mine + 1] = h end
  end
  local kept = {}
  local function say(action, scope, id)
    local line = string.format("%s %s -> %s%s", action, scope, destination, id and (" (hook " .. id .. ")") or "")
    if dry then print(line) else log.info("listen: " .. line) end
  end
  for _, h in ipairs(mine) do
    if seen[h.scope] and not kept[h.scope] then
      kept[h.scope] = h
      local headers = type(h.headers) == "table" and h.headers or {}
      if h.is_active ~= true or headers[header] ~= host.secret then
        say(h.is_active ~= true and "reactivate" or "update", h.scope, h.id)
        if not dry then
          bc.hooks.update(h.id, { scope = h.scope, destination = destination, is_active = true, headers = { [header] = host.secret } })
        end
      else
        say("keep", h.scope, h.id)
      end
    else
      say("delete", h.scope, h.id)
      if not dry then bc.hooks.delete(h.id) end
    end
  end
  for _, scope in ipairs(wanted) do
    if not kept[scope] then
      say("create", scope)
      if not dry then
        bc.hooks.create({ scope = scope, destination = destination, is_active = true, headers = { [header] = host.secret } })
      end
    end
  end
end

if host.print_hooks or host.ensure_hooks then
  if not host.destination then
    stop("listen: " .. (host.print_hooks and "--print-hooks" or "--ensure-hooks")
      .. " needs --public-url (the https address the store calls, port 443)")
  end
  ensure_hooks(host.destination, host.print_hooks)
  if host.print_hooks then return end
end

---------------------------------------------------------------- the loop
local limit = host.concurrency
local running = 0

-- Events of one object (data.type and data.id) run one after another: a handler that reads,
-- checks and writes an order never races another event of the same order (a repeat the store
-- sent, an update right after the create).
local busy = {}

-- Runs the handlers of one event; true, or false and the error with its traceback.
local function run(item)
  local ok, event = pcall(json.decode, item.body)
  if not ok or type(event) ~= "table" then return false, "the event is not a JSON object: " .. tostring(event) end
  event.attempt = item.attempt
  local data = type(event.data) == "table" and event.data or {}
  local key = data.id ~= nil and (tostring(data.type) .. ":" .. tostring(data.id)) or nil
  if key then
    while busy[key] do async.sleep(0.01) end
    busy[key] = true
  end
  local done, err = xpcall(function()
    for _, r in ipairs(routes) do
      if matches(r.scope, item.scope) then r.handler(event) end
    end
  end, debug.traceback)
  if key then busy[key] = nil end
  return done, err
end

local function describe(item)
  local ok, event = pcall(json.decode, item.body)
  local id = ok and type(event) == "table" and type(event.data) == "table" and event.data.id
  return string.format("event %d (%s%s)", item.seq, item.scope, id and (" " .. tostring(id)) or "")
end

log.info(string.format("listen: %s for %s, %d at a time", host.url, table.concat(wanted, ", "), limit),
         { url = host.url, scopes = table.concat(wanted, ","), concurrency = limit })
if host.sandbox then
  log.info("listen: the sandbox store is at " .. host.sandbox .. " (its hooks call this listener; --sandbox in another "
    .. "shell reaches it: storescript call --sandbox ...)", { sandbox = host.sandbox })
end

fn.ready()
while true do
  local items = running < limit and fn.claim(limit - running) or {}
  for _, item in ipairs(items) do
    running = running + 1
    async.spawn(function()
      local ok, result = run(item)
      running = running - 1
      if ok then
        fn.done(item.seq)
      else
        local message = tostring(result)
        if fn.failed(item.seq, message) then
          log.error(string.format("listen: %s failed on attempt %d and is dead (storescript listen --dead lists it): %s",
            describe(item), item.attempt, message:match("^[^\n]*")), { seq = item.seq, scope = item.scope })
        else
          log.warn(string.format("listen: %s failed on attempt %d, retried later: %s", describe(item), item.attempt,
            message:match("^[^\n]*")), { seq = item.seq, scope = item.scope })
        end
      end
    end)
  end
  if #items == 0 then fn.wait(running < limit) end
end
