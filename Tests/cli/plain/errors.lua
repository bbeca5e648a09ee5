local function level3() local t = nil; return t.field end
local function level2() return level3() end
print(pcall(level2))
print(xpcall(level2, function(m) return "handled: " .. m end))
print(select(2, pcall(string.rep)))
print(select(2, pcall(math.floor, "x")))
print(select(2, pcall(setmetatable, {}, 1)))
print(select(2, load("x = = 1", "=chunk")))
print(select(2, pcall(function() return 1 + {} end)))
print(select(2, pcall(function() return #5 end)))
print(select(2, pcall(function() undefined_function() end)))
error("final failure")
