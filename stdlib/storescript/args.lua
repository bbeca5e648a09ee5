-- storescript.args: a recipe's command line, declared once: what it takes, its defaults and
-- its --help come from one table.
--
--   local opts = require("storescript.args").parse(arg, {
--     name = "update-prices.lua", summary = "Set variant prices from a CSV of sku,price[,sale_price].",
--     positional = { { "csv", "the CSV file" } },
--     options = {
--       { "dry-run", flag = true, help = "print what would change" },
--       { "batch", number = true, default = 50, help = "variants per request" },
--     },
--   })
--   opts.csv, opts.dry_run, opts.batch
--
-- A wrong option, a missing value, a missing positional or a value its checks refuse
-- (`number`, `integer`, `min`, `choices`, `check = args.date` and the like) ends the run with
-- exit 2 and a line naming it, before the recipe has done anything; --help prints the usage
-- and exits 0. A recipe refuses what it can only check against the store (a channel that
-- does not exist) the same way, with args.refuse, before it changes anything.
local M = {}

-- Checks for check = ...: nil when the value will do, else why not.
function M.date(v)
  local y, m, d = tostring(v):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 then return "must be a date YYYY-MM-DD" end
  local days = { 31, (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if d > days[m] then return string.format("must be a date YYYY-MM-DD (%04d-%02d has %d days)", y, m, days[m]) end
end

function M.ids(v)
  local n = 0
  for id in tostring(v):gmatch("[^,]+") do
    local i = math.tointeger(tonumber((id:gsub("^%s+", ""):gsub("%s+$", ""))))
    if not i or i < 1 then return "takes ids separated by commas (1,2), not " .. id end
    n = n + 1
  end
  if n == 0 then return "takes ids separated by commas (1,2)" end
end

function M.nonempty(v)
  if tostring(v):match("^%s*$") then return "must not be empty" end
end

-- A file to write (or - for stdout): its directory must exist.
function M.writable(v)
  if v == "-" then return nil end
  local dir = v:match("^(.*)/[^/]*$") or "."
  if v:sub(-1) == "/" then return "names a directory, not a file" end
  local f = io.open(dir == "" and "/" or dir, "r")
  if not f then return "cannot be written: there is no directory " .. dir end
  f:close()
end

function M.readable(v)
  local f, why = io.open(v, "rb")
  if not f then return "cannot be read: " .. tostring(why):gsub("^[^:]*: ", "") end
  local ok, err = f:read(0)
  f:close()
  if ok == nil and err then return "cannot be read: " .. err end
end

-- A state store's name (state.open's rule: it becomes a file name).
function M.state_name(v)
  if #v > 100 or not v:match("^[%w_%-][%w_%.%-]*$") then return "must be letters, digits, '-', '_' or '.'" end
end

-- Ends the run as a refused option does: exit 2, one line, nothing done.
function M.refuse(name, message)
  io.stderr:write(name, ": ", message, " (see --help)\n")
  os.exit(2)
end

local function key(name) return (name:gsub("-", "_")) end

local function usage(spec)
  local lines = { spec.summary or "", "", "usage: storescript run " .. spec.name }
  local head = lines[3]
  for _, p in ipairs(spec.positional or {}) do head = head .. " " .. p[1]:upper() end
  if spec.options and #spec.options > 0 then head = head .. " [options]" end
  lines[3] = head
  if spec.positional and #spec.positional > 0 then
    lines[#lines + 1] = ""
    for _, p in ipairs(spec.positional) do lines[#lines + 1] = string.format("  %-22s %s", p[1]:upper(), p[2] or "") end
  end
  if spec.options and #spec.options > 0 then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "options:"
    for _, o in ipairs(spec.options) do
      local left = "--" .. o[1] .. (o.flag and "" or " " .. (o.value or (o.number and "N" or "VALUE")))
      local help = o.help or ""
      if o.default ~= nil and not o.flag then help = help .. " (default " .. tostring(o.default) .. ")" end
      if o.list then help = help .. " (repeatable)" end
      lines[#lines + 1] = string.format("  %-22s %s", left, help)
    end
  end
  return table.concat(lines, "\n")
end

function M.parse(argv, spec)
  local function fail(message) M.refuse(spec.name, message) end
  -- The value's own checks, in order: number, integer, min, choices, check.
  local function checked(label, o, value)
    if o.number or o.integer then
      local n = tonumber(value)
      if not n then fail(label .. " must be a number, got " .. value) end
      if o.integer and not math.tointeger(n) then fail(label .. " must be a whole number, got " .. value) end
      value = o.integer and math.tointeger(n) or n
      if o.min and value < o.min then fail(string.format("%s must be at least %s, got %s", label, tostring(o.min), tostring(value))) end
    end
    if o.choices then
      local ok = false
      for _, c in ipairs(o.choices) do ok = ok or c == value end
      if not ok then fail(label .. " must be one of " .. table.concat(o.choices, ", ") .. ", got " .. tostring(value)) end
    end
    if o.check then
      local why = o.check(value)
      if why then fail(label .. " " .. why .. (tostring(why):find(tostring(value), 1, true) and "" or ", got " .. tostring(value))) end
    end
    return value
  end
  local byname, opts = {}, {}
  for _, o in ipairs(spec.options or {}) do
    byname[o[1]] = o
    if o.list then opts[key(o[1])] = {}
    elseif o.flag then opts[key(o[1])] = false
    else opts[key(o[1])] = o.default end
  end
  local positionals = {}
  local i = 1
  while argv[i] do
    local a = argv[i]
    if a == "--help" or a == "-h" then
      print(usage(spec))
      os.exit(0)
    end
    local name, inline = a:match("^%-%-([%w-]+)=(.*)$")
    name = name or a:match("^%-%-([%w-]+)$")
    if name then
      local o = byname[name]
      if not o then fail("unknown option --" .. name) end
      local value
      if o.flag then
        if inline then fail("--" .. name .. " takes no value") end
        value = true
      else
        value = inline
        if value == nil then
          i = i + 1
          value = argv[i]
          if value == nil then fail("--" .. name .. " needs a value") end
        end
        value = checked("--" .. name, o, value)
      end
      if o.list then table.insert(opts[key(name)], value) else opts[key(name)] = value end
    elseif a:match("^%-%-?.") and a ~= "-" then
      fail("unknown option " .. a)
    else
      positionals[#positionals + 1] = a
    end
    i = i + 1
  end
  local wanted = spec.positional or {}
  for j, p in ipairs(wanted) do
    if positionals[j] == nil and not p.optional then fail("missing " .. p[1]:upper()) end
    opts[key(p[1])] = positionals[j] ~= nil and checked(p[1]:upper(), p, positionals[j]) or nil
  end
  if #positionals > #wanted then fail("unexpected argument " .. positionals[#wanted + 1]) end
  for _, o in ipairs(spec.options or {}) do
    if o.required and opts[key(o[1])] == nil then fail("--" .. o[1] .. " is required") end
  end
  return opts
end

return M
