"""bc.* against the in-process sandbox: the first slice of the bindings (issue 4)."""
import json


def test_acceptance_each_counts_the_sandbox_products(run):
    r = run("run", "--sandbox", "-e", "for p in bc.catalog.products.each{limit=250} do n=(n or 0)+1 end print(n)")
    assert (r.returncode, r.stdout) == (0, "50\n"), r.stderr


def test_a_recipe_reads_updates_and_handles_errors(run, script):
    path = script("""
local p = bc.catalog.products.get(1)
assert(math.type(p.id) == "integer")
local data, meta = bc.catalog.products.list{["id:in"] = {1, 2, 3}, include_fields = "name,price"}
assert(#data == 3 and meta.pagination.total == 3)
local updated = bc.catalog.products.update(1, {price = 12.5})
assert(updated.price == 12.5)
local ok, err = pcall(bc.catalog.products.create, {name = p.name, type = "physical", weight = 1, price = 1})
assert(not ok and err.status == 409 and err.errors.name and err.method == "POST")
print(tostring(err))
assert(bc.catalog.products.count() == 50)
assert(#bc.catalog.products.all{limit = 7} == 50)
assert(bc.op.getProduct(1).price == 12.5)
assert(bc.catalog.products.delete(2) == true)
local results = async.map({3, 4, 5}, function(id) return bc.catalog.products.get(id).id end, {concurrency = 3})
print(table.concat(results, ","))
""")
    r = run("run", "--sandbox", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("409 Conflict: name: The product name is a duplicate (POST /v3/catalog/products)\n3,4,5\n")


def test_bad_arguments_name_the_binding_and_the_argument(run):
    r = run("run", "--sandbox", "-e", "print(select(2, pcall(bc.catalog.products.get, 'x'))) "
            "print(select(2, pcall(bc.catalog.products.delete_many))) "
            "print(select(2, pcall(function() return bc.catalog.prodcts end)))")
    assert r.stdout.splitlines() == [
        "bc.catalog.products.get: argument #1 (product_id) expected integer, got string",
        "bc.catalog.products.delete_many: refusing to delete everything without a filter; pass one "
        "(e.g. {[\"id:in\"] = {1, 2}}) or {all = true} if you mean it",
        "(command line):1: bc.catalog.prodcts: no such namespace; did you mean bc.catalog.products?",
    ]


def test_the_token_never_shows(run):
    r = run("run", "--sandbox", "-e", "local ok, e = pcall(bc.catalog.products.get, 999999) print(tostring(e))")
    assert "404" in r.stdout and "sandbox-token" not in r.stdout + r.stderr


def test_help_of_a_binding_shows_method_path_parameters_and_summary(run):
    r = run("-e", "help(bc.catalog.products.get)")
    assert r.stdout.splitlines()[:4] == [
        "bc.catalog.products.get(product_id, query?, options?)",
        "  GET /v3/catalog/products/{product_id}",
        "  Get a Product",
        "  path: product_id (integer)",
    ]


def test_docs_prints_the_whole_reference(run):
    r = run("docs")
    assert r.returncode == 0
    assert r.stdout.startswith("# Modules every script has")
    bindings = r.stdout[r.stdout.index("# storescript bindings"):r.stdout.index("\n## Any path")]
    assert bindings.count("\n### `") == 670  # 658 of the official files, 3 seed-only, 9 DigiCert
    assert r.stdout[r.stdout.index("\n## Any path"):].count("\n### `") == 5  # bc.request, get, post, put, delete
    assert "### `digicert.orders.create(product_id, body?, options?)`" in r.stdout
    assert "### `json.decode(text) -> value`" in r.stdout and "### `async.map(" in r.stdout


def test_docs_of_a_subtree_and_the_body_fields_of_a_binding(run):
    r = run("docs", "bc.catalog.brands")
    assert r.returncode == 0 and "# Modules" not in r.stdout
    assert r.stdout.count("\n### `") == r.stdout.count("### `bc.catalog.brands.")
    assert "    name (string, required)" in r.stdout
    assert run("docs", "bc.nope").returncode == 2
    h = run("run", "--sandbox", "-e", "help(bc.catalog.products.create)")
    assert '    type (string, required): "physical" | "digital"' in h.stdout
    assert "  returns data, meta" in h.stdout


def test_batch_forms_split_into_the_api_batch_size(run):
    code = """
local items = {}
for id = 1, 37 do items[#items + 1] = {id = id, price = id + 0.5} end
local updated = bc.catalog.products.update_many(items)
local h = io.popen('curl -s -H "X-Auth-Token: ' .. sandbox.token .. '" ' .. sandbox.root .. '/__sandbox/log')
local log = json.decode(h:read('a')) h:close()
local puts, largest = 0, 0
for _, e in ipairs(log) do
  if e.method == 'PUT' then puts = puts + 1 largest = math.max(largest, #e.body) end
end
print(#updated, puts, largest, bc.catalog.products.get(37).price)
"""
    r = run("run", "--sandbox", "-e", code)
    assert (r.returncode, r.stdout) == (0, "37\t4\t10\t37.5\n"), r.stderr


def test_the_raw_escape_hatch(run):
    code = """
local data, meta = bc.get("/v3/catalog/products", {limit = 2, ["id:in"] = {1, 2, 3}})
print(#data, meta.pagination.total)
print(bc.post("/v3/catalog/brands", {name = "Raw"}).name)
print(bc.request{method = "POST", path = "/v2/shipping/carrier/connection", body = {carrier_id = "royalmail", connection = {}}})
print(select(2, pcall(bc.request, {method = "PATCH", path = "/v3/x"})))
print(tostring(select(2, pcall(bc.get, "/v3/nope"))))
"""
    r = run("run", "--sandbox", "-e", code)
    assert r.stdout.splitlines() == [
        "2\t3", "Raw", "true", "bc.request: method must be GET, POST, PUT or DELETE",
        "404 Not Found: No such endpoint: /v3/nope (GET /v3/nope)",
    ], r.stderr


def test_verbose_logs_each_request_without_secrets(run):
    r = run("run", "--sandbox", "--verbose", "-e",
            "bc.catalog.products.get(1) pcall(bc.catalog.products.get, 99999) bc.catalog.products.list{sku = 'SKU-1'}")
    # Each line starts with its time (UTC), for cron logs.
    lines = [line.split(" ", 1)[1] for line in r.stderr.splitlines()]
    assert all(line.split(" ", 1)[0].endswith("Z") for line in r.stderr.splitlines())
    assert lines[0].startswith("GET /v3/catalog/products/1 200 ") and "left=149" in lines[0]
    assert lines[1].startswith("GET /v3/catalog/products/99999 404 ")
    assert lines[2].startswith("GET /v3/catalog/products 200 ") and "SKU-1" not in lines[2]
    assert "sandbox-token" not in r.stderr
    js = run("run", "--sandbox", "--verbose", "--log-format", "json", "-e", "bc.catalog.brands.list()")
    first = json.loads(js.stderr.splitlines()[0])
    assert (first["level"], first["msg"], first["method"], first["path"], first["status"]) == ("debug", "request", "GET", "/v3/catalog/brands", 200)
    assert first["time"].endswith("Z")
    assert list(first)[:4] == ["time", "level", "script", "msg"] and first["script"] == "-e"


def test_digicert_orders_are_checked_as_digicert_checks_them(run):
    code = """
local csr = certs.csr{key = certs.key{}, common_name = "shop.example.com"}
local order = {certificate = {common_name = "shop.example.com", csr = csr, signature_hash = "sha256"},
               validity_years = 1, organization = {id = 7}}
local o = digicert.orders.create("ssl_securesite", order)
print(o.requests[1].status, digicert.orders.get(o.id).product.name_id, digicert.orders.list().page.total)
for _, bad in ipairs{
  {"ssl_plus", order},
  {"ssl_securesite", {}},
  {"ssl_securesite", {certificate = {common_name = "shop.example.com", csr = "CSR", signature_hash = "md5"}, validity_years = 3}},
} do
  print(tostring(select(2, pcall(digicert.orders.create, bad[1], bad[2]))))
end
print(digicert.orders.list().page.total)
"""
    r = run("run", "--sandbox", "-e", code)
    lines = r.stdout.splitlines()
    assert lines[0] == "pending\tssl_securesite\t1", r.stderr
    assert lines[1].startswith("400 Bad Request: invalid_product: ssl_plus is not a product of this account")
    assert lines[2] == "400 Bad Request: missing_field: certificate is required (POST /services/v2/order/certificate/ssl_securesite)"
    assert "invalid_csr" in lines[3] and "invalid_signature_hash" in lines[3] and "missing_field: organization.id" in lines[3], lines[3]
    assert lines[4] == "1"


def test_digicerts_own_rate_limit_is_honoured_like_bigcommerces(run):
    code = """
local h = io.popen("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' -X PUT -d '{\\"digicert_rate_limit\\": {\\"quota\\": 3, \\"window_ms\\": 1500}}' " .. sandbox.root .. "/__sandbox/faults")
h:read("a") h:close()
for i = 1, 7 do assert(#digicert.products.list().products > 0) end
local log = json.decode(io.popen("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' " .. sandbox.root .. "/__sandbox/log"):read("a"))
local limited = 0
for _, e in ipairs(log) do
  if e.fault == "rate-limit" then limited = limited + 1 end
end
print(limited, bc.catalog.products.count() > 0)
"""
    r = run("run", "--sandbox", "-e", code, timeout=60)
    assert r.returncode == 0, r.stderr
    limited, store = r.stdout.split()
    # Seven calls against 3 per window: at most one 429 per window, each waited out, none fatal.
    assert 1 <= int(limited) <= 2 and store == "true"


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return f"{h:016x}"


def test_uploads_send_files_as_multipart_forms(run, tmp_path):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", '{"name": "Mine", "variations": [{"name": "Light", "id": "light"}]}')
        z.writestr("schema.json", "[]")
        z.writestr("templates/pages/home.html", "<h1>home</h1>")
    (tmp_path / "mytheme.zip").write_bytes(buf.getvalue())
    png = bytes.fromhex("89504e470d0a1a0a") + bytes(range(256)) * 40  # a PNG signature, then bytes of every value
    (tmp_path / "front.png").write_bytes(png)
    r = run("run", "--sandbox", "-e", r"""
local data = bc.themes.upload{file = "mytheme.zip"}
local job = bc.themes.jobs.get(data.job_id)
while job.status == "QUEUED" or job.status == "WORKING" do async.sleep(0.1); job = bc.themes.jobs.get(data.job_id) end
print(job.status, bc.themes.get(job.result.theme_id).name)
local img = bc.catalog.products.images.create(1, {image_file = "front.png", is_thumbnail = true, sort_order = 2})
print(img.image_url, img.is_thumbnail, math.type(img.sort_order))
print(bc.catalog.products.images.create(1, {image_url = "https://example.com/a.png"}).image_url)
print(bc.catalog.brands.image.create(1, {image_file = {filename = "b.gif", content = "GIF89a\0\1\2"}}).image_url)
for _, bad in ipairs{ {file = "front.png"}, {file = "missing.zip"}, {file = 42}, {file = {content = "x"}} } do
  local ok, e = pcall(bc.themes.upload, bad)
  print(tostring(e))
end
local log = json.decode(io.popen("curl -s -H 'X-Auth-Token: " .. sandbox.token .. "' " .. sandbox.root .. "/__sandbox/log"):read("a"))
for _, e in ipairs(log) do
  if e.body and (e.body.file or e.body.image_file) then
    local f = e.body.file or e.body.image_file
    print(e.method, e.path, f.filename, f.size, f.content_type, f.fnv1a)
  end
end
""", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "COMPLETED\tMine"
    assert lines[1] == "https://cdn.sandbox.invalid/s-sandbox/images/front.png\ttrue\tinteger"
    assert lines[2] == "https://example.com/a.png"
    assert lines[3] == "https://cdn.sandbox.invalid/s-sandbox/images/b.gif"
    assert "422" in lines[4] and "front.png is not a zip archive" in lines[4]
    assert "bc.themes.upload: payload.file: cannot read missing.zip: No such file or directory" == lines[5]
    assert "bc.themes.upload: payload.file: expected a file path or {filename = ..., content = ...}, got number" == lines[6]
    assert "needs a filename" in lines[7]
    arrived = lines[8:]
    assert f"POST\t/v3/themes\tmytheme.zip\t{len(buf.getvalue())}\tapplication/zip\t{fnv1a(buf.getvalue())}" in arrived
    assert f"POST\t/v3/catalog/products/1/images\tfront.png\t{len(png)}\timage/png\t{fnv1a(png)}" in arrived
    gif = b"GIF89a\0\1\2"
    assert f"POST\t/v3/catalog/brands/1/image\tb.gif\t{len(gif)}\timage/gif\t{fnv1a(gif)}" in arrived


def test_every_upsert_is_also_reachable_as_update(run):
    r = run("run", "--sandbox", "-e", """
bc.orders.settings.update{notifications = {order_placed = {email_addresses = {"ops@example.com"}}}}
print(bc.orders.settings.get().notifications.order_placed.email_addresses[1], help ~= nil)
local ok, e = pcall(bc.sites.certificate.update, bc.sites.list()[1].id, {})
print(ok or (e.method .. " " .. e.path))
for _, name in ipairs({"bc.sites.certificate", "bc.carts.settings", "bc.orders.settings", "bc.channels.site.checkout_url"}) do
  local t = load("return " .. name)()
  assert(type(t.update) == "function", name .. ".update")
end
""")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ops@example.com\ttrue"
    assert lines[1] in ("true", "PUT /v3/sites/1/certificate")


def test_all_fetches_the_remaining_pages_concurrently_in_order(run):
    r = run("run", "--sandbox", "-e", """
local seen = {}
for p in bc.catalog.products.each{limit = 7} do seen[#seen + 1] = p.id end
local all = bc.catalog.products.all{limit = 7}
assert(#all == #seen and #all == 50)
for i = 1, #all do assert(all[i].id == seen[i], "order at " .. i) end
local from3 = bc.catalog.products.all{limit = 7, page = 3}
print(#from3, from3[1].id == seen[15])
""")
    assert (r.returncode, r.stdout) == (0, "36\ttrue\n"), r.stderr


def test_a_batch_where_two_of_twelve_items_fail_raises_a_partial_failure_naming_them(run, script):
    path = script("""
local dup = bc.catalog.products.get(20).name
local updates = {}
for i = 1, 12 do updates[i] = {id = i, price = 10 + i} end
updates[3].name = dup          -- a duplicate name
updates[11].id = 999999        -- an unknown id
local ok, e = pcall(bc.catalog.products.update_many, updates)
assert(not ok and e.status == 207 and e.title == "Partial failure" and e.kind == "partial")
print(#e.succeeded, #e.failed, e.failed[1].index, e.failed[1].status, e.failed[2].index, e.failed[2].status)
local data, meta = bc.catalog.products.update_many(updates, {partial = "return"})
print(#data, #meta.failed, meta.failed[2].id)
bc.catalog.products.update_many(updates)
""")
    r = run("run", "--sandbox", path)
    assert r.returncode == 1
    assert r.stdout == "10\t2\t3\t409\t11\t404\n10\t2\t999999\n"
    assert "207 Partial failure: 2 of 12 items failed: #3 (id 3): 409" in r.stderr
    assert "#11 (id 999999): 404" in r.stderr


def test_a_split_part_that_fails_outright_is_reported_item_by_item(run):
    r = run("run", "--sandbox", "-e", """
local updates = {}
for i = 1, 12 do updates[i] = {id = i, price = 1} end
updates[11].price = "not a number"   -- the second request (items 11 and 12) is refused whole
updates[12].price = "not a number"
local ok, e = pcall(bc.catalog.products.update_many, updates)
print(e.kind, #e.succeeded, #e.failed, e.failed[1].index, e.failed[2].index, e.failed[2].status)
local ok1, e1 = pcall(bc.catalog.products.update_many, {{id = 1, price = "x"}})
print(e1.status, e1.title ~= "Partial failure")
""")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "partial\t10\t2\t11\t12\t422\n422\ttrue\n"


def test_request_options_are_read_alike_by_bindings_bc_request_and_the_list_helpers(run):
    # One parser: the same bad timeout, misspelt option and bad headers are refused by a
    # binding, by bc.request and by the helpers beside a list, which pass options to every page.
    code = r"""
local function why(f, ...) local ok, e = pcall(f, ...) return ok and "accepted" or tostring(e):gsub("^[^:]+:%d+: ", "") end
print(why(bc.catalog.products.get, 1, nil, {timeout = "soon"}))
print(why(bc.request, {method = "GET", path = "/v3/catalog/products/1", timeout = "soon"}))
print(why(bc.catalog.products.all, nil, {timeout = "soon"}))
print(why(bc.catalog.products.get, 1, nil, {timout = 5}))
print(why(bc.request, {method = "GET", path = "/v3/catalog/products/1", timout = 5}))
print(why(bc.catalog.products.get, 1, nil, {headers = {["X-Test"] = 1}}))
print(why(bc.request, {method = "GET", path = "/v3/catalog/products/1", headers = {["X-Test"] = 1}}))
print(why(bc.catalog.products.get, 1, nil, {timeout = 5, headers = {["X-Test"] = "a"}}), #bc.catalog.products.all(nil, {timeout = 5}))
"""
    r = run("run", "--sandbox", "-e", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        'bc.catalog.products.get: option timeout expected a positive number of seconds, got "soon"',
        'bc.request: option timeout expected a positive number of seconds, got "soon"',
        'bc.catalog.products.list: option timeout expected a positive number of seconds, got "soon"',
        "bc.catalog.products.get: argument #3 (options) has no field timout (it takes headers, partial, query, timeout)",
        "bc.request: argument #1 (request) has no field timout (it takes body, headers, method, path, query, timeout)",
        "bc.catalog.products.get: option headers expected names and values that are strings, got string = number",
        "bc.request: option headers expected names and values that are strings, got string = number",
        "accepted\t50",
    ]


def test_digicert_orders_and_v2_customers_page_as_their_help_says(run):
    code = r"""
for i = 1, 3 do
  local host = "page" .. i .. ".example.com"
  digicert.orders.create("ssl_securesite_flex", {certificate = {common_name = host, signature_hash = "sha256",
    csr = certs.csr{key = certs.key{type = "ecdsa"}, common_name = host}}, validity_years = 1, organization = {id = 1}})
end
local n = 0
for _ in digicert.orders.each{limit = 2} do n = n + 1 end
print(n, #digicert.orders.all{limit = 2}, digicert.orders.count())
print(type(bc.v2.customers.each), type(bc.v2.customers.all), type(bc.v2.customers.count))
"""
    r = run("run", "--sandbox", "-e", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["3\t3\t3", "function\tfunction\tfunction"]
