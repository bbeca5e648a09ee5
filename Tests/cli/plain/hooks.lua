-- A script's own hooks: what they see on a coroutine, what gethook answers, exact counts.
local co = coroutine.create(function(a)
  local x = a + 1
  coroutine.yield(x)
  return x * 2
end)
local events = {}
debug.sethook(co, function(ev, line)
  local info = debug.getinfo(2, "Sn")
  events[#events + 1] = ev .. ":" .. tostring(line) .. ":" .. info.short_src .. ":" .. info.what .. ":" .. tostring(info.name)
end, "crl")
print(coroutine.resume(co, 1))
print(coroutine.resume(co))
print(#events)
for _, e in ipairs(events) do print(e) end
local hf, hm, hc = debug.gethook(co)
print(type(hf), hm, hc)
print(debug.gethook())

debug.sethook(function() end, "l")
local h, m, c = debug.gethook()
print(type(h), m, c)
debug.sethook()
print(debug.gethook())

local n = 0
debug.sethook(function(ev) n = n + 1 end, "", 100)
for i = 1, 10000 do local y = i * 2 end
debug.sethook()
print("count events", n)

local lines = {}
debug.sethook(function(ev, line) lines[#lines + 1] = line end, "l")
local s = 0
for i = 1, 3 do
  s = s + i
end
debug.sethook()
print(table.concat(lines, ","))

-- A hook that raises once: the error reaches the script's pcall.
local raised = false
print(pcall(function()
  debug.sethook(function() if not raised then raised = true error("from hook") end end, "l")
  local z = 1
end))
debug.sethook()
print(debug.traceback("tb"))
