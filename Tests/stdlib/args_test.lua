-- storescript.args: a recipe's command line from one table.
local args = require("storescript.args")
local t = require("testing")

local spec = {
  name = "demo.lua", summary = "A demo.",
  positional = { { "file", "the input" }, { "extra", "optional", optional = true } },
  options = {
    { "dry-run", flag = true, help = "change nothing" },
    { "batch", number = true, default = 50, help = "items a request" },
    { "site", number = true, list = true, help = "a site" },
    { "mode", choices = { "fast", "slow" }, default = "fast" },
  },
}

local o = args.parse({ "in.csv" }, spec)
t.equal(o.file, "in.csv")
t.equal(o.extra, nil)
t.equal(o.dry_run, false)
t.equal(o.batch, 50)
t.equal(#o.site, 0)
t.equal(o.mode, "fast")

o = args.parse({ "--dry-run", "in.csv", "--batch", "10", "--site=3", "--site", "4", "more", "--mode", "slow" }, spec)
t.equal(o.dry_run, true)
t.equal(o.batch, 10)
t.equal(table.concat(o.site, ","), "3,4")
t.equal(o.extra, "more")
t.equal(o.mode, "slow")
t.equal(o.file, "in.csv")

-- Wrong input ends the run with exit 2 and a line naming the problem.
local real_exit, real_stderr = os.exit, io.stderr
local function refusal(argv)
  local said
  os.exit = function(code) error({ exit = code }, 0) end
  io.stderr = { write = function(_, ...) said = table.concat({ ... }) end }
  local ok, e = pcall(args.parse, argv, spec)
  os.exit, io.stderr = real_exit, real_stderr
  t.ok(not ok and e.exit == 2, "exits 2")
  return said
end
t.match(refusal({}), "missing FILE")
t.match(refusal({ "a", "--nope" }), "unknown option %-%-nope")
t.match(refusal({ "a", "--batch" }), "%-%-batch needs a value")
t.match(refusal({ "a", "--batch", "many" }), "%-%-batch must be a number")
t.match(refusal({ "a", "--mode", "medium" }), "one of fast, slow")
t.match(refusal({ "a", "b", "c" }), "unexpected argument c")
t.match(refusal({ "a", "--dry-run=yes" }), "takes no value")

-- Values checked as they are parsed: whole numbers, bounds, and checks of their own.
spec.options[#spec.options + 1] = { "count", integer = true, min = 1, help = "how many" }
spec.options[#spec.options + 1] = { "from", check = args.date, help = "a day" }
spec.options[#spec.options + 1] = { "ids", check = args.ids, help = "ids" }
t.equal(args.parse({ "a", "--count", "3", "--from", "2024-02-29", "--ids", "1, 2" }, spec).count, 3)
t.match(refusal({ "a", "--count", "2.5" }), "%-%-count must be a whole number, got 2.5")
t.match(refusal({ "a", "--count", "0" }), "%-%-count must be at least 1, got 0")
t.match(refusal({ "a", "--from", "2026-13-01" }), "%-%-from must be a date YYYY%-MM%-DD, got 2026%-13%-01")
t.match(refusal({ "a", "--from", "2025-02-29" }), "2025%-02 has 28 days")
t.match(refusal({ "a", "--ids", "1,x" }), "takes ids separated by commas %(1,2%), not x")
t.equal(args.writable("-"), nil)
t.match(args.writable("/nonexistent-dir/x.csv"), "there is no directory /nonexistent%-dir")
t.match(args.readable("/nonexistent-file"), "cannot be read")
t.match(args.state_name("../x"), "letters, digits")

t.done()
