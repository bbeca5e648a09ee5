-- catalog-audit.lua: the catalog's problems as a CSV report: products without images, without
-- categories, out of stock but visible, priced below cost. Exits 1 when more than --threshold
-- problems are found, for cron to alert.
--
-- Usage: storescript run --profile shop scripts/recipes/catalog-audit.lua [--out report.csv] [--threshold N]
-- Cron:  0 6 * * 1 storescript run --profile shop scripts/recipes/catalog-audit.lua --out /var/reports/catalog.csv --threshold 50
-- Options:
--   --out FILE            where the CSV goes (default -, stdout)
--   --threshold N         exit 1 when more problems than N are found (default 0)
-- Exit status: 0 within the threshold, 1 past it, 2 for a bad option (an --out whose
-- directory does not exist is refused before the catalog is read). The summary is a log line
-- (text or JSON, as --log-format says).
local args = require("storescript.args")
local opts = args.parse(arg, {
  name = "catalog-audit.lua",
  summary = "Report products without images or categories, out of stock but visible, or priced below cost.",
  options = {
    { "out", value = "FILE", default = "-", check = args.writable, help = "where the CSV goes (- for stdout)" },
    { "threshold", value = "N", integer = true, min = 0, default = 0, help = "exit 1 when more problems than this are found" },
  },
})

local problems = {}
local function problem(p, kind, detail)
  problems[#problems + 1] = { product_id = p.id, sku = p.sku, name = p.name, problem = kind, detail = detail or "" }
end

local bar = progress.new{ total = bc.catalog.products.count(), label = "products" }
for p in bc.catalog.products.each{ include = "images", limit = 250 } do
  if not p.images or #p.images == 0 then problem(p, "no image") end
  if not p.categories or #p.categories == 0 then problem(p, "no category") end
  if p.is_visible and p.inventory_tracking ~= "none" and (p.inventory_level or 0) <= 0 then
    problem(p, "out of stock but visible", "inventory " .. tostring(p.inventory_level))
  end
  local price = (p.sale_price and p.sale_price > 0) and p.sale_price or p.price
  if p.cost_price and p.cost_price > 0 and price < p.cost_price then
    problem(p, "price below cost", string.format("%.2f < %.2f", price, p.cost_price))
  end
  bar:add()
end
local checked = bar:done()

csv.write(opts.out, problems, { header = { "product_id", "sku", "name", "problem", "detail" } })
local over = #problems > opts.threshold
local say = over and log.error or log.info
say(string.format("catalog-audit: %d problems in %d products (threshold %d)", #problems, checked, opts.threshold),
    { products = checked, problems = #problems, threshold = opts.threshold })
if over then os.exit(1) end
