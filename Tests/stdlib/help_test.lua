-- help(x): documentation for anything that has it.
local t = require("testing")
local lines = {}
local real_print = print
print = function(...) lines[#lines + 1] = table.concat({ ... }, "\t") end

help(async.sleep)
t.match(lines[1], "^async%.sleep%(seconds%)")
lines = {}
help(async)
t.ok(#lines >= 5)
t.match(table.concat(lines, "\n"), "async%.map%(list, fn")
lines = {}
help(log.info)
t.match(lines[1], "^log%.info%(message, fields%?%)")
lines = {}
help(print)
t.match(lines[1], "^no documentation for function")
lines = {}
help()
t.match(table.concat(lines, "\n"), "async: all, map, sleep, spawn, wait")
print = real_print
t.ok(not pcall(help, 1, 2))
t.done()
