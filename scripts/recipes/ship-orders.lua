-- ship-orders.lua: fulfil orders from a warehouse's CSV. `export` writes the orders awaiting
-- fulfilment (status 11) to CSV; `ship FILE` reads order_id,tracking_number,carrier rows and
-- creates each order's shipment (every line still to ship, to its first shipping address),
-- then reports the orders it could not ship. Running `ship` twice on the same file ships
-- nothing twice: an order already carrying the tracking number is skipped.
--
-- Usage: storescript run --profile shop scripts/recipes/ship-orders.lua export --out awaiting.csv
--        storescript run --profile shop scripts/recipes/ship-orders.lua ship shipped.csv [--dry-run]
-- Cron (the warehouse rewrites shipped.csv; shipping it again is harmless):
--   */30 * * * * storescript run --profile shop --lock /tmp/ship.lock scripts/recipes/ship-orders.lua ship /srv/warehouse/shipped.csv
local opts = require("storescript.args").parse(arg, {
  name = "ship-orders.lua",
  summary = "Export orders awaiting fulfilment; create shipments from a CSV of order_id,tracking_number,carrier.",
  positional = { { "mode", "export or ship" }, { "file", "the CSV to ship from (ship)", optional = true } },
  options = {
    { "out", value = "FILE", default = "-", help = "where export writes (- for stdout)" },
    { "status", number = true, default = 11, help = "the status export lists (11: awaiting fulfilment)" },
    { "dry-run", flag = true, help = "ship: print what would be shipped" },
  },
})

if opts.mode == "export" then
  local w = csv.writer(opts.out, { header = { "order_id", "date_created", "email", "name", "city", "country", "items", "total" } })
  for o in bc.orders.each{ status_id = math.tointeger(opts.status), limit = 250 } do
    local billing = o.billing_address or {}
    w:write{ order_id = o.id, date_created = o.date_created, email = billing.email, city = billing.city,
             name = ((billing.first_name or "") .. " " .. (billing.last_name or "")):gsub("^%s+", ""):gsub("%s+$", ""),
             country = billing.country_iso2, items = o.items_total, total = o.total_inc_tax }
  end
  w:close()
  io.stderr:write(string.format("ship-orders: %d orders awaiting fulfilment\n", w.count))
  os.exit(0)
elseif opts.mode ~= "ship" then
  io.stderr:write("ship-orders.lua: the mode is export or ship (see --help)\n")
  os.exit(2)
end
if not opts.file then
  io.stderr:write("ship-orders.lua: ship needs the CSV of order_id,tracking_number,carrier (see --help)\n")
  os.exit(2)
end

local shipped, skipped, failed = 0, 0, {}
local function ship(row)
  local id = math.tointeger(tonumber(row.order_id))
  local tracking = row.tracking_number or ""
  if not id then error("order_id is not a number", 0) end
  if tracking == "" then error("no tracking number", 0) end
  for _, s in ipairs(bc.orders.shipments.list(id)) do
    if s.tracking_number == tracking then return "skipped" end
  end
  local items = {}
  for _, line in ipairs(bc.orders.products.list(id)) do
    local left = (line.quantity or 0) - (line.quantity_shipped or 0)
    if left > 0 then items[#items + 1] = { order_product_id = line.id, quantity = left } end
  end
  if #items == 0 then error("nothing left to ship", 0) end
  local address = bc.orders.shipping_addresses.list(id)[1]
  if not address then error("no shipping address", 0) end
  if opts.dry_run then
    print(string.format("would ship order %d: %d lines, %s %s", id, #items, row.carrier or "", tracking))
    return "shipped"
  end
  bc.orders.shipments.create(id, { order_address_id = address.id, tracking_number = tracking,
                                   tracking_carrier = row.carrier ~= "" and row.carrier or nil, items = items })
  return "shipped"
end

for row in csv.rows(opts.file) do
  local ok, result = pcall(ship, row)
  if not ok then
    local message = type(result) == "table" and (result.title or tostring(result)) or tostring(result)
    failed[#failed + 1] = string.format("order %s (line %d): %s", tostring(row.order_id), row._line, message)
  elseif result == "skipped" then
    skipped = skipped + 1
  else
    shipped = shipped + 1
  end
end

for _, f in ipairs(failed) do io.stderr:write("ship-orders: could not ship ", f, "\n") end
print(string.format("%s %d orders, %d already shipped, %d could not be shipped", opts.dry_run and "would ship" or "shipped",
                    shipped, skipped, #failed))
if #failed > 0 then os.exit(1) end
