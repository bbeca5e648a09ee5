-- cart-smoke-test.lua: a synthetic checkout monitor. Creates a cart from a known product, adds
-- and updates an item, gets its checkout URL and deletes the cart; exits non-zero naming the
-- step that failed, so cron (or a monitoring system reading --log-format json) can alert.
--
-- Usage: storescript run --profile shop scripts/recipes/cart-smoke-test.lua [--product ID] [--quiet]
-- Cron:  */10 * * * * storescript run --profile shop --lock /tmp/cart-smoke.lock scripts/recipes/cart-smoke-test.lua --quiet
-- Options:
--   --product ID          the product to buy (default: the first visible one)
--   --quiet               print nothing when every step passes
-- Exit status: 0 when every step passed, 1 naming the step that failed, 2 for a bad option.
-- Output: `ok: ...` or `FAIL step: error`; with --log-format json one object
-- ({ok, steps, seconds, checkout} or {ok, step, error}).
local args = require("storescript.args")
local report = require("storescript.report")
local opts = args.parse(arg, {
  name = "cart-smoke-test.lua",
  summary = "Create a cart, add and update an item, get its checkout URL, delete it; exit 1 naming the failing step.",
  options = {
    { "product", value = "ID", integer = true, min = 1, help = "the product to buy (default: the first visible one)" },
    { "quiet", flag = true, help = "print nothing when every step passes" },
  },
})

local started = time.now()
local steps = {}
local function step(name, fn)
  local t0 = time.now()
  local ok, result = pcall(fn)
  steps[#steps + 1] = { step = name, ok = ok, seconds = time.now() - t0 }
  if not ok then
    local message = tostring(result)
    log.error("cart smoke test failed", { step = name, error = message })
    report.line(string.format("FAIL %s: %s", name, message), { ok = false, step = name, error = message })
    os.exit(1)
  end
  return result
end

local product = step("find a product", function()
  if opts.product then return bc.catalog.products.get(opts.product) end
  local found = bc.catalog.products.list{ is_visible = true, limit = 1 }
  assert(found[1], "the store has no visible product")
  return found[1]
end)
local cart = step("create the cart", function()
  return bc.carts.create{ line_items = { { product_id = product.id, quantity = 1 } } }
end)
local item = cart.line_items.physical_items[1]
step("add an item", function()
  cart = bc.carts.items.add(cart.id, { line_items = { { product_id = product.id, quantity = 1 } } })
  assert(#cart.line_items.physical_items == 2, "the cart has " .. #cart.line_items.physical_items .. " lines, not 2")
end)
step("update the item", function()
  cart = bc.carts.items.update(cart.id, item.id, { line_item = { product_id = product.id, quantity = 3 } })
  local line
  for _, l in ipairs(cart.line_items.physical_items) do if l.id == item.id then line = l end end
  assert(line and line.quantity == 3, "the quantity did not change")
  assert(cart.cart_amount > 0, "the cart has no amount")
end)
local urls = step("get the checkout URL", function()
  local u = bc.carts.redirect_urls.create(cart.id)
  assert(type(u.checkout_url) == "string" and u.checkout_url:match("^https://"), "no https checkout_url")
  return u
end)
step("delete the cart", function() bc.carts.delete(cart.id) end)

if not opts.quiet then
  local seconds, checkout = time.now() - started, urls.checkout_url:match("^https://[^/]+")
  report.line(string.format("ok: %d steps in %s, checkout at %s", #steps, time.duration(seconds), checkout),
              { ok = true, steps = #steps, seconds = seconds, checkout = checkout })
end
