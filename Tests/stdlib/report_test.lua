-- storescript.report: a recipe's line, in the run's --log-format.
local report = require("storescript.report")
local t = require("testing")

local printed = {}
local real_print = print
print = function(...) printed[#printed + 1] = table.concat({ ... }, "\t") end

local format = log.format
log.format = "text"
report.line("updated 3 variants", { action = "updated", variants = 3 })
log.format = "json"
report.line("updated 3 variants", { variants = 3, action = "updated", sku = json.null })
log.format = format
print = real_print

t.equal(printed[1], "updated 3 variants")
-- Keys sorted: the same line every run, whatever order the table was built in.
t.equal(printed[2], '{"action":"updated","sku":null,"variants":3}')
t.done()
