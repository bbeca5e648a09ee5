-- A certificate ordered from DigiCert with a CSR made from a real key, downloaded, installed on
-- a site and read back with its dates and names.
local host = "sandbox.example.com"
local key = certs.key{type = "rsa", bits = 2048}
local csr = certs.csr{key = key, common_name = host, dns_names = {"www." .. host}, organization = "Sandbox Co", country = "US"}

local placed = digicert.orders.create("ssl_securesite_flex", {
  certificate = {common_name = host, dns_names = {"www." .. host}, csr = csr, signature_hash = "sha256"},
  validity_years = 1, organization = {id = 123456},
})
assert(placed.requests[1].status == "pending", "a one-step approval leaves the request pending")

local order = digicert.orders.get(placed.id)
local deadline = os.time() + 20
while order.status ~= "issued" do
  assert(os.time() < deadline, "the order was not issued in time")
  async.sleep(0.2)
  order = digicert.orders.get(placed.id)
end
assert(order.certificate.days_remaining >= 364, "a one-year certificate")

local chain = certs.split(digicert.certificates.download(order.certificate.id, "pem_all"))
assert(#chain == 3, "pem_all: leaf, intermediate, root")
assert(#certs.split(digicert.orders.download(placed.id, "pem_noroot")) == 2)
local leaf = certs.parse(chain[1])
assert(certs.matches(key, chain[1]), "the certificate carries the CSR's key")
assert(certs.covers(chain[1], "www." .. host) and not certs.covers(chain[1], "other.example.com"))
assert(leaf.key_type == "rsa-2048" and leaf.issuer_common_name:find("Sandbox DigiCert"))
assert(certs.parse(chain[2]).is_ca and certs.parse(chain[3]).is_ca)

local site = bc.sites.list()[1]
bc.sites.certificate.upsert(site.id, {certificate = {certificate = chain[1], private_key = key, intermediate_certificates = chain[2]}})
local installed = bc.sites.certificate.get(site.id)
assert(installed.status == "dedicated")
local detail = installed.installed_certificate
assert(detail.common_name == host and detail.private_key == nil)
assert(table.concat(detail.subject_alternative_names, ",") == host .. ",www." .. host)
assert(detail.validity_not_after:sub(1, 10) == order.certificate.valid_till, detail.validity_not_after)
assert(#bc.sites.certificates.list{["urls:in"] = host} == 1)

-- What the API refuses: another key, a host the certificate does not cover, a broken PEM.
local function refused(body)
  local ok, e = pcall(bc.sites.certificate.upsert, site.id, body)
  assert(not ok and e.status == 422, tostring(e))
  return e
end
local e = refused{certificate = {certificate = chain[1], private_key = certs.key{}}}
assert(e.errors["certificate.private_key"]:find("does not match"))
local other = bc.sites.create{url = "https://other.example.org", channel_id = bc.channels.create{name = "Other", type = "storefront", platform = "bigcommerce"}.id}
e = select(2, pcall(bc.sites.certificate.upsert, other.id, {certificate = {certificate = chain[1], private_key = key}}))
assert(e.status == 422 and e.errors["certificate.certificate"]:find("does not cover other.example.org"), tostring(e))
e = refused{certificate = {certificate = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n", private_key = key}}
assert(e.errors["certificate.certificate"])
print("certificate story: ok")
