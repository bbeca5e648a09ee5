local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__tostring = function(v) return "V(" .. v.x .. ")" end
V.__eq = function(a, b) return a.x == b.x end
V.__lt = function(a, b) return a.x < b.x end
V.__len = function() return 99 end
V.__call = function(self, y) return self.x * y end
V.__close = function() print("closed") end
local a, b = setmetatable({x = 1}, V), setmetatable({x = 2}, V)
print(tostring(a + b), a == b, a < b, #a, a(10))
do local c <close> = a end
local proxy = setmetatable({}, {__index = function(_, k) return k .. "!" end, __newindex = function(t, k, v) rawset(t, k, v * 2) end})
print(proxy.hi) proxy.n = 21 print(rawget(proxy, "n"))
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1 collectgarbage() local n = 0 for _ in pairs(weak) do n = n + 1 end print("weak", n)
print(getmetatable("").__index == string)
local ok, e = pcall(setmetatable, 1, {}) print(ok, e)
