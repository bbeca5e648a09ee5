-- To-be-closed variables: a yield inside __close under wrap, errors through __close, and
-- the main chunk's own variables closed when it fails.
local co = coroutine.wrap(function()
  local x <close> = setmetatable({}, {__close = function() coroutine.yield("in close") end})
  return "done"
end)
print(co())
print(co())

print(pcall(function()
  local y <close> = setmetatable({}, {__close = function(_, e) print("closing with", e) end})
  error("boom")
end))

local c2 = coroutine.create(function()
  local r <close> = setmetatable({}, {__close = function() print("closed by coroutine.close") end})
  coroutine.yield(1)
end)
print(coroutine.resume(c2))
print(coroutine.close(c2))
print(coroutine.status(c2))

local c3 = coroutine.create(function()
  local r <close> = setmetatable({}, {__close = function() error("close failed") end})
  coroutine.yield(1)
end)
coroutine.resume(c3)
print(coroutine.close(c3))

local w = coroutine.wrap(function()
  local r <close> = setmetatable({}, {__close = function(_, e) print("wrap closing", e) end})
  error("in wrap")
end)
print(pcall(w))

-- (lua.c appends a traceback to the error before the main chunk's variables close: the
-- first line is the same)
local z <close> = setmetatable({}, {__close = function(_, e) print("main closing", (tostring(e):match("^[^\n]*"))) end})
error("final")
