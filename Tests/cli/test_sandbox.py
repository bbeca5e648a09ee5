"""The embedded sandbox store over real HTTP: the API's envelope, errors, catalog rules,
rate limits and faults."""
import json
import re
import socket
import time

import pytest
import requests

from sandbox_support import Sandbox, new_product, self_signed
from test_catalog import generated


def test_acceptance_two_products_with_pagination_and_rate_limit_headers(bin_path):
    sb = Sandbox(bin_path)
    try:
        r = sb.get("/v3/catalog/products", params={"limit": 2})
        assert r.status_code == 200
        body = r.json()
        assert len(body["data"]) == 2
        p = body["meta"]["pagination"]
        assert (p["count"], p["per_page"], p["current_page"]) == (2, 2, 1)
        assert p["total"] == 50 and p["total_pages"] == 25 and "next" in p["links"]
        for h in ["X-Rate-Limit-Time-Window-Ms", "X-Rate-Limit-Time-Reset-Ms", "X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Requests-Left"]:
            assert h in r.headers
        assert r.headers["X-Rate-Limit-Requests-Quota"] == "150"
        assert r.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    finally:
        sb.stop()


def test_auth_unknown_paths_methods_and_bodies(sandbox):
    r = sandbox.get("/v3/catalog/products", auth=False)
    assert r.status_code == 401 and r.json()["title"] == "Unauthorized"
    assert sandbox.get("/v3/catalog/products", headers={"X-Auth-Token": "wrong"}).status_code == 401
    assert sandbox.get("/v3/no/such/thing").status_code == 404
    assert sandbox.request("PATCH", "/v3/catalog/products/1").status_code == 405
    assert sandbox.request("POST", "/v3/catalog/products", data="x", headers={"Content-Type": "text/plain"}).status_code == 415
    r = sandbox.request("POST", "/v3/catalog/products", data="{bad", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["title"]
    v2 = sandbox.get("/v2/shipping/carrier/connection", auth=False)
    assert v2.status_code == 401 and isinstance(v2.json(), list)


def test_every_catalog_operation_answers(sandbox):
    checked = 0
    for (method, path), f in generated().items():
        if path.startswith("/services/"):
            continue
        concrete = re.sub(r"\{[^}]*\}", "1", path)
        body = [] if f[6] == "1" else {}
        r = sandbox.request(method, concrete, json_body=body if method in ("POST", "PUT") else None)
        assert r.status_code < 500 and r.status_code != 405, (method, path, r.status_code, r.text[:200])
        if r.status_code == 404:
            assert "No such endpoint" not in r.text, (method, path)
        checked += 1
    print(f"{checked} operations answered")
    assert checked == len([k for k in generated() if not k[1].startswith("/services/")]) == 661


def test_product_lifecycle_duplicates_and_validation(sandbox):
    r = sandbox.post("/v3/catalog/products", new_product(1, sku="T-1", sale_price=8.0))
    assert r.status_code == 200
    p = r.json()["data"]
    assert isinstance(p["id"], int) and p["calculated_price"] == 8.0 and p["date_created"]
    assert sandbox.get(f"/v3/catalog/products/{p['id']}").json()["data"]["name"] == "Test product 1"
    dup = sandbox.post("/v3/catalog/products", new_product(1))
    assert dup.status_code == 409 and "name" in dup.json()["errors"]
    dup_sku = sandbox.post("/v3/catalog/products", new_product(2, sku="T-1"))
    assert dup_sku.status_code == 409 and "sku" in dup_sku.json()["errors"]
    missing = sandbox.post("/v3/catalog/products", {"name": "only a name"})
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"type", "weight", "price"}
    assert missing.json()["type"].startswith("https://")
    wrong = sandbox.post("/v3/catalog/products", new_product(3, price="ten"))
    assert wrong.status_code == 422 and "price" in wrong.json()["errors"]
    upd = sandbox.put(f"/v3/catalog/products/{p['id']}", {"price": 20.0, "sale_price": 0})
    assert upd.json()["data"]["calculated_price"] == 20.0
    assert sandbox.delete(f"/v3/catalog/products/{p['id']}").status_code == 204
    assert sandbox.get(f"/v3/catalog/products/{p['id']}").status_code == 404


def test_batch_update_limit_and_partial_failure(sandbox):
    too_many = [{"id": i, "price": 1} for i in range(1, 12)]
    assert sandbox.put("/v3/catalog/products", too_many).status_code == 413
    r = sandbox.put("/v3/catalog/products", [{"id": 1, "price": 3.5}, {"id": 999999, "price": 1}])
    assert r.status_code == 207
    body = r.json()
    assert [d["id"] for d in body["data"]] == [1] and len(body["errors"]) == 1
    assert sandbox.get("/v3/catalog/products/1").json()["data"]["price"] == 3.5
    ok = sandbox.put("/v3/catalog/products", [{"id": 2, "price": 4}, {"id": 3, "price": 5}])
    assert ok.status_code == 200 and len(ok.json()["data"]) == 2


def test_batches_documented_with_207_refuse_bad_items_one_by_one(sandbox):
    # POST /v3/catalog/trees/categories answers 207 in the official file: the good items are
    # made, each bad one is reported.
    r = sandbox.post("/v3/catalog/trees/categories", [{"name": "Lamps", "tree_id": 1, "parent_id": 0},
                                                      {"tree_id": 1, "parent_id": 0},
                                                      {"name": "Rugs", "tree_id": 999, "parent_id": 0}])
    assert r.status_code == 207, r.text
    body = r.json()
    assert [d["name"] for d in body["data"]] == ["Lamps"]
    assert sorted(e["status"] for e in body["errors"]) == [422, 422]
    assert any("name" in e["errors"] for e in body["errors"]) and any("tree_id" in e["errors"] for e in body["errors"])
    # Every item bad: the batch fails whole, in the operation's error shape.
    r = sandbox.post("/v3/customers/metafields", [{"resource_id": 999, "namespace": "n", "key": "k", "value": "v",
                                                   "permission_set": "read"}])
    assert r.status_code == 422 and isinstance(r.json()["errors"], list)


def test_request_values_never_trap_the_server(sandbox):
    # Arithmetic on what a request says (a page past any store, a quantity or a price past an
    # Int64 of cents) answers, and the server stays up.
    r = sandbox.get("/v3/catalog/products", params={"page": "4611686018427387904", "limit": "250"})
    assert r.status_code == 200 and r.json()["data"] == []
    assert sandbox.get("/v2/orders", params={"page": "4611686018427387904"}).json() == []
    line = {"product_id": 1, "quantity": 9223372036854775807}
    assert sandbox.post("/v2/orders", {"customer_id": 1, "products": [line]}).status_code == 400
    line = {"name": "Custom", "quantity": 2, "price_inc_tax": 1.0e300}
    assert sandbox.post("/v2/orders", {"customer_id": 1, "products": [line]}).status_code == 200
    r = sandbox.post("/v3/catalog/products", {"name": "Dear", "type": "physical", "weight": 1, "price": 1.7e308})
    assert r.status_code == 200 and r.json()["data"]["calculated_price"] == 1.7e308
    assert sandbox.get("/v3/catalog/summary").status_code == 200
    for sort in ("", ":", ":desc"):
        assert sandbox.get("/v2/orders", params={"sort": sort}).status_code == 200


def test_delete_many_needs_a_filter(sandbox):
    r = sandbox.delete("/v3/catalog/products")
    assert r.status_code == 422
    assert sandbox.get("/v3/catalog/products").json()["meta"]["pagination"]["total"] == 50
    assert sandbox.delete("/v3/catalog/products", params={"id:in": "1,2"}).status_code == 204
    assert sandbox.get("/v3/catalog/products").json()["meta"]["pagination"]["total"] == 48


def test_filters_fields_sorting_and_limits(sandbox):
    get = lambda **q: sandbox.get("/v3/catalog/products", params=q).json()
    assert [p["id"] for p in get(**{"id:in": "3,1,2"})["data"]] == [1, 2, 3]
    assert all("mug" in p["name"].lower() for p in get(**{"name:like": "mug"})["data"])
    assert all(p["price"] >= 50 for p in get(**{"price:min": 50})["data"])
    assert all(2 in p["categories"] for p in get(**{"categories:in": "2"})["data"])
    assert all(p["is_visible"] is False for p in get(is_visible="false")["data"])
    assert all(p["inventory_level"] <= 10 for p in get(**{"inventory_level:max": 10})["data"])
    assert get(**{"date_modified:min": "2030-01-01"})["data"] == []
    assert get(sku="SKU-7")["data"][0]["id"] == 7
    assert get(keyword="Lantern")["meta"]["pagination"]["total"] == 5
    trimmed = get(include_fields="name,price", limit=1)["data"][0]
    assert set(trimmed) == {"id", "name", "price"}
    assert "description" not in get(exclude_fields="description", limit=1)["data"][0]
    prices = [p["price"] for p in get(sort="price", direction="desc")["data"]]
    assert prices == sorted(prices, reverse=True)
    assert get()["meta"]["pagination"]["per_page"] == 50
    assert get(limit=1000)["meta"]["pagination"]["per_page"] == 250
    assert get(limit=20, page=3)["meta"]["pagination"]["current_page"] == 3


def test_sub_resources_include_and_store_wide_variants(sandbox):
    p = sandbox.get("/v3/catalog/products/3", params={"include": "variants,images,primary_image"}).json()["data"]
    assert len(p["variants"]) == 2 and p["images"] and p["primary_image"]["is_thumbnail"] is True
    all_variants = sandbox.get("/v3/catalog/variants", params={"limit": 250}).json()
    # Every product has variants (products_catalog.v3.yml, base_variant_id): the 34 simple ones
    # a base variant each, the 16 with sizes two each.
    assert all_variants["meta"]["pagination"]["total"] == 34 + 32
    assert [v["id"] for v in all_variants["data"]] == sorted(v["id"] for v in all_variants["data"])
    assert sandbox.get("/v3/catalog/products/99999/images").status_code == 404
    summary = sandbox.get("/v3/catalog/summary").json()["data"]
    assert summary["variant_count"] == 66 and summary["primary_category_name"] == "Apparel"
    tree = sandbox.get("/v3/catalog/categories/tree").json()["data"]
    assert tree[0]["name"] == "Apparel" and tree[0]["children"]


def test_variant_option_values_must_exist(sandbox):
    good = sandbox.post("/v3/catalog/products/3/variants", {"sku": "NEW-3", "option_values": [{"option_id": 1, "id": 2}]})
    assert good.status_code == 200
    bad = sandbox.post("/v3/catalog/products/3/variants", {"sku": "BAD-3", "option_values": [{"option_id": 1, "id": 77}]})
    assert bad.status_code == 422 and "option_values" in bad.json()["errors"]


def test_metafield_namespace_and_key_are_unique(sandbox):
    mf = {"namespace": "ops", "key": "owner", "value": "ada", "permission_set": "app_only"}
    assert sandbox.post("/v3/catalog/products/1/metafields", mf).status_code == 200
    again = sandbox.post("/v3/catalog/products/1/metafields", mf)
    assert again.status_code == 409
    assert sandbox.post("/v3/catalog/products/2/metafields", mf).status_code == 200
    store_wide = sandbox.get("/v3/catalog/products/metafields").json()
    assert store_wide["meta"]["pagination"]["total"] == 2


def test_calculated_price_follows_a_bulk_rule(sandbox):
    sandbox.post("/v3/catalog/products/4/bulk-pricing-rules", {"quantity_min": 1, "quantity_max": 0, "type": "percent", "amount": 50})
    p = sandbox.put("/v3/catalog/products/4", {"price": 40.0, "sale_price": 0}).json()["data"]
    assert p["calculated_price"] == 20.0


def test_rate_limit_answers_429_with_retry_after_and_recovers(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "5/2s")
    try:
        statuses, empties = [], 0
        for _ in range(8):
            r = sb.get("/v3/catalog/brands")
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["X-Retry-After"]) >= 1
                assert int(r.headers["X-Rate-Limit-Requests-Left"]) == 0
                empties += r.content == b""
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3
        assert 0 < empties < 3  # sometimes an empty body, as the real API does
        time.sleep(int(r.headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000 + 0.1)
        assert sb.get("/v3/catalog/brands").status_code == 200
    finally:
        sb.stop()


def test_injected_server_errors_and_storms(sandbox):
    sandbox.faults(error_rate=1.0)
    codes = {sandbox.get("/v3/catalog/brands").status_code for _ in range(20)}
    assert codes <= {500, 502, 503, 504} and len(codes) >= 2
    sandbox.faults(error_rate=0, storm_rate=1.0, storm_ms=500)
    assert sandbox.get("/v3/catalog/brands").status_code == 429
    sandbox.faults(storm_rate=0)
    assert sandbox.get("/v3/catalog/brands").status_code == 429  # the storm lasts storm_ms
    time.sleep(0.6)
    assert sandbox.get("/v3/catalog/brands").status_code == 200


def test_dropped_before_apply_changes_nothing(sandbox):
    sandbox.faults(drop_before_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.post("/v3/catalog/brands", {"name": "Never"})
    sandbox.faults(drop_before_rate=0)
    names = [b["name"] for b in sandbox.get("/v3/catalog/brands").json()["data"]]
    assert "Never" not in names
    entry = [e for e in sandbox.log() if e["method"] == "POST"][-1]
    assert entry["applied"] is False and entry["fault"] == "drop-before"


def test_dropped_after_apply_shows_in_the_log_as_applied(sandbox):
    sandbox.faults(drop_after_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.post("/v3/catalog/brands", {"name": "Applied anyway"})
    sandbox.faults(drop_after_rate=0)
    names = [b["name"] for b in sandbox.get("/v3/catalog/brands").json()["data"]]
    assert names.count("Applied anyway") == 1
    entry = [e for e in sandbox.log() if e["method"] == "POST"][-1]
    assert entry["applied"] is True and entry["fault"] == "drop-after"
    assert entry["body"] == {"name": "Applied anyway"}


def test_slow_answers_outlast_the_client_timeout(sandbox):
    sandbox.faults(slow_rate=1.0, slow_ms=3000)
    start = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        sandbox.get("/v3/catalog/brands", timeout=0.3)
    assert time.monotonic() - start < 2.5
    sandbox.faults(slow_rate=0)


def test_truncated_bodies(sandbox):
    sandbox.faults(truncate_rate=1.0)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        sandbox.get("/v3/catalog/products")
    sandbox.faults(truncate_rate=0)
    assert sandbox.get("/v3/catalog/products").status_code == 200


def test_latency_range(sandbox):
    sandbox.faults(latency_ms=100, latency_max_ms=150)
    start = time.monotonic()
    sandbox.get("/v3/catalog/brands")
    assert 0.1 <= time.monotonic() - start < 1.0


def test_faults_repeat_with_a_seed(bin_path):
    # storm-ms=0: a storm answers only the request that rolled it, so the sequence does not
    # depend on how fast the requests come (with 1 ms, a fast machine met its storm twice).
    runs = []
    for _ in range(2):
        sb = Sandbox(bin_path, "--rate-limit", "off", "--faults", "error=0.3,storm=0.05,storm-ms=0", "--seed", "42")
        try:
            runs.append([sb.get("/v3/catalog/brands").status_code for _ in range(40)])
        finally:
            sb.stop()
    assert runs[0] == runs[1]
    assert 200 in runs[0] and any(c >= 500 for c in runs[0]) and 429 in runs[0]


def test_hostile_input_never_kills_the_server(sandbox):
    deep = "[" * 100000 + "]" * 100000
    r = sandbox.request("POST", "/v3/catalog/products", data=deep, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    huge = b"{" + b'"a":1,' * 2_000_000 + b'"b":2}'
    r = sandbox.request("POST", "/v3/catalog/products", data=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    import random
    rnd = random.Random(7)
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", sandbox.port), timeout=5)
        s.sendall(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400))))
        s.close()
    for q in ["limit=abc", "page=-4", "id:in=x,y", "sort=%00", "price:min=NaN", "include=%ff%fe"]:
        assert sandbox.get("/v3/catalog/products?" + q).status_code < 500
    assert sandbox.alive()
    assert sandbox.get("/v3/catalog/products/1").status_code == 200


def test_a_hundred_thousand_products(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "off", "--products", "100000")
    try:
        r = sb.get("/v3/catalog/products", params={"limit": 1})
        assert r.json()["meta"]["pagination"]["total"] == 100000
        assert sb.get("/v3/catalog/products/100000").status_code == 200
    finally:
        sb.stop()


def test_a_db_sandbox_survives_a_restart(bin_path, tmp_path):
    db = str(tmp_path / "store.db")
    sb = Sandbox(bin_path, "--rate-limit", "off", "--db", db)
    try:
        created = sb.post("/v3/catalog/brands", {"name": "Kept"}).json()["data"]
        assert sb.delete("/v3/catalog/brands/2").status_code == 204
        sb.put("/v3/catalog/products/1", {"price": 77.0})
        pem, key = self_signed("sandbox.example.com")
        secret = key.splitlines()[1]
        r = sb.put("/v3/sites/1/certificate", {"certificate": {"certificate": pem, "private_key": key}})
        assert r.status_code == 200, r.text
        assert secret not in json.dumps(sb.log()) and secret not in json.dumps(sb.state())
    finally:
        sb.stop()
    sb = Sandbox(bin_path, "--rate-limit", "off", "--db", db)
    try:
        brands = sb.get("/v3/catalog/brands").json()["data"]
        assert [b["name"] for b in brands] == ["Common Good", "OFS", "Kept"]
        assert sb.get("/v3/catalog/products/1").json()["data"]["price"] == 77.0
        cert = sb.get("/v3/sites/1/certificate").json()["data"]
        assert cert["status"] == "dedicated" and cert["installed_certificate"]["certificate"] == pem
        assert "private_key" not in json.dumps(cert)
        assert secret not in json.dumps(sb.log()) and secret not in json.dumps(sb.state())
        assert sb.post("/v3/catalog/brands", {"name": "After"}).json()["data"]["id"] == created["id"] + 1
    finally:
        sb.stop()


@pytest.mark.parametrize("content", [b"garbage, not SQLite", b"SQLite format 3\x00" + b"\x01" * 200])
def test_a_corrupt_db_is_refused_and_left_alone(run, tmp_path, content):
    db = tmp_path / "bad.db"
    db.write_bytes(content)
    r = run("sandbox", "serve", "--port", "0", "--db", str(db), timeout=20)
    assert r.returncode == 2
    assert str(db) in r.stderr and ("not a" in r.stderr or "cannot open" in r.stderr)
    assert db.read_bytes() == content


def test_a_foreign_sqlite_db_is_refused(run, tmp_path):
    import sqlite3
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE people(name TEXT)")
    con.commit()
    con.close()
    before = db.read_bytes()
    r = run("sandbox", "serve", "--port", "0", "--db", str(db), timeout=20)
    assert r.returncode == 2 and "not a storescript sandbox" in r.stderr
    assert db.read_bytes() == before


def test_run_sandbox_starts_one_in_process(run):
    code = """
    local h = io.popen('curl -s -H "X-Auth-Token: ' .. sandbox.token .. '" "' .. sandbox.url .. '/v3/catalog/brands"')
    local body = h:read('a') h:close()
    print(sandbox.url:match('^http://127%.0%.0%.1:%d+/stores/sandbox$') ~= nil, body:find('Common Good', 1, true) ~= nil)
    """
    r = run("run", "--sandbox", "-e", code)
    assert (r.returncode, r.stdout) == (0, "true\ttrue\n"), r.stderr


def test_repl_sandbox_says_so_in_its_banner(run):
    r = run("repl", "--sandbox", input="sandbox.url\n")
    assert "sandbox store at http://127.0.0.1:" in r.stdout


def test_bodies_are_checked_against_the_official_request_schema(sandbox):
    r = sandbox.put("/v3/sites/1/certificate", {"certificate": "not an object"})
    assert r.status_code == 422 and r.json()["errors"]["certificate"] == "certificate must be an object, got string"
    r = sandbox.post("/v3/catalog/brands", {"name": "x" * 300})
    assert r.status_code == 422 and "longer than 255" in r.json()["errors"]["name"]
    # Fields the official schema does not describe are dropped, as the API ignores them.
    created = sandbox.post("/v3/catalog/brands", {"name": "Extra fields", "undocumented": 1}).json()["data"]
    assert "undocumented" not in created
    r = sandbox.post("/v3/catalog/products/3/modifiers", {"type": "dropdown", "required": False, "display_name": "Gift wrap",
                                                          "option_values": [{"is_default": False}]})
    assert r.status_code == 422 and "option_values.0.label" in r.json()["errors"]


def test_the_request_log_keeps_only_what_the_store_applied_and_redacts_secrets(sandbox):
    sandbox.request("DELETE", "/__sandbox/log")
    big = {"name": "x" * 3_000_000, "type": "physical"}  # refused: no weight, no price
    for _ in range(5):
        assert sandbox.post("/v3/catalog/products", big).status_code == 422
    ok = sandbox.post("/v3/catalog/products", {"name": "Kept", "type": "physical", "weight": 1, "price": 2})
    assert ok.status_code == 200
    sandbox.get("/v3/catalog/products", params={"api_key": "hunter2", "limit": "1"})
    pem, key = self_signed("sandbox.example.com")
    assert sandbox.put("/v3/sites/1/certificate", {"certificate": {"certificate": pem, "private_key": key}}).status_code == 200
    r = requests.get(sandbox.root + "/__sandbox/log", headers=sandbox.control, timeout=5)
    log = r.json()
    assert r.headers["X-Sandbox-Log-Dropped"] == "0"
    refused = [e for e in log if e["status"] == 422 and e["method"] == "POST"]
    assert len(refused) == 5 and all("body" not in e and e["body_bytes"] > 3_000_000 for e in refused)
    assert [e["body"]["name"] for e in log if e["status"] == 200 and e["method"] == "POST"] == ["Kept"]
    assert any(e["query"] == "api_key=***&limit=1" for e in log)
    assert "hunter2" not in r.text and "BEGIN PRIVATE KEY" not in r.text
    assert [e["body"]["certificate"]["private_key"] for e in log if e["method"] == "PUT"] == ["***"]


def test_a_large_faults_body_is_413_not_500(sandbox):
    r = requests.put(sandbox.root + "/__sandbox/faults", data=b"{" + b" " * (1 << 20) + b"}", headers=sandbox.control, timeout=10)
    assert r.status_code == 413


def test_the_control_endpoints_need_the_token(sandbox):
    # Every local user reaches a loopback port: faults, state, log and time are the token's.
    for method, path in (("GET", "/__sandbox/state"), ("GET", "/__sandbox/log"), ("DELETE", "/__sandbox/log"),
                         ("GET", "/__sandbox/faults"), ("PUT", "/__sandbox/faults"), ("GET", "/__sandbox/time"),
                         ("PUT", "/__sandbox/time")):
        for headers in ({}, {"X-Auth-Token": "wrong"}, {"X-Auth-Token": sandbox.token + "x"}):
            r = requests.request(method, sandbox.root + path, headers=headers, data="{}", timeout=5)
            assert r.status_code == 401 and "control endpoints need its token" in r.text, (method, path, r.status_code)
    assert requests.get(sandbox.root + "/__sandbox/state", headers=sandbox.control, timeout=5).status_code == 200


def test_the_database_file_is_private_and_a_half_seeded_file_is_seeded(bin_path, tmp_path):
    import os
    import sqlite3
    db = tmp_path / "sandbox.db"
    sb = Sandbox(bin_path, "--db", str(db))
    try:
        assert sb.get("/v3/catalog/products/1").status_code == 200
    finally:
        sb.stop()
    for f in [db] + [p for p in tmp_path.iterdir() if p.name.startswith("sandbox.db-")]:
        assert os.stat(f).st_mode & 0o077 == 0, f
    # A server killed between the schema and the seed leaves the schema alone: it is seeded on the next start.
    with sqlite3.connect(db) as c:
        for (table,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'e:%' OR name LIKE 'm:%')").fetchall():
            c.execute(f'DROP TABLE "{table}"')
        c.execute("DELETE FROM singletons")
        c.execute("DELETE FROM meta WHERE key = 'seeded'")
    sb = Sandbox(bin_path, "--db", str(db))
    try:
        assert sb.get("/v3/catalog/products").json()["meta"]["pagination"]["total"] == 50
    finally:
        sb.stop()


def test_fields_the_schema_does_not_describe_are_dropped_or_refused_as_it_says(sandbox):
    r = sandbox.post("/v3/catalog/products", {"name": "Plain", "type": "physical", "weight": 1, "price": 2, "privateKey": "x"})
    assert r.status_code == 200 and "privateKey" not in r.json()["data"]
    assert "privateKey" not in sandbox.get(f"/v3/catalog/products/{r.json()['data']['id']}").json()["data"]
    # POST /v3/tax/classes says additionalProperties: false.
    r = sandbox.post("/v3/tax/classes", [{"name": "Books", "rate": 5}])
    assert r.status_code == 422 and "rate" in r.text
    assert sandbox.post("/v3/tax/classes", [{"name": "Books"}]).status_code == 200
    # A field the API takes that the official file leaves out is kept (a modifier value's label).
    r = sandbox.post("/v3/catalog/products/1/modifiers", {"display_name": "Engraving", "type": "dropdown", "required": False,
                                                        "option_values": [{"label": "Yes", "sort_order": 0}]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["option_values"][0]["label"] == "Yes"


def test_idle_and_slow_connections_time_out_and_cannot_starve_the_port(bin_path):
    import resource
    import socket
    # Few descriptors, as under a tight ulimit: more idle connections than it has.
    limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    sb = Sandbox(bin_path, "--rate-limit", "off", "--idle-timeout", "1s", preexec_fn=limit)
    try:
        idle = []
        for _ in range(300):
            try:
                idle.append(socket.create_connection(("127.0.0.1", sb.port), timeout=2))
            except OSError:
                break
        slow = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
        slow.send(b"GET /stores/sandbox/v3/catalog/products HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        start = time.monotonic()
        assert slow.recv(10) == b"" and time.monotonic() - start < 4  # closed by the sandbox
        deadline = time.monotonic() + 10
        while True:  # the idle ones are closed too, and the port answers again
            try:
                if sb.get("/v3/catalog/products", params={"limit": 1}, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the sandbox did not answer again"
        for s in idle:
            s.settimeout(3)
            assert s.recv(10) == b""
    finally:
        sb.stop()
