-- renew-certificates.lua: keep the TLS certificates of a store's sites renewed from DigiCert.
--
-- For every site (or those named), read the installed certificate and renew it when it is
-- missing, expiring (fewer than max(--min-days, a third of its lifetime) days left), expired,
-- or does not cover the site's host: make a key and a CSR, order a Secure Site certificate
-- from DigiCert (a renewal of the site's last order when there is one), wait a bounded time
-- for issuance (an order still pending is picked up by the next run), download the chain,
-- check that it matches the key and covers the host, install it, read it back, verify it.
--
-- Every step is journaled in `state` (store "renewals", or --state; kept per store, and each
-- entry names its store) before and after its side effect, the deploy hook's included (a
-- site's entry closes only once its hook succeeded), so a run killed anywhere and run again finishes the work with exactly one DigiCert
-- order per site, and never installs a certificate that does not match its key. Private keys
-- go only to the journal (a file only its owner can read) and to BigCommerce.
--
-- Usage: storescript run [--lock PATH] scripts/recipes/renew-certificates.lua [options]
-- Cron (with a random sleep as certbot recommends, so that stores do not all renew at once):
--   17 3 * * * sleep $((RANDOM % 3600)); storescript run --profile shop --lock /tmp/renew-shop.lock \
--              scripts/recipes/renew-certificates.lua --organization 123456 --log-format json
-- Options (after the script's name):
--   --dry-run             print the plan (which sites, why) and change nothing
--   --site ID             only this site (repeat for more)
--   --organization ID     DigiCert organization id (else DIGICERT_ORGANIZATION_ID)
--   --product NAME        DigiCert product (default ssl_securesite_flex; checked against DigiCert's)
--   --min-days N          renew with fewer days left than max(N, lifetime / 3) (default 30)
--   --key TYPE            rsa-2048 (default), rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384
--   --wait SECONDS        how long this run waits for issuance (default 120)
--   --poll SECONDS        between polls (default 5)
--   --deploy-hook CMD     run after each install, with RENEWED_SITE_ID, RENEWED_HOST,
--                         RENEWED_NOT_AFTER and RENEWED_ORDER_ID in its environment (and no
--                         credential); one that fails runs again on the next run
--   --state NAME          the journal's store (default renewals)
--   --log-format FORMAT   text or json for the summary (default: the run's own --log-format)
-- Exit status: 0 when nothing was due or every renewal succeeded (or waits for issuance),
-- 1 when any failed (each named), 2 for a bad option, 3 when --lock is held by another run.
-- Output: one line per site on stdout; one JSON object per site with --log-format json
-- ({site, host, action, reason, order_id, not_after, error}).

---------------------------------------------------------------- options
local args = require("storescript.args")
local function positive(v) if not (tonumber(v) and tonumber(v) > 0) then return "must be more than 0" end end
local opts = args.parse(arg, {
  name = "renew-certificates.lua",
  summary = "Renew the TLS certificates of a store's sites from DigiCert, crash-safe.",
  options = {
    { "dry-run", flag = true, help = "print the plan (which sites, why), change nothing" },
    { "site", integer = true, min = 1, list = true, value = "ID", help = "only this site" },
    { "organization", value = "ID", integer = true, min = 1, help = "DigiCert organization id (else DIGICERT_ORGANIZATION_ID)" },
    { "product", value = "NAME", default = "ssl_securesite_flex", check = args.nonempty, help = "DigiCert product" },
    { "min-days", value = "N", integer = true, min = 0, default = 30, help = "renew with fewer days left than max(N, lifetime / 3)" },
    { "key", value = "TYPE", default = "rsa-2048", choices = { "rsa-2048", "rsa-3072", "rsa-4096", "ecdsa-p256", "ecdsa-p384" },
      help = "the new key's type" },
    { "wait", number = true, min = 0, default = 120, value = "SECONDS", help = "how long this run waits for issuance" },
    { "poll", number = true, check = positive, default = 5, value = "SECONDS", help = "between polls" },
    { "deploy-hook", value = "CMD", check = args.nonempty, help = "run after each install (RENEWED_SITE_ID, _HOST, _NOT_AFTER, _ORDER_ID)" },
    { "state", value = "NAME", default = "renewals", check = args.state_name, help = "the journal's store" },
    { "log-format", value = "FORMAT", choices = { "text", "json" }, help = "the summary's format (default: the run's)" },
  },
})
opts.sites = opts.site
local from_env = os.getenv("DIGICERT_ORGANIZATION_ID")
opts.organization = opts.organization or (from_env ~= "" and from_env or nil)
opts.format = opts.log_format
local function usage(message) args.refuse("renew-certificates.lua", message) end

local key_types = {
  ["rsa-2048"] = { type = "rsa", bits = 2048 }, ["rsa-3072"] = { type = "rsa", bits = 3072 },
  ["rsa-4096"] = { type = "rsa", bits = 4096 },
  ["ecdsa-p256"] = { type = "ecdsa", curve = "P-256" }, ["ecdsa-p384"] = { type = "ecdsa", curve = "P-384" },
}
local organization = opts.organization and math.tointeger(tonumber(opts.organization))
if opts.organization and not organization then usage("DIGICERT_ORGANIZATION_ID must be a whole number, got " .. opts.organization) end
if not opts.dry_run and not organization then usage("--organization (or DIGICERT_ORGANIZATION_ID) is required") end
if not opts.dry_run then
  -- A product DigiCert does not sell would fail every site's order: refused before any.
  local sold = {}
  for _, p in ipairs(digicert.products.list().products or {}) do sold[#sold + 1] = p.name_id end
  local known = false
  for _, id in ipairs(sold) do known = known or id == opts.product end
  if not known then usage("--product " .. opts.product .. " is not a DigiCert product (" .. table.concat(sold, ", ") .. ")") end
end

---------------------------------------------------------------- the journal
local journal = state.open(opts.state)

-- Tests stop the process for real (SIGKILL) at a named step: RENEW_TEST_KILL_AT=step[,step].
local kill_at = {}
for step in (os.getenv("RENEW_TEST_KILL_AT") or ""):gmatch("[^,]+") do kill_at[step] = true end
local function checkpoint(step)
  if not kill_at[step] then return end
  local f = io.open("/proc/self/stat")
  local pid = f:read("a"):match("^(%d+)") f:close()
  os.execute("kill -KILL " .. pid)
end

local function record(site_id, entry)
  journal:set("site:" .. site_id, entry)
end

-- Site ids repeat from store to store, so every entry names the store it belongs to, and an
-- entry of another store (a --state-dir two stores share) is refused, never resumed: its key,
-- certificate and DigiCert order are that store's.
local function entry_of(key)
  local entry = journal:get(key)
  if entry and entry.store ~= nil and entry.store ~= state.owner then
    error(string.format("the journal's %s belongs to store %s, not to this one (%s); give each store its own state "
      .. "directory (the default; or --state-dir per store)", key, entry.store, tostring(state.owner)), 0)
  end
  return entry
end

---------------------------------------------------------------- what is due
local function host_of(url) return (url:gsub("^%a+://", ""):gsub("[:/].*$", ""):lower()) end

-- Why a site's certificate must be renewed, or nil.
local function due(site)
  local host = host_of(site.url)
  local ok, info = pcall(bc.sites.certificate.get, site.id)
  if not ok then
    if type(info) == "table" and info.status == 404 then return "missing", host end
    error(info, 0)
  end
  local installed = info.installed_certificate
  if info.status ~= "dedicated" or installed == nil or installed == json.null or not installed.certificate then
    return "missing", host
  end
  local cert = certs.parse(installed.certificate)
  if not certs.covers(installed.certificate, host) then return "wrong-host", host, cert end
  local now = os.time()
  if cert.not_after <= now then return "expired", host, cert end
  local lifetime_days = (cert.not_after - cert.not_before) / 86400
  local threshold = math.max(opts.min_days, lifetime_days / 3)
  local left = (cert.not_after - now) / 86400
  if left < threshold then return string.format("expiring (%d days left)", math.floor(left)), host, cert end
  return nil, host, cert
end

---------------------------------------------------------------- the steps
local function find_order(entry)
  -- The order a killed run placed but did not journal: same host, same CSR.
  local found = digicert.orders.list{["filters[common_name]"] = entry.host}
  for _, o in ipairs(found.orders or {}) do
    local full = digicert.orders.get(o.id)
    if full.certificate and full.certificate.csr == entry.csr then return full end
  end
end

local function place_order(site_id, entry)
  entry.phase = "ordering"
  record(site_id, entry)
  checkpoint("before-order")
  local existing = entry.order_started and find_order(entry)
  local order_id
  if existing then
    order_id = existing.id
  else
    entry.order_started = true
    record(site_id, entry)
    local body = {
      certificate = { common_name = entry.host, dns_names = { entry.host }, csr = entry.csr, signature_hash = "sha256" },
      validity_years = 1, organization = { id = organization },
      comments = "storescript renew-certificates: site " .. site_id,
    }
    if entry.previous_order_id then body.renewal_of_order_id = entry.previous_order_id end
    order_id = digicert.orders.create(opts.product, body).id
  end
  checkpoint("after-order")
  entry.order_id = order_id
  entry.phase = "ordered"
  record(site_id, entry)
  checkpoint("after-order-journaled")
end

local function wait_for_issuance(entry)
  local deadline = os.time() + opts.wait
  while true do
    local order = digicert.orders.get(entry.order_id)
    if order.status == "issued" then return order end
    if order.status == "rejected" or order.status == "revoked" or order.status == "canceled" then
      error("DigiCert order " .. entry.order_id .. " is " .. order.status, 0)
    end
    if os.time() + opts.poll > deadline then return nil end
    async.sleep(opts.poll)
  end
end

local function download(site_id, entry, order)
  local chain = certs.split(digicert.orders.download(entry.order_id, "pem_noroot"))
  if #chain == 0 then error("DigiCert sent no certificate for order " .. entry.order_id, 0) end
  if not certs.matches(entry.key, chain[1]) then error("the issued certificate does not match the journaled key", 0) end
  if not certs.covers(chain[1], entry.host) then error("the issued certificate does not cover " .. entry.host, 0) end
  entry.certificate = chain[1]
  entry.intermediates = table.concat(chain, "", 2)
  entry.certificate_id = order.certificate and order.certificate.id
  entry.phase = "downloaded"
  record(site_id, entry)
  checkpoint("after-download")
end

local function install(site_id, entry)
  entry.phase = "installing"
  record(site_id, entry)
  checkpoint("before-install")
  bc.sites.certificate.upsert(site_id, { certificate = {
    certificate = entry.certificate, private_key = entry.key, intermediate_certificates = entry.intermediates,
  } })
  checkpoint("after-install")
  local back = bc.sites.certificate.get(site_id)
  local installed = back.installed_certificate
  if not installed or installed == json.null or certs.parse(installed.certificate).sha256 ~= certs.parse(entry.certificate).sha256 then
    error("the certificate read back from site " .. site_id .. " is not the one installed", 0)
  end
  -- Installed: what the journal still needs is the hook's; the key leaves it now.
  entry.not_after = certs.parse(entry.certificate).not_after
  entry.key, entry.csr, entry.certificate, entry.intermediates = nil, nil, nil, nil
  entry.phase = "deploying"
  record(site_id, entry)
  checkpoint("after-verify")
end

-- The deploy hook, then the site's journal closed: a hook that failed, or a run killed while
-- it ran, leaves the entry open, and the next run runs the hook again (hooks should be
-- idempotent: a reload, a copy, a notification).
local function deploy(site_id, entry)
  if opts.deploy_hook then
    local env = string.format("export RENEWED_SITE_ID=%d RENEWED_HOST='%s' RENEWED_NOT_AFTER='%s' RENEWED_ORDER_ID=%s; ",
      site_id, entry.host:gsub("'", ""), os.date("!%Y-%m-%dT%H:%M:%SZ", entry.not_after), tostring(entry.order_id))
    local ok, how, code = os.execute(env .. opts.deploy_hook)
    if not ok then error(string.format("the deploy hook failed (%s %s); the next run runs it again", how, tostring(code)), 0) end
    checkpoint("after-hook")
  end
  journal:transaction(function(j)
    j:set("last:" .. site_id, { store = state.owner, order_id = entry.order_id, not_after = entry.not_after, host = entry.host })
    j:delete("site:" .. site_id)
  end)
end

-- Takes one site from wherever its journal says it is to the end (or to "pending").
local function renew(site, reason, host)
  local key = "site:" .. site.id
  local entry = entry_of(key)
  if not entry then
    -- A renewal continues this store's own last order only: DigiCert's orders are the
    -- account's, which several stores may share.
    local last = entry_of("last:" .. site.id)
    local pem = certs.key(key_types[opts.key])
    entry = { store = state.owner, phase = "keyed", host = host, reason = reason, key = pem, started = os.time(),
              csr = certs.csr{ key = pem, common_name = host, dns_names = { host } },
              previous_order_id = last and last.order_id }
    record(site.id, entry)
    checkpoint("after-key")
  end
  if entry.phase == "keyed" or entry.phase == "ordering" then place_order(site.id, entry) end
  if entry.phase == "ordered" then
    local order = wait_for_issuance(entry)
    if not order then return { action = "pending", order_id = entry.order_id, reason = entry.reason } end
    download(site.id, entry, order)
  end
  if entry.phase == "downloaded" or entry.phase == "installing" then install(site.id, entry) end
  if entry.phase == "deploying" then
    deploy(site.id, entry)
    return { action = "renewed", order_id = entry.order_id, not_after = entry.not_after, reason = entry.reason }
  end
  error("the journal of site " .. site.id .. " is in an unknown phase " .. tostring(entry.phase), 0)
end

---------------------------------------------------------------- the run
local function report(site, host, result)
  local not_after = result.not_after and os.date("!%Y-%m-%dT%H:%M:%SZ", result.not_after) or nil
  if (opts.format or log.format) == "json" then
    print(json.encode({ site = site.id, host = host, action = result.action, reason = result.reason or json.null,
                        order_id = result.order_id or json.null, not_after = not_after or json.null, error = result.error or json.null },
                      { sort_keys = true }))
  else
    local parts = { string.format("site %d %s: %s", site.id, host, result.action) }
    if result.reason then parts[#parts + 1] = "(" .. result.reason .. ")" end
    if result.order_id then parts[#parts + 1] = "order " .. result.order_id end
    if not_after then parts[#parts + 1] = "until " .. not_after end
    if result.error then parts[#parts + 1] = "- " .. result.error end
    if result.action == "pending" then parts[#parts + 1] = "- issuance pending; the next run installs it" end
    print(table.concat(parts, " "))
  end
end

local wanted = {}
for _, id in ipairs(opts.sites) do wanted[id] = true end
local failed = 0
for _, site in ipairs(bc.sites.all()) do
  if #opts.sites == 0 or wanted[site.id] then
    local ok, result = pcall(function()
      local reason, host, cert = due(site)
      local open = entry_of("site:" .. site.id)
      if open then reason = open.reason or reason end
      if not reason then
        return { action = "ok", not_after = cert and cert.not_after }, host
      end
      if opts.dry_run then
        return { action = open and "would resume" or "would renew", reason = reason, order_id = open and open.order_id }, host
      end
      return renew(site, reason, host), host
    end)
    local host = host_of(site.url)
    if ok then
      report(site, host, result)
    else
      failed = failed + 1
      local message = type(result) == "table" and tostring(result) or tostring(result)
      report(site, host, { action = "failed", error = message })
    end
  end
end
os.exit(failed > 0 and 1 or 0)
