-- The Lua half of `state` (the Swift half, StateModule.swift, keeps the SQLite files):
-- values go in and out as JSON, so a store holds anything JSON can carry.
local host = ...

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

function Store:get(key)
  check(self, "get"); check_key(key, "get")
  local text = host.get(self.name, key)
  if text == nil then return nil end
  return json.decode(text)
end

function Store:set(key, value)
  check(self, "set"); check_key(key, "set")
  if value == nil then return host.delete(self.name, key) end
  local ok, text = pcall(json.encode, value)
  if not ok then error("store:set: argument #2 (value) cannot be kept: " .. tostring(text), 2) end
  host.set(self.name, key, text)
end

function Store:delete(key)
  check(self, "delete"); check_key(key, "delete")
  host.delete(self.name, key)
end

function Store:keys(prefix)
  check(self, "keys")
  if prefix ~= nil and type(prefix) ~= "string" then
    error("store:keys: argument #1 (prefix) expected string, got " .. type(prefix), 2)
  end
  return host.keys(self.name, prefix)
end

-- fn(store) runs in one SQLite transaction: every set of it is kept, or (when fn raises)
-- none; fn's results are returned, its error raised again as it was.
function Store:transaction(fn)
  check(self, "transaction")
  if type(fn) ~= "function" then error("store:transaction: argument #1 (fn) expected function, got " .. type(fn), 2) end
  if self.depth > 0 then return fn(self) end
  host.execute(self.name, "begin")
  self.depth = 1
  local results = table.pack(pcall(fn, self))
  self.depth = 0
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
  local s = setmetatable({ name = name, path = path, depth = 0 }, Store)
  opened[name] = s
  return s
end

-- help() and `storescript docs` read these.
local doc = package.loaded["storescript.docs"]
doc[state.open] = "state.open(name) -> store\n  A durable store (SQLite, WAL, 0600) of the store this run works on (a directory per store, state.owner; or --state-dir): store:get(key), store:set(key, value), store:delete(key), store:keys(prefix?), store:transaction(fn), store.path."

return state
