-- update-prices.lua: set variant prices from a CSV of sku,price[,sale_price], through the
-- store-wide variant batch (PUT /v3/catalog/variants: 50 a request, concurrently, within the
-- rate limit). SKUs the store does not have are reported, not guessed; a progress bar shows on
-- a terminal; a summary ends the run. --dry-run prints what would change.
--
-- Usage: storescript run --profile shop scripts/recipes/update-prices.lua prices.csv [--dry-run]
-- Cron:  */15 * * * * storescript run --profile shop --lock /tmp/prices.lock --quiet scripts/recipes/update-prices.lua /srv/erp/prices.csv
-- The CSV: a header row naming sku and price, and optionally sale_price (an empty sale_price
-- leaves the variant's as it is): `sku,price` and `sku,price,sale_price` both do.
-- Options (after the CSV):
--   --dry-run             print what would change (only what changes), change nothing
--   --unknown FILE        write the SKUs the store does not have to FILE (a CSV)
-- Exit status: 0 when every row was valid, 1 when a row was not (each named on stderr), 2 for
-- a bad option or a CSV that cannot be read. The summary follows --log-format (text or JSON).
local args = require("storescript.args")
local report = require("storescript.report")
local opts = args.parse(arg, {
  name = "update-prices.lua",
  summary = "Set variant prices from a CSV of sku,price[,sale_price] through the batch endpoint.",
  positional = { { "csv", "the CSV file (header: sku,price[,sale_price])", check = args.readable } },
  options = {
    { "dry-run", flag = true, help = "print what would change (only what changes), change nothing" },
    { "unknown", value = "FILE", check = args.writable, help = "write the SKUs the store does not have to FILE (a CSV)" },
  },
})

-- Every variant by SKU (one pass over the store's variants).
local by_sku = {}
for v in bc.catalog.variants.each{ limit = 250 } do
  if v.sku and v.sku ~= "" then by_sku[v.sku] = v end
end

local function trimmed(s) return s and s:match("^%s*(.-)%s*$") or "" end
-- A price from a cell: the number, or nil and why not.
local function amount(text, column)
  local n = tonumber(text)
  if not n or n < 0 or n ~= n or n == math.huge then return nil, column .. " must be a number >= 0, got '" .. text .. "'" end
  return n
end

local changes, unknown, invalid, unchanged = {}, {}, {}, 0
for row in csv.rows(opts.csv) do
  local sku, sale_text = trimmed(row.sku), trimmed(row.sale_price)
  local price, why = amount(trimmed(row.price), "price")
  local sale = false -- no sale_price column, or an empty cell: the variant's stays
  if price and sale_text ~= "" then sale, why = amount(sale_text, "sale_price") end
  if sku == "" then why = "no sku" end
  if why or sale == nil then
    invalid[#invalid + 1] = string.format("line %d: %s", row._line, why)
  elseif not by_sku[sku] then
    unknown[#unknown + 1] = { sku = sku, line = row._line }
  else
    local v = by_sku[sku]
    local change, shown = { id = v.id }, {}
    if v.price ~= price then
      change.price = price
      shown[#shown + 1] = string.format("price %s -> %s", tostring(v.price), tostring(price))
    end
    if sale and v.sale_price ~= sale then
      change.sale_price = sale
      shown[#shown + 1] = string.format("sale %s -> %s", tostring(v.sale_price or 0), tostring(sale))
    end
    if #shown == 0 then
      unchanged = unchanged + 1
    else
      changes[#changes + 1] = change
      if opts.dry_run then
        report.line(sku .. ": " .. table.concat(shown, ", "),
                    { action = "would update", sku = sku, price = change.price, sale_price = change.sale_price })
      end
    end
  end
end

local updated = 0
if not opts.dry_run and #changes > 0 then
  local bar = progress.new{ total = #changes, label = "prices" }
  -- In slices, so the bar moves; each slice is itself split into requests the API allows.
  for first = 1, #changes, 200 do
    local slice = table.move(changes, first, math.min(first + 199, #changes), 1, {})
    bc.catalog.variants.update_many(slice)
    updated = updated + #slice
    bar:add(#slice)
  end
  bar:done()
end

for _, u in ipairs(unknown) do io.stderr:write(string.format("update-prices: unknown SKU %s (line %d)\n", u.sku, u.line)) end
for _, message in ipairs(invalid) do io.stderr:write("update-prices: ", message, "\n") end
if opts.unknown then csv.write(opts.unknown, unknown, { header = { "sku", "line" } }) end
local action = opts.dry_run and "would update" or "updated"
local count = opts.dry_run and #changes or updated
report.line(string.format("%s %d variants, %d unchanged, %d unknown SKUs, %d invalid rows", action, count, unchanged, #unknown, #invalid),
            { action = action, variants = count, unchanged = unchanged, unknown = #unknown, invalid = #invalid })
if #invalid > 0 then os.exit(1) end
