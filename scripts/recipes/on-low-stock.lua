-- on-low-stock.lua: handlers for `storescript listen`. When a product's stock changes and
-- falls below --threshold (or the product's own inventory_warning_level, whichever is
-- higher), a CSV line goes to --out (product_id, sku, name, inventory_level, threshold,
-- at) and a warning to the log. Each product is reported once per fall below its threshold:
-- `state` (store "low-stock") remembers what was reported, and a product back above its
-- threshold is forgotten, so the next fall is reported again. Idempotent under retries.
--
-- Usage: storescript listen --profile shop --ensure-hooks --public-url https://hooks.example.com/bc \
--          scripts/recipes/on-low-stock.lua -- --threshold 5 --out /srv/reports/low-stock.csv
-- Options (after --):
--   --threshold N         report stock under N (default 5)
--   --out FILE            the CSV to append to (default low-stock.csv; the header is written once)
-- Exit status: as storescript listen's (2 for a bad option, before any event is taken).
local args = require("storescript.args")
local opts = args.parse(arg, {
  name = "on-low-stock.lua",
  summary = "Append a CSV line and log a warning when a product's stock falls below a threshold.",
  options = {
    { "threshold", value = "N", integer = true, min = 0, default = 5, help = "report stock under N" },
    { "out", value = "FILE", default = "low-stock.csv", check = args.writable, help = "the CSV to append to" },
  },
})

local reported = state.open("low-stock")

local function append(row)
  local f = io.open(opts.out, "r")
  local fresh = f == nil or f:read(1) == nil
  if f then f:close() end
  local w = assert(io.open(opts.out, "a"))
  if fresh then w:write("product_id,sku,name,inventory_level,threshold,at\n") end
  local fields = {}
  for i, v in ipairs(row) do
    v = tostring(v)
    fields[i] = v:find('[,"\n]') and ('"' .. v:gsub('"', '""') .. '"') or v
  end
  w:write(table.concat(fields, ","), "\n")
  w:close()
end

on("store/product/inventory/updated", function(event)
  local id = event.data.id
  local ok, product = pcall(bc.catalog.products.get, id)
  if not ok then
    if type(product) == "table" and product.status == 404 then return end  -- deleted since
    error(product, 0)
  end
  local threshold = math.max(opts.threshold, tonumber(product.inventory_warning_level) or 0)
  local key = "product:" .. id
  if product.inventory_level >= threshold then
    reported:delete(key)
    return
  end
  if reported:get(key) then return end
  append({ product.id, product.sku or "", product.name, product.inventory_level, threshold, time.rfc3339() })
  reported:set(key, { level = product.inventory_level, at = time.now() })
  log.warn(string.format("product %d (%s) is low on stock: %d left, under %d", product.id, product.name,
                         product.inventory_level, threshold), { product = product.id, level = product.inventory_level })
end)
