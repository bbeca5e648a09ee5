-- storescript.repl: completion of globals, fields, methods and keywords.
local repl = require("storescript.repl")
local t = require("testing")

local function has(list, item)
  for _, v in ipairs(list) do if v == item then return true end end
  return false
end

t.ok(has(repl.complete("string.fo", "string.fo"), "string.format"))
t.ok(has(repl.complete("pri", "pri"), "print"))
t.ok(has(repl.complete("whi", "whi"), "while"))
t.ok(has(repl.complete("async.sl", "async.sl"), "async.sleep"))

my = setmetatable({ own = 1 }, { __index = { inherited = function() end } })
t.ok(has(repl.complete("my.", "my."), "my.own"))
t.ok(has(repl.complete("my.", "my."), "my.inherited"))
local methods = repl.complete("my:", "my:")
t.ok(has(methods, "my:inherited"))
t.ok(not has(methods, "my:own")) -- `:` offers functions only

s = "text"
t.ok(has(repl.complete("s:up", "s:up"), "s:upper"))

lazy = setmetatable({}, { __index = function(_, k) if k == "inner" then return { leaf = true } end end })
t.ok(has(repl.complete("lazy.inner.", "lazy.inner."), "lazy.inner.leaf"))

broken = setmetatable({}, { __index = function() error("boom") end })
t.equal(#repl.complete("broken.x.", "broken.x."), 0) -- never raises
t.equal(#repl.complete("(1 + 2).", "(1 + 2)."), 0)
t.equal(#repl.complete("nosuch.", "nosuch."), 0)
t.done()
