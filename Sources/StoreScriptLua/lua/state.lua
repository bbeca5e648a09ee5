-- The Lua half of `state` (the Swift half, StateModule.swift, keeps the SQLite files). A value
-- comes back as it went in, byte for byte and type for type: strings with any bytes, integers
-- and floats apart, tables with keys of any type ([1] beside ["1"]), json.null and the array
-- marker; a value that cannot be kept (a function, a cycle, more than the store's limit) is
-- refused naming its key. A transaction belongs to the task that began it: another task's
-- calls wait until it ends.
local host = ...

local pack, unpack = string.pack, string.unpack
local MAX = host.max_value_bytes
-- Values written since 0.6 start with this byte; older ones are JSON text.
local FORMAT = "\1"

local Store = { __name = "state.store" }
Store.__index = Store
Store.__tostring = function(s) return "state.store " .. s.name end

local function check(s, fname)
  if getmetatable(s) ~= Store then
    error(string.format("state.%s: call it as a method (store:%s(...))", fname, fname), 3)
  end
end

local function check_key(key, fname)
  if type(key) ~= "string" then
    error(string.format("store:%s: argument #1 (key) expected string, got %s", fname, type(key)), 3)
  end
end

---------------------------------------------------------------- the codec
-- One tag byte a value: z json.null, T/F booleans, i integer, d float, s string (length, then
-- the bytes), t table or a array-marked table (count, then key and value encoded in turn).
local function encode(value, out, seen, size)
  local t = type(value)
  if value == json.null then out[#out + 1] = "z"
  elseif t == "boolean" then out[#out + 1] = value and "T" or "F"
  elseif math.type(value) == "integer" then out[#out + 1] = pack("<c1j", "i", value)
  elseif t == "number" then out[#out + 1] = pack("<c1n", "d", value)
  elseif t == "string" then
    size.n = size.n + #value
    if size.n > MAX then error(string.format("it is over %d bytes, the most a store keeps", MAX), 0) end
    out[#out + 1] = pack("<c1s8", "s", value)
  elseif t == "table" then
    if seen[value] then error("it holds a cycle (a table inside itself)", 0) end
    seen[value] = true
    local count = 0
    for _ in next, value do count = count + 1 end
    out[#out + 1] = pack("<c1j", json.is_array(value) and "a" or "t", count)
    for k, v in next, value do
      encode(k, out, seen, size)
      encode(v, out, seen, size)
    end
    seen[value] = nil
  else
    error("a " .. t .. " cannot be kept", 0)
  end
end

local function decode(bytes, pos)
  local tag = bytes:sub(pos, pos)
  if tag == "z" then return json.null, pos + 1
  elseif tag == "T" then return true, pos + 1
  elseif tag == "F" then return false, pos + 1
  elseif tag == "i" then return unpack("<j", bytes, pos + 1)
  elseif tag == "d" then return unpack("<n", bytes, pos + 1)
  elseif tag == "s" then return unpack("<s8", bytes, pos + 1)
  elseif tag == "t" or tag == "a" then
    local count
    count, pos = unpack("<j", bytes, pos + 1)
    local t = {}
    for _ = 1, count do
      local k, v
      k, pos = decode(bytes, pos)
      v, pos = decode(bytes, pos)
      t[k] = v
    end
    return tag == "a" and json.array(t) or t, pos
  end
  error("unreadable value (tag " .. string.format("%q", tag) .. ")", 0)
end

local function encoded(value, key)
  local out = { FORMAT }
  local ok, why = pcall(encode, value, out, {}, { n = 0 })
  if not ok then error(string.format("store:set: argument #2 (value) of key %q cannot be kept: %s", key, tostring(why)), 3) end
  return table.concat(out)
end

local function decoded(bytes, key)
  if bytes:sub(1, 1) ~= FORMAT then return json.decode(bytes) end -- written by storescript 0.5
  local ok, value = pcall(decode, bytes, 2)
  if not ok then error(string.format("store:get: the value of key %q is damaged: %s", key, tostring(value)), 3) end
  return value
end

---------------------------------------------------------------- stores
-- Waits while another task's transaction holds the store.
local function free(self)
  while host.busy(self.name) do host.await(self.name) end
end

function Store:get(key)
  check(self, "get"); check_key(key, "get")
  free(self)
  local bytes = host.get(self.name, key)
  if bytes == nil then return nil end
  return decoded(bytes, key)
end

function Store:set(key, value)
  check(self, "set"); check_key(key, "set")
  if value == nil then free(self) return host.delete(self.name, key) end
  local bytes = encoded(value, key)
  free(self)
  host.set(self.name, key, bytes)
end

function Store:delete(key)
  check(self, "delete"); check_key(key, "delete")
  free(self)
  host.delete(self.name, key)
end

function Store:keys(prefix)
  check(self, "keys")
  if prefix ~= nil and type(prefix) ~= "string" then
    error("store:keys: argument #1 (prefix) expected string, got " .. type(prefix), 2)
  end
  free(self)
  return host.keys(self.name, prefix)
end

-- fn(store) runs in one SQLite transaction: every set of it is kept, or (when fn raises)
-- none; fn's results are returned, its error raised again as it was. Within this task's own
-- transaction, a transaction only runs fn (it is part of the outer one).
function Store:transaction(fn)
  check(self, "transaction")
  if type(fn) ~= "function" then error("store:transaction: argument #1 (fn) expected function, got " .. type(fn), 2) end
  free(self)
  if host.held(self.name) then return fn(self) end
  host.execute(self.name, "begin")
  local results = table.pack(pcall(fn, self))
  if results[1] then
    host.execute(self.name, "commit")
    return table.unpack(results, 2, results.n)
  end
  host.execute(self.name, "rollback")
  error(results[2], 0)
end

local state = {}
local opened = {}
-- The store this run works on (`abc123@api.bigcommerce.com`, `sandbox`; nil with none
-- configured): stores are kept per store, and journals record it with what they name.
state.owner = host.owner

function state.open(name)
  if type(name) ~= "string" then error("state.open: argument #1 (name) expected string, got " .. type(name), 2) end
  if opened[name] then return opened[name] end
  -- The name becomes a file name: nothing that could leave the state directory.
  if #name > 100 or not name:match("^[%w_%-][%w_%.%-]*$") then
    error("state.open: argument #1 (name) must be letters, digits, '-', '_' or '.', got " .. name, 2)
  end
  local path = host.open(name)
  local s = setmetatable({ name = name, path = path }, Store)
  opened[name] = s
  return s
end

-- help() and `storescript docs` read these.
local doc = package.loaded["storescript.docs"]
doc[state.open] = "state.open(name) -> store\n  A durable store (SQLite, WAL, 0600) of the store this run works on (a directory per store, state.owner; or --state-dir): store:get(key), store:set(key, value), store:delete(key), store:keys(prefix?), store:transaction(fn), store.path. Values come back as they went in (any bytes, integer keys, json.null), up to 64 MB each."

return state
