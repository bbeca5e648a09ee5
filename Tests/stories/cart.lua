-- A cart built from the catalog, priced from it, changed, with its checkout URL; refused when it
-- names no product; gone when its last item goes.
local variant = bc.catalog.variants.list()[1]
local product = bc.catalog.products.get(variant.product_id)
local cart = bc.carts.create{line_items = {{product_id = product.id, quantity = 2}}}
local line = cart.line_items.physical_items[1]
assert(line.list_price == product.price and line.extended_sale_price == product.calculated_price * 2)
assert(cart.cart_amount == line.extended_sale_price and cart.base_amount == line.extended_list_price)

cart = bc.carts.items.create(cart.id, {line_items = {{product_id = product.id, variant_id = variant.id, quantity = 1}}})
assert(#cart.line_items.physical_items == 2 and cart.line_items.physical_items[2].sku == variant.sku)
cart = bc.carts.items.update(cart.id, line.id, {line_item = {quantity = 5}})
assert(cart.line_items.physical_items[1].quantity == 5)

local urls = bc.carts.redirect_urls.create(cart.id)
assert(urls.checkout_url:find("^https://") and urls.cart_url and urls.embedded_checkout_url)
assert(bc.carts.get(cart.id, {include = "redirect_urls"}).redirect_urls.checkout_url == urls.checkout_url)

local ok, e = pcall(bc.carts.create, {line_items = {{product_id = 999999, quantity = 1}}})
assert(not ok and e.status == 422 and e.errors["line_items.0.product_id"], tostring(e))
ok, e = pcall(bc.carts.create, {line_items = {{product_id = product.id, variant_id = 424242, quantity = 1}}})
assert(not ok and e.status == 422, tostring(e))

for _, item in ipairs(cart.line_items.physical_items) do bc.carts.items.delete(cart.id, item.id) end
ok, e = pcall(bc.carts.get, cart.id)
assert(not ok and e.status == 404, "deleting the last item deletes the cart")
print("cart story: ok")
