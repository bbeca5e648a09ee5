-- checkout-domain.lua: set a channel's checkout URL, verify it, and roll back to what it was
-- when the verification fails (or the URL is refused). --dry-run prints the change only.
--
-- Usage: storescript run --profile shop scripts/recipes/checkout-domain.lua https://checkout.example.com [--channel 1] [--dry-run]
--        storescript run --profile shop scripts/recipes/checkout-domain.lua --reset [--channel 1]
local opts = require("storescript.args").parse(arg, {
  name = "checkout-domain.lua",
  summary = "Set a channel's checkout URL, verify it, roll back on failure.",
  positional = { { "url", "the checkout URL (https://checkout.example.com)", optional = true } },
  options = {
    { "channel", number = true, default = 1, help = "the channel" },
    { "reset", flag = true, help = "go back to the shared checkout URL" },
    { "dry-run", flag = true, help = "print the change, change nothing" },
  },
})
if not opts.url and not opts.reset then
  io.stderr:write("checkout-domain.lua: give the checkout URL, or --reset (see --help)\n")
  os.exit(2)
end
local channel = math.tointeger(opts.channel)

local function checkout_of(site)
  for _, u in ipairs(site.urls or {}) do if u.type == "checkout" then return u.url end end
end

local site = bc.channels.site.get(channel)
local before = checkout_of(site)
print(string.format("channel %d: checkout %s -> %s", channel, before or "(shared)", opts.reset and "(shared)" or opts.url))
if opts.dry_run then os.exit(0) end

if opts.reset then
  bc.channels.site.checkout_url.delete(channel)
  print("reset to the shared checkout URL")
  os.exit(0)
end

local function rollback(why)
  io.stderr:write("checkout-domain: ", why, "; rolling back\n")
  if before then
    bc.channels.site.checkout_url.upsert(channel, { url = before })
  else
    bc.channels.site.checkout_url.delete(channel)
  end
  print("rolled back to " .. (before or "the shared checkout URL"))
  os.exit(1)
end

local ok, result = pcall(bc.channels.site.checkout_url.upsert, channel, { url = opts.url })
if not ok then
  -- Refused (422: not within the storefront's domain): nothing changed, nothing to roll back.
  io.stderr:write("checkout-domain: refused: ", tostring(result), "\n")
  os.exit(1)
end
local wanted = opts.url:gsub("^http://", "https://"):gsub("/$", "")

-- Verified when the site shows it and a new cart's checkout link uses it; any failure on the
-- way (a cart the store cannot make now is a broken checkout) puts the old URL back.
local function verify()
  local now = checkout_of(bc.channels.site.get(channel))
  if not now or now:gsub("/$", "") ~= wanted then return "the site shows " .. tostring(now) .. ", not " .. wanted end
  local product = bc.catalog.products.list{ limit = 1, is_visible = true }[1]
  if not product then return nil end
  local cart = bc.carts.create{ channel_id = channel, line_items = { { product_id = product.id, quantity = 1 } } }
  local urls = bc.carts.redirect_urls.create(cart.id)
  bc.carts.delete(cart.id)
  if not urls.checkout_url:find(wanted, 1, true) then return "a cart's checkout URL is " .. urls.checkout_url end
end
local ok, problem = pcall(verify)
if not ok then rollback("the checkout could not be verified: " .. tostring(problem)) end
if problem then rollback(problem) end
print("checkout URL set and verified: " .. wanted)
