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
-- A wrong option, a missing value or a missing positional ends the run with exit 2 and a line
-- naming it; --help prints the usage and exits 0.
local M = {}

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
  local function fail(message)
    io.stderr:write(spec.name, ": ", message, " (see --help)\n")
    os.exit(2)
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
        if o.number then
          local n = tonumber(value)
          if not n then fail("--" .. name .. " must be a number, got " .. value) end
          value = n
        end
        if o.choices then
          local ok = false
          for _, c in ipairs(o.choices) do ok = ok or c == value end
          if not ok then fail("--" .. name .. " must be one of " .. table.concat(o.choices, ", ") .. ", got " .. tostring(value)) end
        end
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
    opts[key(p[1])] = positionals[j]
  end
  if #positionals > #wanted then fail("unexpected argument " .. positionals[#wanted + 1]) end
  for _, o in ipairs(spec.options or {}) do
    if o.required and opts[key(o[1])] == nil then fail("--" .. o[1] .. " is required") end
  end
  return opts
end

return M
