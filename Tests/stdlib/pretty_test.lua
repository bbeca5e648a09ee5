-- storescript.pretty: the REPL's printer.
local pretty = require("storescript.pretty")
local t = require("testing")

t.equal(pretty.format(1), "1")
t.equal(pretty.format(1.0), "1.0")
t.equal(pretty.format(0.5), "0.5")
t.equal(pretty.format("a\nb\0"), '"a\\nb\\0"')
t.equal(pretty.format(nil), "nil")
t.equal(pretty.format({}), "{}")
t.equal(pretty.format({ 1, 2, 3 }), "{ 1, 2, 3 }")
t.equal(pretty.format({ b = 1, a = 2, [10] = "x", ["not id"] = true }), '{ [10] = "x", a = 2, b = 1, ["not id"] = true }')
t.equal(pretty.format({ 1, { 2, { 3 } } }), "{ 1, { 2, { 3 } } }")

local cyc = {}
cyc.me = cyc
t.match(pretty.format(cyc), "^{ me = <cycle: table: 0x%x+> }$")

local shared = { 1 }
t.equal(pretty.format({ shared, shared }), "{ { 1 }, { 1 } }") -- shared is not a cycle

local long = {}
for i = 1, 250 do long[i] = i end
local s = pretty.format(long, { max_items = 100 })
t.match(s, "%.%.%. %(150 more%)")

local wide = {}
for i = 1, 30 do wide["key" .. i] = ("v"):rep(5) end
t.match(pretty.format(wide), "^{\n  key1 = ")

local deep = {}
local cur = deep
for _ = 1, 20 do cur.next = {} cur = cur.next end
t.match(pretty.format(deep), "{%.%.%.}")

t.match(pretty.format({ 1 }, { color = true }), "\27%[36m1\27%[0m")
t.equal(pretty.format(setmetatable({}, { __tostring = function() return "custom" end })), "custom")
t.equal(pretty.format(setmetatable({}, { __index = function() error("never called") end, __len = function() error("nor this") end })), "{}")
t.equal(pretty.format({ json.null }), "{ json.null }")
t.done()
