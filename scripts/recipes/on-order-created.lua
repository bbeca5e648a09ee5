-- on-order-created.lua: handlers for `storescript listen`. Each new order whose total
-- (tax included) is at least --threshold gets --tag in its staff notes, once, and the
-- --notify command runs for it (a chat message, a mail), with ORDER_ID, ORDER_TOTAL,
-- ORDER_EMAIL and ORDER_CURRENCY in its environment (and no credential). Idempotent: an
-- event that runs again (a retry, a listener restarted mid-handler) finds the tag there
-- and neither tags nor notifies twice; a notify command that fails makes the handler fail,
-- so the event is retried (and the tag, already there, is not written again).
--
-- Usage: storescript listen --profile shop --ensure-hooks --public-url https://hooks.example.com/bc \
--          scripts/recipes/on-order-created.lua -- --threshold 500 --notify 'notify-sales.sh'
-- Local development: storescript listen --sandbox scripts/recipes/on-order-created.lua, then
-- storescript trigger store/order/created 100 in another shell.
-- Options (after --):
--   --threshold AMOUNT    an order at least this total is high value (default 500)
--   --tag TEXT            what goes in its staff notes (default "HIGH VALUE")
--   --notify CMD          run for each high-value order (default: none, a log line only)
--   --dry-run             log what would be tagged and notified; change nothing, run nothing
-- Exit status: as storescript listen's (2 for a bad option, before any event is taken).
local args = require("storescript.args")
local opts = args.parse(arg, {
  name = "on-order-created.lua",
  summary = "Tag high-value orders in their staff notes and notify through a command, once per order.",
  options = {
    { "threshold", value = "AMOUNT", number = true, min = 0, default = 500, help = "an order at least this total is high value" },
    { "tag", value = "TEXT", default = "HIGH VALUE", check = args.nonempty, help = "what goes in its staff notes" },
    { "notify", value = "CMD", check = args.nonempty, help = "run for each high-value order (ORDER_ID, ORDER_TOTAL, ORDER_EMAIL, ORDER_CURRENCY)" },
    { "dry-run", flag = true, help = "log what would be tagged and notified; change nothing" },
  },
})

local function quoted(v) return "'" .. tostring(v):gsub("'", "'\\''") .. "'" end

on("store/order/created", function(event)
  local order = bc.orders.get(event.data.id)
  local total = tonumber(order.total_inc_tax) or 0
  if total < opts.threshold then
    log.debug("order " .. order.id .. " is under the threshold", { order = order.id, total = total })
    return
  end
  local notes = type(order.staff_notes) == "string" and order.staff_notes or ""
  if notes:find(opts.tag, 1, true) then
    log.info("order " .. order.id .. " is tagged already", { order = order.id, attempt = event.attempt })
    return
  end
  if opts.dry_run then
    log.info(string.format("order %d (%s) would be tagged%s", order.id, order.total_inc_tax, opts.notify and " and notified" or ""),
             { order = order.id, total = total })
    return
  end
  if opts.notify then
    local billing = type(order.billing_address) == "table" and order.billing_address or {}
    local env = string.format("export ORDER_ID=%d ORDER_TOTAL=%s ORDER_EMAIL=%s ORDER_CURRENCY=%s; ", order.id,
      quoted(order.total_inc_tax), quoted(billing.email or ""), quoted(order.currency_code or ""))
    local ok, how, code = os.execute(env .. opts.notify)
    if not ok then error(string.format("--notify failed for order %d (%s %s)", order.id, how, tostring(code)), 0) end
  end
  -- Tagged last: a notify that failed leaves the order untagged, so the retry notifies.
  bc.orders.update(order.id, { staff_notes = notes == "" and opts.tag or (notes .. "\n" .. opts.tag) })
  log.info(string.format("order %d (%s %s) is high value: tagged", order.id, order.total_inc_tax, order.currency_code or ""),
           { order = order.id, total = total })
end)
