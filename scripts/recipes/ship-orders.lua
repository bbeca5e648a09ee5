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
-- Options:
--   --out FILE            where export writes (default -, stdout)
--   --status ID           the order status export lists (default 11, awaiting fulfilment)
--   --dry-run             ship: print what would be shipped
-- Exit status: 0 when done, 1 when an order could not be shipped (each named), 2 for a bad
-- option (a mode that is not export or ship, a CSV that cannot be read, a status the store
-- does not have). The summary follows --log-format (text or JSON).
local args = require("storescript.args")
local report = require("storescript.report")
local opts = args.parse(arg, {
  name = "ship-orders.lua",
  summary = "Export orders awaiting fulfilment; create shipments from a CSV of order_id,tracking_number,carrier.",
  positional = { { "mode", "export or ship", choices = { "export", "ship" } },
                 { "file", "the CSV to ship from (ship)", optional = true, check = args.readable } },
  options = {
    { "out", value = "FILE", default = "-", check = args.writable, help = "where export writes (- for stdout)" },
    { "status", value = "ID", integer = true, min = 0, default = 11, help = "the order status export lists (11: awaiting fulfilment)" },
    { "dry-run", flag = true, help = "ship: print what would be shipped" },
  },
})

if opts.mode == "export" then
  local known = false
  for _, st in ipairs(bc.order_statuses.list()) do known = known or st.id == opts.status end
  if not known then args.refuse("ship-orders.lua", "--status " .. opts.status .. ": the store has no such order status") end
  local w = csv.writer(opts.out, { header = { "order_id", "date_created", "email", "name", "city", "country", "items", "total" } })
  for o in bc.orders.each{ status_id = opts.status, limit = 250 } do
    local billing = o.billing_address or {}
    w:write{ order_id = o.id, date_created = o.date_created, email = billing.email, city = billing.city,
             name = ((billing.first_name or "") .. " " .. (billing.last_name or "")):gsub("^%s+", ""):gsub("%s+$", ""),
             country = billing.country_iso2, items = o.items_total, total = o.total_inc_tax }
  end
  w:close()
  log.info(string.format("ship-orders: %d orders with status %d exported", w.count, opts.status), { orders = w.count, status = opts.status })
  os.exit(0)
end
if not opts.file then args.refuse("ship-orders.lua", "ship needs the CSV of order_id,tracking_number,carrier") end

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
    report.line(string.format("would ship order %d: %d lines, %s %s", id, #items, row.carrier or "", tracking),
                { action = "would ship", order_id = id, lines = #items, carrier = row.carrier or "", tracking_number = tracking })
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
local action = opts.dry_run and "would ship" or "shipped"
report.line(string.format("%s %d orders, %d already shipped, %d could not be shipped", action, shipped, skipped, #failed),
            { action = action, shipped = shipped, already = skipped, failed = #failed })
if #failed > 0 then os.exit(1) end
