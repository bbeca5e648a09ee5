-- load's modes, readers and environments, loadfile and dofile, as lua5.4 has them.
print(load("return 1", "x", "b"))
print(load("return 1", "x", "t")())
print(load("return 1", "=name", "bt")())
local f = load(string.dump(function() end), "x", "t")
print(f == nil)
local parts = {"return ", "1 + ", "41"}
local i = 0
print(load(function() i = i + 1 return parts[i] end)())
print(type(load(function() return nil end)))
print(pcall(load, function() return {} end))
print(load("return x", "env", "t", {x = "from env"})())
print(load("syntax error here"))
print(pcall(load(string.rep("x = 1\n", 1000) .. "return 'long'")))
print(load("return ...", "=(args)")(1, 2, 3))
print(loadfile("does-not-exist.lua"))
print(pcall(dofile, "does-not-exist.lua"))
print(select("#", load("")))
print(type(require))
