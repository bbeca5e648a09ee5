"""The sandbox is one store behind every view (issue 20): what the real API shows through two
doors is one set of rows, relations hold on delete and on write, lists filter, sort and page
as the official files say. Each test names the file (or seed) it holds the sandbox to."""
import base64
import json

import pytest
import requests

from sandbox_support import Sandbox, new_product


@pytest.fixture
def sb(sandbox):
    return sandbox


def data(r):
    assert r.status_code < 300, (r.status_code, r.text)
    return r.json()["data"] if r.text and isinstance(r.json(), dict) and "data" in r.json() else r.json()


# -- customers.v2.yml and customers.v3.yml: one set ------------------------------------------

def test_v2_and_v3_customers_are_one_set_with_the_same_ids_and_counts(sb):
    v3 = sb.get("/v3/customers", params={"limit": 250}).json()
    v2 = sb.get("/v2/customers", params={"limit": 250}).json()
    assert [c["id"] for c in v2] == [c["id"] for c in v3["data"]] and len(v2) == 3
    assert sb.get("/v2/customers/count").json()["count"] == v3["meta"]["pagination"]["total"] == 3
    # Made through v2, seen (and changed) through v3; made through v3, seen through v2.
    made = sb.post("/v2/customers", {"first_name": "Mary", "last_name": "Somerville", "email": "mary@example.com",
                                     "store_credit": 12}).json()
    seen = data(sb.get("/v3/customers", params={"id:in": made["id"]}))[0]
    assert seen["email"] == "mary@example.com"
    assert seen["store_credit_amounts"] == [{"amount": 12}]
    assert sb.get(f"/v2/customers/{made['id']}").json()["store_credit"] == "12.0000"
    assert data(sb.put("/v3/customers", [{"id": made["id"], "last_name": "Fairfax"}]))[0]["last_name"] == "Fairfax"
    assert sb.get(f"/v2/customers/{made['id']}").json()["last_name"] == "Fairfax"
    v3made = data(sb.post("/v3/customers", [{"first_name": "Emmy", "last_name": "Noether", "email": "emmy@example.com"}]))[0]
    v2seen = sb.get(f"/v2/customers/{v3made['id']}").json()
    assert v2seen["email"] == "emmy@example.com" and v2seen["addresses"]["resource"] == f"/customers/{v3made['id']}/addresses"
    assert sb.get("/v2/customers/1").json()["accepts_marketing"] is True  # v3's accepts_product_review_abandoned_cart_emails
    assert " +0000" in v2seen["date_created"]  # v2 writes RFC 2822
    # Deleted through one, gone from both.
    assert sb.delete(f"/v2/customers/{made['id']}").status_code == 204
    assert not data(sb.get("/v3/customers", params={"id:in": made["id"]}))
    assert sb.get("/v2/customers/count").json()["count"] == 4


def test_addresses_are_one_set_under_v2_and_v3_names(sb):
    v2 = sb.get("/v2/customers/1/addresses").json()
    v3 = data(sb.get("/v3/customers/addresses", params={"customer_id:in": 1}))
    assert [a["id"] for a in v2] == [a["id"] for a in v3] and v2[0]["street_1"] == v3[0]["address1"]
    made = sb.post("/v2/customers/1/addresses", {"first_name": "Ada", "last_name": "Lovelace", "street_1": "2 Analytical Row",
                                                 "city": "London", "state": "England", "zip": "EC1A 1BB", "country": "United Kingdom",
                                                 "phone": "555"}).json()
    assert made["street_1"] == "2 Analytical Row"
    v3 = data(sb.get("/v3/customers/addresses", params={"customer_id:in": 1}))
    assert [a["address1"] for a in v3] == ["1 Analytical Row", "2 Analytical Row"]
    assert data(sb.get("/v3/customers", params={"id:in": 1}))[0]["address_count"] == 2
    # customers.v3.yml: an address that already exists is no change, and absent from the answer.
    same = {k: v3[0][k] for k in ("first_name", "last_name", "company", "phone", "address_type", "address1", "address2", "city",
                                  "country_code", "state_or_province", "postal_code")}
    again = sb.post("/v3/customers/addresses", [dict(same, customer_id=1)])
    assert again.status_code == 200 and again.json()["data"] == []
    assert len(data(sb.get("/v3/customers/addresses", params={"customer_id:in": 1}))) == 2


def test_customer_emails_are_unique_without_case_and_batches_hold_ten(sb):
    r = sb.post("/v3/customers", [{"first_name": "A", "last_name": "L", "email": "ADA@example.com"}])
    assert r.status_code == 422 and "email" in r.text
    eleven = [{"first_name": "N", "last_name": str(i), "email": f"n{i}@example.com"} for i in range(11)]
    assert sb.post("/v3/customers", eleven).status_code == 413


# -- categories_catalog.v3.yml and category-trees_catalog.v3.yml: one set ----------------------

def test_flat_categories_and_the_tree_are_one_set(sb):
    flat = data(sb.get("/v3/catalog/categories"))
    tree = data(sb.get("/v3/catalog/trees/categories"))
    assert [c["id"] for c in flat] == [c["category_id"] for c in tree] and len(flat) == 6
    assert all(c["tree_id"] == 1 for c in tree) and tree[0]["url"]["path"] == "/apparel/"
    # A category made through the tree takes a new id, and the flat list has it.
    made = data(sb.post("/v3/catalog/trees/categories", [{"name": "Lamps", "parent_id": 0, "tree_id": 1}]))[0]
    assert made["category_id"] == 7 and data(sb.get("/v3/catalog/categories/7"))["name"] == "Lamps"
    # A duplicate name under one parent is a conflict; an unknown parent is refused.
    assert sb.post("/v3/catalog/categories", {"name": "Lamps", "parent_id": 0}).status_code == 409
    assert sb.post("/v3/catalog/categories", {"name": "Lamps", "parent_id": 1}).status_code == 200
    assert sb.post("/v3/catalog/categories", {"name": "Orphan", "parent_id": 9999}).status_code == 422
    nested = data(sb.get("/v3/catalog/trees/1/categories"))
    apparel = next(n for n in nested if n["name"] == "Apparel")
    assert {c["name"] for c in apparel["children"]} == {"Outdoor", "Office", "Lamps"}


def test_a_deleted_category_leaves_products_and_takes_its_children(sb):
    assert {p["id"] for p in data(sb.get("/v3/catalog/products", params={"categories:in": 1}))}
    assert sb.delete("/v3/catalog/categories/1").status_code == 204
    assert data(sb.get("/v3/catalog/products", params={"categories:in": 1})) == []
    assert all(1 not in p["categories"] for p in data(sb.get("/v3/catalog/products", params={"limit": 250})))
    # Outdoor (5) and Office (6) were Apparel's children.
    assert sb.get("/v3/catalog/categories/5").status_code == 404


def test_a_product_naming_a_missing_category_or_brand_is_a_conflict(sb):
    # products_catalog.v3.yml, 409: "a missing or invalid category_id, brand_id".
    assert sb.post("/v3/catalog/products", new_product(1, categories=[9999])).status_code == 409
    assert sb.post("/v3/catalog/products", new_product(2, brand_id=9999)).status_code == 409
    assert sb.put("/v3/catalog/products/1", {"brand_id": 9999}).status_code == 409
    # A deleted brand leaves its products without one.
    assert sb.delete("/v3/catalog/brands/1").status_code == 204
    assert all(p["brand_id"] != 1 for p in data(sb.get("/v3/catalog/products", params={"limit": 250})))


# -- product-variants_catalog.v3.yml: base variants, store-wide SKUs -------------------------

def test_every_product_has_variants_and_a_simple_one_its_base_variant(sb):
    products = data(sb.get("/v3/catalog/products", params={"limit": 250, "include": "variants"}))
    for p in products:
        assert p["variants"], p["id"]
        if p.get("base_variant_id"):
            [base] = p["variants"]
            assert base["id"] == p["base_variant_id"] and base["sku"] == p["sku"] and base["option_values"] == []
    made = data(sb.post("/v3/catalog/products", new_product(9, sku="NEW-9", price=12.5)))
    base = data(sb.get(f"/v3/catalog/products/{made['id']}/variants"))
    assert [v["id"] for v in base] == [made["base_variant_id"]] and base[0]["price"] == 12.5
    # A change to one is a change to the other.
    sb.put(f"/v3/catalog/products/{made['id']}", {"price": 14})
    assert data(sb.get(f"/v3/catalog/products/{made['id']}/variants/{made['base_variant_id']}"))["price"] == 14
    data(sb.put("/v3/catalog/variants", [{"id": made["base_variant_id"], "price": 16}]))
    assert data(sb.get(f"/v3/catalog/products/{made['id']}"))["price"] == 16


def test_variant_skus_are_unique_store_wide_and_the_batch_makes_variants(sb):
    taken = data(sb.get("/v3/catalog/variants", params={"limit": 1}))[0]["sku"]
    assert sb.post("/v3/catalog/products/3/variants", {"sku": taken, "option_values": [{"option_id": 1, "id": 1}]}).status_code == 409
    # PUT /catalog/variants: product_id, sku and option_values make a variant.
    made = data(sb.put("/v3/catalog/variants", [{"product_id": 3, "sku": "SKU-3-XL", "option_values": [{"option_id": 1, "id": 2}]}]))
    assert made[0]["product_id"] == 3 and made[0]["id"] > 0
    assert "SKU-3-XL" in [v["sku"] for v in data(sb.get("/v3/catalog/products/3/variants"))]
    assert sb.put("/v3/catalog/variants", [{"id": 1, "price": 1}] * 51).status_code == 413


def test_a_deleted_product_takes_its_variants_images_and_metafields(sb):
    variants = [v["id"] for v in data(sb.get("/v3/catalog/products/3/variants"))]
    sb.post("/v3/catalog/products/3/metafields", {"namespace": "n", "key": "k", "value": "v", "permission_set": "read"})
    assert sb.delete("/v3/catalog/products/3").status_code == 204
    assert data(sb.get("/v3/catalog/variants", params={"id:in": ",".join(map(str, variants))})) == []
    r = sb.put("/v3/catalog/variants", [{"id": variants[0], "price": 1}])
    assert r.status_code == 404
    assert data(sb.get("/v3/catalog/products/metafields", params={"limit": 250})) == [] or \
        all(m["resource_id"] != 3 for m in data(sb.get("/v3/catalog/products/metafields", params={"limit": 250})))


# -- inventory.v3.yml and locations.v3.yml over the catalog ----------------------------------

def test_inventory_items_are_the_tracked_variants_and_adjustments_move_the_catalog(sb):
    items = sb.get("/v3/inventory/items", params={"limit": 250}).json()
    assert items["meta"]["pagination"]["total"] == 66
    product = data(sb.get("/v3/catalog/products/1"))
    first = next(i for i in items["data"] if i["identity"]["variant_id"] == product["base_variant_id"])
    assert first["locations"][0]["location_id"] == 1 and first["locations"][0]["total_inventory_onhand"] == product["inventory_level"]
    r = sb.put("/v3/inventory/adjustments/absolute", {"reason": "count", "items": [{"location_id": 1, "sku": product["sku"], "quantity": 7}]})
    assert r.status_code == 200 and r.json()["transaction_id"]
    assert data(sb.get("/v3/catalog/products/1"))["inventory_level"] == 7
    sb.post("/v3/inventory/adjustments/relative", {"items": [{"location_id": 1, "variant_id": product["base_variant_id"], "quantity": -2}]})
    assert data(sb.get(f"/v3/catalog/products/1/variants/{product['base_variant_id']}"))["inventory_level"] == 5
    # A second location holds its own stock; the catalog's level is the sum.
    assert sb.post("/v3/inventory/locations", [{"code": "EAST", "label": "East", "type_id": "VIRTUAL"}]).status_code == 200
    east = next(l for l in data(sb.get("/v3/inventory/locations")) if l["code"] == "EAST")["id"]
    sb.put("/v3/inventory/adjustments/absolute", {"items": [{"location_id": east, "product_id": 1, "quantity": 10}]})
    assert data(sb.get("/v3/catalog/products/1"))["inventory_level"] == 15
    at = sb.get(f"/v3/inventory/locations/{east}/items", params={"sku:in": product["sku"]}).json()["data"]
    assert at[0]["total_inventory_onhand"] == 10
    # Unknown locations and SKUs are refused, item by item, and nothing changes.
    r = sb.put("/v3/inventory/adjustments/absolute", {"items": [{"location_id": 99, "sku": product["sku"], "quantity": 1},
                                                                {"location_id": 1, "sku": "NO-SUCH", "quantity": 1}]})
    assert r.status_code == 422 and "items.0.location_id" in r.json()["errors"] and "items.1.sku" in r.json()["errors"]
    assert data(sb.get("/v3/catalog/products/1"))["inventory_level"] == 15


# -- price_lists.v3.yml ----------------------------------------------------------------------

def test_price_list_records_name_real_variants_and_upsert_by_sku_or_variant(sb):
    for record in data(sb.get("/v3/pricelists/1/records")):
        variant = data(sb.get(f"/v3/catalog/products/{record['product_id']}/variants/{record['variant_id']}"))
        assert variant["sku"] == record["sku"]
    sku = data(sb.get("/v3/catalog/products/2"))["sku"]
    assert sb.put("/v3/pricelists/1/records", [{"sku": sku, "currency": "usd", "price": 3.25}]).status_code == 200
    records = [r for r in data(sb.get("/v3/pricelists/1/records")) if r["sku"] == sku]
    assert len(records) == 1 and records[0]["price"] == 3.25
    variant = records[0]["variant_id"]
    sb.put("/v3/pricelists/1/records", [{"variant_id": variant, "currency": "USD", "price": 4}])
    assert [r["price"] for r in data(sb.get("/v3/pricelists/1/records")) if r["variant_id"] == variant] == [4]
    assert sb.put("/v3/pricelists/1/records", [{"sku": "NO-SUCH", "currency": "usd", "price": 1}]).status_code == 422


# -- dates, sorts, cursors ---------------------------------------------------------------------

def test_dates_compare_as_times_and_sorts_as_types(sb):
    made = data(sb.post("/v3/catalog/products", new_product(1)))
    stamp = made["date_modified"]
    import calendar, time
    epoch = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
    for bound in (stamp, stamp[:19] + "+02:00", str(epoch - 1)):
        found = [p["id"] for p in data(sb.get("/v3/catalog/products", params={"date_modified:min": bound, "limit": 250}))]
        assert made["id"] in found and 1 not in found, bound
    ids = [v["id"] for v in data(sb.get("/v3/catalog/variants", params={"limit": 250, "sort": "id"}))]
    assert ids == sorted(ids)
    prices = [p["price"] for p in data(sb.get("/v3/catalog/products", params={"sort": "price", "limit": 250}))]
    assert prices == sorted(prices)


def walk(sb, path, limit=2, between=None):
    """Every item of a cursor-paged list, page by page (`after` = the last page's end cursor)."""
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": limit}
        if after:
            params["after"] = after
        page = sb.get(path, params=params).json()
        cursor = page["meta"]["cursor_pagination"]
        assert cursor["count"] == len(page["data"]) and cursor["per_page"] == limit
        seen += [item["id"] for item in page["data"]]
        pages += 1
        if between:
            between(pages, seen)
        if not cursor["links"].get("next"):
            return seen
        after = cursor["end_cursor"]
        assert base64.b64decode(after)


@pytest.mark.parametrize("path", ["/v3/customers", "/v3/pricelists/1/records", "/v3/catalog/products/metafields"])
def test_cursor_pages_return_every_item_once_where_a_file_documents_them(sb, path):
    for n in range(1, 6):
        sb.post(f"/v3/catalog/products/{n}/metafields", {"namespace": "n", "key": f"k{n}", "value": "v", "permission_set": "read"})
    seen = walk(sb, path)
    assert seen == [i["id"] for i in data(sb.get(path, params={"limit": 250}))] and len(seen) >= 3


def test_a_cursor_walk_sees_each_item_once_while_items_come_and_go(sb):
    made = []

    def churn(pages, seen):
        if pages == 1:
            # Between pages: one already read is deleted, one new is made (after the cursor).
            assert sb.delete(f"/v2/customers/{seen[0]}").status_code == 204
            made.append(data(sb.post("/v3/customers", [{"first_name": "C", "last_name": "W", "email": "churn@example.com"}]))[0]["id"])

    seen = walk(sb, "/v3/customers", between=churn)
    assert len(seen) == len(set(seen)) == 4 and made[0] in seen


# -- orders.v2.oas2.yml, currencies.v2.yml, sites, themes --------------------------------------

def test_what_every_store_has_and_answers_shaped_as_the_files_say(sb):
    currencies = sb.get("/v2/currencies").json()
    assert [c["currency_code"] for c in currencies if c["is_default"]] == ["USD"]
    assert sb.get("/v3/inventory/locations").json()["data"][0]["id"] == 1
    # orders.v2.oas2.yml: an order without shipments answers 204.
    assert sb.get("/v2/orders/100/shipments").status_code == 204
    assert sb.get("/v2/orders/101/shipments").status_code == 200
    site = sb.put("/v3/channels/1/site/checkout-url", {"url": "https://checkout.example.com"}).json()["data"]
    assert site["id"] == 1 and any(u["type"] == "checkout" for u in site["urls"])
    theme = data(sb.get("/v3/themes"))[0]
    configurations = data(sb.get(f"/v3/themes/{theme['uuid']}/configurations"))
    assert {c["variation_id"] for c in configurations} >= {v["uuid"] for v in theme["variations"]}
    # A deleted order's metafields go with it.
    sb.post("/v3/orders/100/metafields", {"namespace": "n", "key": "k", "value": "v", "permission_set": "read"})
    assert sb.delete("/v2/orders/100").status_code == 204
    assert sb.get("/v3/orders/100/metafields").status_code == 404


def test_widgets_and_placements_follow_their_templates(sb):
    template = data(sb.get("/v3/content/widget-templates"))[0]["uuid"]
    widget = data(sb.post("/v3/content/widgets", {"name": "W", "widget_template_uuid": template}))
    placement = data(sb.post("/v3/content/placements", {"widget_uuid": widget["uuid"], "template_file": "pages/home",
                                                         "region": "home_below_menu"}))
    assert placement["widget"]["uuid"] == widget["uuid"]
    # A template in use cannot be deleted; a deleted widget takes its placements.
    assert sb.delete(f"/v3/content/widget-templates/{template}").status_code == 409
    sb.put(f"/v3/content/widgets/{widget['uuid']}", {"name": "Renamed"})
    assert data(sb.get(f"/v3/content/placements/{placement['uuid']}"))["widget"]["name"] == "Renamed"
    assert sb.delete(f"/v3/content/widgets/{widget['uuid']}").status_code == 204
    assert sb.get(f"/v3/content/placements/{placement['uuid']}").status_code == 404
    assert sb.delete(f"/v3/content/widget-templates/{template}").status_code == 204


def test_the_change_log_records_what_changed_with_its_request(sb):
    before = requests.get(sb.root + "/__sandbox/changes", headers=sb.control, timeout=5).json()
    assert before == []
    sb.put("/v3/catalog/products/1", {"price": 9.99})
    changes = requests.get(sb.root + "/__sandbox/changes", headers=sb.control, timeout=5).json()
    product = next(c for c in changes if c["entity"] == "product")
    assert product["action"] == "updated" and product["after"]["price"] == 9.99 and product["before"]["price"] != 9.99
    assert product["request"] > 0 and any(c["entity"] == "variant" for c in changes)
    # A refused request leaves nothing in the log.
    last = changes[-1]["seq"]
    assert sb.post("/v3/catalog/products", new_product(1, brand_id=9999)).status_code == 409
    assert requests.get(sb.root + "/__sandbox/changes", params={"after": last}, headers=sb.control, timeout=5).json() == []


# -- DigiCert, the seed (004) -----------------------------------------------------------------

def test_a_custom_expiration_date_overrides_validity_and_a_new_organization_is_accepted(bin_path):
    from sandbox_support import csr_for
    import datetime
    s = Sandbox(bin_path, "--rate-limit", "off", "--issuance-delay", "0")
    try:
        csr, _ = csr_for("shop.example.com")
        def order(**extra):
            body = {"certificate": {"common_name": "shop.example.com", "csr": csr, "signature_hash": "sha256"},
                    "organization": {"id": 1}, "skip_approval": True}
            body.update(extra)
            return requests.post(s.root + "/services/v2/order/certificate/ssl_securesite", json=body,
                                 headers={"X-DC-DEVKEY": s.token}, timeout=10)
        day = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()
        made = order(custom_expiration_date=day, validity_years=2)
        assert made.status_code == 201, made.text
        got = requests.get(s.root + f"/services/v2/order/certificate/{made.json()['id']}", headers={"X-DC-DEVKEY": s.token}, timeout=10).json()
        assert got["validity_days"] in (90, 91)
        for bad in ["2025-02-30", "soon", (datetime.date.today() + datetime.timedelta(days=900)).isoformat()]:
            r = order(custom_expiration_date=bad)
            assert r.status_code == 400 and r.json()["errors"][0]["code"] == "invalid_custom_expiration_date", bad
        org = {"name": "Acme", "address": "1 Main St", "city": "Lehi", "state": "UT", "zip": "84043", "country": "us", "telephone": "555"}
        fresh = order(validity_years=1, organization=org)
        assert fresh.status_code == 201 and fresh.json()["organization"]["id"] > 0
        partial = order(validity_years=1, organization={"name": "Acme"})
        assert partial.status_code == 400 and "organization.city" in partial.text
    finally:
        s.stop()
