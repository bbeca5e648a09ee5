-- The Lua half of the runtime, run once when a state is made, with (host functions, settings):
-- require's searcher, `help`, `async` (the Swift half suspends: async.sleep, spawn's join)
-- and `log`. Coroutines, text-only loading and the hooks are C (CLuaShim), so they add no
-- Lua frames a script could see.
local host, settings = ...

---------------------------------------------------------------- modules
-- require's Lua searcher, over the text-only loadfile (CLuaShim's loading.c): the stock one
-- would load bytecode.
local loadfile = loadfile
package.searchers[2] = function(name)
  local path, err = package.searchpath(name, package.path)
  if not path then return err end
  local f, msg = loadfile(path)
  if not f then
    error(string.format("error loading module '%s' from file '%s':\n\t%s", name, path, msg), 2)
  end
  return f, path
end
if settings.path ~= "" then package.path = settings.path .. ";" .. package.path end
package.loaded.json = json
-- The one redaction of written lines: secrets as ***, private keys as <private key>.
package.loaded["storescript.redact"] = settings.redact

---------------------------------------------------------------- errors
-- Raises message at the script's line that called into the runtime: past the runtime's own
-- Lua ([storescript.*] chunks) and the C functions between them, as errors of Swift functions
-- are placed; no position when no script is above (storescript call).
local getinfo = debug.getinfo
package.loaded["storescript.raise"] = function(message)
  local level, inside = 2, false
  while true do
    local info = getinfo(level, "Sl")
    if info == nil then break end
    if info.short_src:find("^%[storescript%.") then
      inside = true
    elseif info.currentline > 0 then
      error(message, level)
    elseif not inside then
      break
    end
    level = level + 1
  end
  error(message, 0)
end

---------------------------------------------------------------- help registry
local docs = setmetatable({}, { __mode = "k" })
package.loaded["storescript.docs"] = docs
local function doc(value, text) docs[value] = text; return value end

function help(...)
  return require("storescript.help").show(...)
end
doc(help, "help(x)\n  Prints the documentation of x (a function or a module). help() lists what has some.")
doc(json.decode, "json.decode(text) -> value\n  JSON to Lua: integers stay integers, null is json.null, arrays keep a marker so [] stays [].")
doc(json.encode, "json.encode(value, options?) -> text\n  Lua to JSON; functions, userdata, NaN, infinities and cycles are refused.\n  options.indent = N indents by N spaces a level; options.sort_keys = true writes keys in order.")
doc(certs.key, "certs.key{type = \"rsa\", bits = 2048} or {type = \"ecdsa\", curve = \"P-256\"} -> pem\n  A new private key (PEM).")
doc(certs.csr, "certs.csr{key = pem, common_name = ..., dns_names = {...}, organization = ..., organization_units = {...}, country = ...} -> pem\n  A certificate signing request (PEM), signed by the key.")
doc(certs.parse, "certs.parse(pem) -> facts\n  common_name, dns_names, subject, issuer, not_before, not_after, days_left, serial, sha1, sha256, key_type, signature_algorithm, is_ca.")
doc(certs.split, "certs.split(bundle) -> {pem, ...}\n  The certificates of a PEM bundle, in order.")
doc(certs.matches, "certs.matches(key_pem, cert_pem) -> boolean\n  Whether the certificate carries the key's public half.")
doc(certs.covers, "certs.covers(cert_pem, hostname) -> boolean\n  Whether the certificate's names cover the host (RFC 6125 wildcards).")
doc(json.array, "json.array(t) -> t\n  Marks t as an array, so an empty one encodes as [].")
doc(json.is_array, "json.is_array(t) -> boolean\n  Whether t carries the array marker.")

---------------------------------------------------------------- async
local Task = { __name = "async.task" }
Task.__index = Task
Task.__tostring = function(t) return "async.task " .. t.id end
function Task:wait() return self.join() end

-- The default of async.map's concurrency and of batch calls: the profile's `concurrency`.
async = { concurrency = settings.concurrency or 8 }
async.sleep = doc(host.sleep, "async.sleep(seconds)\n  Suspends the calling task; other tasks run meanwhile.")

async.spawn = doc(function(fn, ...)
  if type(fn) ~= "function" then
    error("async.spawn: argument #1 (fn) expected function, got " .. type(fn), 2)
  end
  local id, join = host.spawn(fn, ...)
  return setmetatable({ id = id, join = join }, Task)
end, "async.spawn(fn, ...) -> task\n  Runs fn(...) as a new task. task:wait() or async.wait(task) returns its results or raises its error.")

local function check_task(t, i, name)
  if getmetatable(t) ~= Task then
    error(string.format("%s: argument #%d (task) expected async.task, got %s", name, i, type(t)), 3)
  end
end

async.wait = doc(function(task)
  check_task(task, 1, "async.wait")
  return task.join()
end, "async.wait(task) -> ...\n  Waits for a task made by async.spawn and returns its results (or raises its error).")

async.all = doc(function(fns)
  if type(fns) ~= "table" then
    error("async.all: argument #1 (functions) expected table, got " .. type(fns), 2)
  end
  local tasks = {}
  for i = 1, #fns do
    if type(fns[i]) ~= "function" then
      error(string.format("async.all: argument #1 (functions) expected a function at [%d], got %s", i, type(fns[i])), 2)
    end
    tasks[i] = async.spawn(fns[i])
  end
  local results, failure = {}, nil
  for i, t in ipairs(tasks) do
    local ok, r = pcall(t.join)
    if ok then results[i] = r elseif failure == nil then failure = r end
  end
  if failure ~= nil then error(failure, 0) end
  return table.unpack(results, 1, #tasks)
end, "async.all{f1, f2, ...} -> r1, r2, ...\n  Runs the functions concurrently and returns the first result of each, in order; raises the first error after all have finished.")

async.map = doc(function(list, fn, opts)
  if type(list) ~= "table" then error("async.map: argument #1 (list) expected table, got " .. type(list), 2) end
  if type(fn) ~= "function" then error("async.map: argument #2 (fn) expected function, got " .. type(fn), 2) end
  if opts ~= nil and type(opts) ~= "table" then error("async.map: argument #3 (options) expected table, got " .. type(opts), 2) end
  local concurrency = opts and opts.concurrency or async.concurrency
  if math.type(concurrency) ~= "integer" or concurrency < 1 then
    error("async.map: option concurrency expected a positive integer, got " .. tostring(concurrency), 2)
  end
  local n, results, nexti, failure = #list, {}, 0, nil
  local function worker()
    while failure == nil do
      nexti = nexti + 1
      local i = nexti
      if i > n then return end
      local ok, r = pcall(fn, list[i], i)
      if ok then results[i] = r elseif failure == nil then failure = r end
    end
  end
  local tasks = {}
  for w = 1, math.min(concurrency, n) do tasks[w] = async.spawn(worker) end
  for _, t in ipairs(tasks) do t.join() end
  if failure ~= nil then error(failure, 0) end
  return results
end, "async.map(list, fn, {concurrency = n}) -> results\n  Calls fn(item, index) for every item with at most `concurrency` calls in flight (default async.concurrency: 8, or the profile's); results keep the list's order. Stops handing out work at the first error and raises it.")

---------------------------------------------------------------- log
local levels = { debug = 10, info = 20, warn = 30, error = 40 }
local threshold = levels[settings.log_level] or 20
local as_json = settings.log_format == "json"

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

-- A private key never reaches a log line, whatever field carries it.
local function masked(v)
  if type(v) == "string" and v:find("PRIVATE KEY-----", 1, true) then return "<private key>" end
  return v
end

local function json_value(v)
  v = masked(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return math.type(v) == "integer" and tostring(v) or string.format("%.17g", v)
  elseif t == "boolean" then return tostring(v)
  elseif v == nil then return "null"
  else return json_string(tostring(v)) end
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

log = { format = as_json and "json" or "text" }
for name, level in pairs(levels) do
  log[name] = doc(function(message, fields)
    if level < threshold then return end
    if fields ~= nil and type(fields) ~= "table" then
      error(string.format("log.%s: argument #2 (fields) expected table, got %s", name, type(fields)), 2)
    end
    local time = os.date("!%Y-%m-%dT%H:%M:%SZ")
    local line
    if as_json then
      local parts = { '"time":' .. json_string(time), '"level":' .. json_string(name), '"script":' .. json_string(settings.script),
                      '"msg":' .. json_string(tostring(masked(message))) }
      if fields then
        for _, k in ipairs(sorted_keys(fields)) do
          parts[#parts + 1] = json_string(k) .. ":" .. json_value(fields[k])
        end
      end
      line = "{" .. table.concat(parts, ",") .. "}"
    else
      local parts = { time, name:upper(), tostring(masked(message)) }
      if fields then
        for _, k in ipairs(sorted_keys(fields)) do parts[#parts + 1] = k .. "=" .. tostring(masked(fields[k])) end
      end
      line = table.concat(parts, " ")
    end
    io.stderr:write(settings.redact(line), "\n")
  end, string.format("log.%s(message, fields?)\n  Writes a %s line to stderr (text, or JSON with --log-format json).", name, name))
end

---------------------------------------------------------------- lazy modules
-- A module whose Lua is compiled when a script first uses it, so that start-up pays only for
-- what runs. Its globals exist from the start as the very tables the module fills (a script
-- may keep one before using it): the first index, assignment or pairs() compiles the chunk
-- (settings.chunk) and calls it with `host`; it returns its modules' tables, in the order of
-- `globals`, or adopts the tables it is given after `host` (bindings keep their identity).
-- `provides`: modules the chunk registers in package.loaded, which require finds through it.
local function lazy(globals, chunk, provides, host_half)
  local proxies, filled = {}, false
  local function fill()
    if filled then return end
    filled = true
    for _, name in ipairs(globals) do setmetatable(proxies[name], nil) end
    local made = table.pack(settings.chunk(chunk)(host_half, proxies))
    for i, name in ipairs(globals) do
      local module, proxy = made[i], proxies[name]
      if module ~= proxy then
        for k, v in next, module do rawset(proxy, k, v) end
        setmetatable(proxy, getmetatable(module))
      end
    end
  end
  local meta = {
    __name = "storescript.module",
    __index = function(t, k) fill() return t[k] end,
    __newindex = function(t, k, v) fill() t[k] = v end,
    __pairs = function(t) fill() return pairs(t) end,
    __tostring = function(t) fill() return tostring(t) end,
  }
  for _, name in ipairs(globals) do
    proxies[name] = setmetatable({}, meta)
    _G[name] = proxies[name]
  end
  for _, name in ipairs(provides) do
    package.preload[name] = function() fill() return package.loaded[name] end
  end
end
return lazy
