-- checkout-domain.lua: set a channel's checkout URL, verify it, and roll back to what it was
-- when the verification fails (or the URL is refused). --dry-run prints the change only.
--
-- Usage: storescript run --profile shop scripts/recipes/checkout-domain.lua https://checkout.example.com [--channel 1] [--dry-run]
--        storescript run --profile shop scripts/recipes/checkout-domain.lua --reset [--channel 1]
-- Options:
--   --channel ID          the channel (default 1)
--   --reset               go back to the shared checkout URL
--   --dry-run             print the change, change nothing
-- Exit status: 0 when set and verified (or reset), 1 when refused by the store or rolled back,
-- 2 for a bad option (a URL without http(s)://, a channel the store does not have).
-- The outcome follows --log-format: a line, or one JSON object {channel, from, to, action}.
local args = require("storescript.args")
local report = require("storescript.report")
local function url(v)
  if not tostring(v):match("^https?://[%w][%w.-]*[%w]") then return "must be a URL with its scheme (https://checkout.example.com)" end
end
local opts = args.parse(arg, {
  name = "checkout-domain.lua",
  summary = "Set a channel's checkout URL, verify it, roll back on failure.",
  positional = { { "url", "the checkout URL (https://checkout.example.com)", optional = true, check = url } },
  options = {
    { "channel", value = "ID", integer = true, min = 1, default = 1, help = "the channel" },
    { "reset", flag = true, help = "go back to the shared checkout URL" },
    { "dry-run", flag = true, help = "print the change, change nothing" },
  },
})
if not opts.url and not opts.reset then args.refuse("checkout-domain.lua", "give the checkout URL, or --reset") end
local channel = opts.channel

local function checkout_of(site)
  for _, u in ipairs(site.urls or {}) do if u.type == "checkout" then return u.url end end
end

local ok, site = pcall(bc.channels.site.get, channel)
if not ok then
  if type(site) == "table" and site.status == 404 then args.refuse("checkout-domain.lua", "--channel " .. channel .. ": the store has no such channel (or it has no site)") end
  error(site, 0)
end
local before = checkout_of(site)
local after = opts.reset and "(shared)" or opts.url
local function outcome(action, text)
  report.line(text, { channel = channel, from = before or "(shared)", to = after, action = action })
end
if opts.dry_run then
  outcome("would set", string.format("channel %d: checkout %s -> %s (dry run)", channel, before or "(shared)", after))
  os.exit(0)
end

if opts.reset then
  bc.channels.site.checkout_url.delete(channel)
  outcome("reset", string.format("channel %d: checkout %s -> %s: reset to the shared checkout URL", channel, before or "(shared)", after))
  os.exit(0)
end

local function rollback(why)
  io.stderr:write("checkout-domain: ", why, "; rolling back\n")
  if before then
    bc.channels.site.checkout_url.upsert(channel, { url = before })
  else
    bc.channels.site.checkout_url.delete(channel)
  end
  outcome("rolled back", "rolled back to " .. (before or "the shared checkout URL"))
  os.exit(1)
end

local set, result = pcall(bc.channels.site.checkout_url.upsert, channel, { url = opts.url })
if not set then
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
local verified, problem = pcall(verify)
if not verified then rollback("the checkout could not be verified: " .. tostring(problem)) end
if problem then rollback(problem) end
outcome("set", "checkout URL set and verified: " .. wanted)
