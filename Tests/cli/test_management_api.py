"""The rest of the store Management API, as a user of the official Python client or `bigc`
would reach for it first: orders (v2), customers (v3), store information, price lists,
settings, counts, v2 pages, and the v2/v3 naming rule."""


def lua(run, code, *extra):
    r = run("run", "--sandbox", *extra, "-e", code)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_orders_awaiting_fulfilment_the_way_a_recipe_reads_them(run):
    # The official client's first line is api.Orders.iterall(); here it is bc.orders.each().
    out = lua(run, """
for order in bc.orders.each() do
  print(order.id, order.status_id, order.status, order.total_inc_tax)
end
local waiting = bc.orders.list{status_id = 11}
print(#waiting, waiting[1].id, bc.orders.count{status_id = 11}, bc.orders.count())
local lines = bc.orders.products.list(waiting[1].id)
print(lines[1].name, lines[1].quantity, #bc.orders.shipping_addresses.list(100), #bc.orders.coupons.list(100))
print(bc.orders.shipments.list(101)[1].tracking_number, bc.orders.shipments.count(101))
print(#bc.orders.transactions.list(100), #bc.order_statuses.list())
""")
    rows = out.splitlines()
    assert rows[0].split("\t")[:3] == ["100", "11", "Awaiting Fulfillment"]
    assert [r.split("\t")[0] for r in rows[:3]] == ["100", "101", "102"]
    assert rows[3] == "1\t100\t1\t3"
    assert rows[4].endswith("\t2\t1\t1")
    assert rows[5].startswith("1Z999AA1012345678") and rows[5].endswith("\t1")
    assert rows[6] == "1\t15"


def test_an_order_is_made_from_its_lines_and_its_status_follows_status_id(run):
    out = lua(run, """
local o = bc.orders.create{
  customer_id = 1, status_id = 1,
  billing_address = {first_name = "Ada", last_name = "Lovelace", street_1 = "1 Analytical Row", city = "London",
                     state = "England", zip = "EC1A 1BB", country = "United Kingdom", country_iso2 = "GB",
                     email = "ada@example.com"},
  products = {{product_id = 2, quantity = 3}},
}
print(o.id, o.status, o.items_total, o.products.resource)
local line = bc.orders.products.list(o.id)[1]
print(line.product_id, line.quantity, line.name == bc.catalog.products.get(2).name)
print(bc.orders.update(o.id, {status_id = 11}).status, bc.orders.count{status_id = 11})
local ok, e = pcall(bc.orders.create, {customer_id = 1, products = {{product_id = 999999}}})
print(ok, e.status, e.title)
""")
    rows = out.splitlines()
    assert rows[0] == "103\tPending\t3\t/v2/orders/103/products"
    assert rows[1] == "2\t3\ttrue"
    assert rows[2] == "Awaiting Fulfillment\t2"
    assert rows[3] == "false\t400\tproducts.0: no product with id 999999"


def test_customers_with_their_addresses_and_attributes(run):
    out = lua(run, """
local n = 0
for c in bc.customers.each() do n = n + 1 end
local first = bc.customers.list{include = "addresses"}[1]
print(n, bc.customers.count(), first.email, first.addresses[1].city)
local made = bc.customers.create{{email = "kat@example.com", first_name = "Katherine", last_name = "Johnson",
  addresses = {{first_name = "Katherine", last_name = "Johnson", address1 = "1 Orbit Way", city = "Hampton",
                state_or_province = "Virginia", postal_code = "23666", country_code = "US"}}}}
local id = made[1].id
local addresses = bc.customers.addresses.list{["customer_id:in"] = {id}}
print(id, made[1].address_count, #addresses, addresses[1].customer_id == id)
print(#bc.customers.attributes.list(), bc.customers.attribute_values.list()[1].attribute_value)
""")
    rows = out.splitlines()
    assert rows[0] == "3\t3\tada@example.com\tLondon"
    assert rows[1] == "4\t1\t1\ttrue"
    assert rows[2] == "1\tgold"


def test_store_information_settings_and_a_price_list(run):
    out = lua(run, """
local store = bc.store.get()
print(store.name, store.currency, store.plan_name, bc.time.get().time > 1700000000)
local catalog = bc.settings.catalog.get()
print(catalog.enable_product_comparisons)
print(bc.settings.catalog.update{enable_product_comparisons = true}.enable_product_comparisons,
      bc.settings.catalog.get().enable_product_comparisons)
local lists = bc.pricelists.list()
print(#lists, lists[1].name, #bc.pricelists.records.list(lists[1].id))
""")
    assert out.splitlines() == ["Sandbox Store\tUSD\tStandard\ttrue", "false", "true\ttrue", "1\tWholesale\t5"]


def test_v2_lists_page_until_a_short_page_and_all_asks_the_count_beside_page_one(run):
    out = lua(run, """
for i = 1, 4 do bc.orders.shipments.create(100, {order_address_id = 1, tracking_number = "T" .. i,
  items = {{order_product_id = 1, quantity = 1}}}) end
os.execute("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' -X DELETE " .. sandbox.root .. "/__sandbox/log > /dev/null")
local all = bc.orders.shipments.all(100, {limit = 2})
local n = 0
for s in bc.orders.shipments.each(100, {limit = 3}) do n = n + 1 end
print(#all, all[1].tracking_number, all[4].tracking_number, n)
local h = io.popen("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' " .. sandbox.root .. "/__sandbox/log")
local log = json.decode(h:read("a")) h:close()
local pages, counts = 0, 0
for _, e in ipairs(log) do
  if e.path == "/v2/orders/100/shipments" then pages = pages + 1 end
  if e.path == "/v2/orders/100/shipments/count" then counts = counts + 1 end
end
print(pages, counts)
""")
    rows = out.splitlines()
    # all: the count and page 1 together, then page 2; each: pages 1 and 2 (the second is short).
    assert rows == ["4\tT1\tT4\t4", "4\t1"]


def test_v3_keeps_the_name_and_v2_lives_under_bc_v2(run):
    out = lua(run, """
print(#bc.customers.list(), #bc.v2.customers.list())
print(bc.op.getCustomers == nil, bc.v2.op.getCustomers == nil)
local v3 = bc.op.getCustomers()
print(#v3)
help(bc.v2.op.getCustomers)
""")
    rows = out.splitlines()
    # One set of customers behind both (customers.v2.yml and customers.v3.yml).
    assert rows[0] == "3\t3"
    assert rows[1] == "false\tfalse"
    assert rows[2] == "3"
    assert "  GET /v2/customers" in out and "operationId: getCustomers (bc.v2.op.getCustomers)" in out


def test_a_v2_error_names_the_problem(run):
    out = lua(run, """
local ok, e = pcall(bc.orders.create, {customer_id = 1})
print(ok, e.status, tostring(e))
""")
    assert out.startswith("false\t400\t400 ")
    assert "products" in out and "(POST /v2/orders)" in out


def test_prices_for_a_customer_group_come_from_its_assigned_price_list(run):
    # The Pricing API reads prices (POST, but nothing is created): the catalog's by default,
    # the price list assigned to the customer group on the channel when there is one.
    out = lua(run, """
local v = bc.catalog.variants.list()[1]
local function price(group)
  local d = bc.pricing.products.query{channel_id = 1, currency_code = "USD", customer_group_id = group,
                                      items = {{product_id = v.product_id, variant_id = v.id}}}
  return d[1].calculated_price.as_entered, d[1].reference_request.variant_id == v.id
end
local group = bc.customer_groups.create{name = "Trade"}
bc.pricelists.assignments.create_many{{price_list_id = 1, customer_group_id = group.id, channel_id = 1}}
bc.pricelists.records.create(1, {{variant_id = v.id, currency = "usd", price = 1.25}})
print(price(0))
print(price(group.id))
local ok, e = pcall(bc.pricing.products.query, {channel_id = 1, currency_code = "XTS", items = {{product_id = 999999}}})
print(ok, e.status, e.errors["items.0.product_id"], e.errors.currency_code ~= nil)
print(bc.catalog.variants.list()[1].price == v.price)
""")
    rows = out.splitlines()
    assert rows[0].split("\t") == [str(rows[0].split("\t")[0]), "true"] and rows[0].split("\t")[0] != "1.25"
    assert rows[1] == "1.25\ttrue"
    assert rows[2] == "false\t422\tproduct 999999 does not exist\ttrue"
    assert rows[3] == "true"
