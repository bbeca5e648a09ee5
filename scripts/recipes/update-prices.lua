-- update-prices.lua: set variant prices from a CSV of sku,price[,sale_price], through the
-- store-wide variant batch (PUT /v3/catalog/variants: 50 a request, concurrently, within the
-- rate limit). SKUs the store does not have are reported, not guessed; a progress bar shows on
-- a terminal; a summary ends the run. --dry-run prints what would change.
--
-- Usage: storescript run --profile shop scripts/recipes/update-prices.lua prices.csv [--dry-run]
-- Cron:  */15 * * * * storescript run --profile shop --lock /tmp/prices.lock --quiet scripts/recipes/update-prices.lua /srv/erp/prices.csv
-- The CSV: a header row naming sku and price (sale_price optional; an empty one is left as it is).
local opts = require("storescript.args").parse(arg, {
  name = "update-prices.lua",
  summary = "Set variant prices from a CSV of sku,price[,sale_price] through the batch endpoint.",
  positional = { { "csv", "the CSV file (header: sku,price[,sale_price])" } },
  options = {
    { "dry-run", flag = true, help = "print what would change, change nothing" },
    { "unknown", value = "FILE", help = "write the SKUs the store does not have to FILE (a CSV)" },
  },
})

-- Every variant by SKU (one pass over the store's variants).
local by_sku = {}
for v in bc.catalog.variants.each{ limit = 250 } do
  if v.sku and v.sku ~= "" then by_sku[v.sku] = v end
end

local changes, unknown, invalid, unchanged = {}, {}, {}, 0
for row in csv.rows(opts.csv) do
  local sku = row.sku and row.sku:match("^%s*(.-)%s*$")
  local price, sale = tonumber(row.price), row.sale_price and row.sale_price ~= "" and tonumber(row.sale_price)
  if not sku or sku == "" or not price or price < 0 or sale == nil or (sale and sale < 0) then
    invalid[#invalid + 1] = string.format("line %d: %s", row._line, (not sku or sku == "") and "no sku" or "price must be a number >= 0")
  elseif not by_sku[sku] then
    unknown[#unknown + 1] = { sku = sku, line = row._line }
  else
    local v = by_sku[sku]
    local change = { id = v.id, price = price }
    if sale then change.sale_price = sale end
    if v.price == price and (not sale or v.sale_price == sale) then
      unchanged = unchanged + 1
    else
      changes[#changes + 1] = change
      if opts.dry_run then
        print(string.format("%s: price %s -> %s%s", sku, tostring(v.price), tostring(price),
                            sale and string.format(", sale %s -> %s", tostring(v.sale_price), tostring(sale)) or ""))
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
print(string.format("%s %d variants, %d unchanged, %d unknown SKUs, %d invalid rows",
                    opts.dry_run and "would update" or "updated", opts.dry_run and #changes or updated, unchanged, #unknown, #invalid))
if #invalid > 0 then os.exit(1) end
