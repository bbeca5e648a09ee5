-- A channel's checkout URL: set (http becomes https), verified among the site's URLs, refused on
-- a foreign domain, deleted back to the shared checkout.
local channel = bc.channels.list()[1].id
local site = bc.channels.site.checkout_url.upsert(channel, {url = "http://checkout.sandbox.example.com"})
assert(site.is_checkout_url_customized == true)
local checkout
for _, u in ipairs(site.urls) do if u.type == "checkout" then checkout = u.url end end
assert(checkout == "https://checkout.sandbox.example.com", tostring(checkout))

local ok, e = pcall(bc.channels.site.checkout_url.upsert, channel, {url = "https://pay.elsewhere.net"})
assert(not ok and e.status == 422 and e.title:find("same main domain"), tostring(e))

-- A cart's checkout URL follows the channel's checkout domain.
local cart = bc.carts.create({line_items = {{product_id = 1, quantity = 1}}}, {query = {include = "redirect_urls"}})
assert(cart.redirect_urls.checkout_url:find("^https://checkout.sandbox.example.com/"), cart.redirect_urls.checkout_url)

bc.channels.site.checkout_url.delete(channel)
local after = bc.sites.get(site.id)
assert(after.is_checkout_url_customized == false)
for _, u in ipairs(after.urls) do assert(u.type ~= "checkout") end
print("checkout story: ok")
