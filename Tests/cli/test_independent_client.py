"""A client nobody here wrote runs unchanged against the sandbox: PyPI `bigc` 1.1.0, with only its
base URL pointed at the sandbox (its clients build `https://api.bigcommerce.com/stores/HASH/vN/...`;
`_prepare_url` is that and nothing else). It knows the real API's shapes, pagination (v2 pages to a
short page or a 204, v3 `total_pages`, v3 cursors) and errors better than our own tests do."""
import pytest

bigc = pytest.importorskip("bigc")
from bigc.api_client import BigCommerceV2APIClient, BigCommerceV3APIClient  # noqa: E402
from bigc.exceptions import BigCommerceException  # noqa: E402

from sandbox_support import Sandbox  # noqa: E402


@pytest.fixture
def api(bin_path, monkeypatch):
    sb = Sandbox(bin_path, "--rate-limit", "off", token="bigc-token")
    monkeypatch.setattr(BigCommerceV2APIClient, "_prepare_url", lambda self, path: f"{sb.root}/stores/{self.store_hash}/v2/{path.lstrip('/')}")
    monkeypatch.setattr(BigCommerceV3APIClient, "_prepare_url", lambda self, path: f"{sb.root}/stores/{self.store_hash}/v3/{path.lstrip('/')}")
    try:
        yield bigc.BigCommerceAPI("sandbox", "bigc-token", timeout=10)
    finally:
        sb.stop()


def test_orders_through_bigc(api):
    orders = list(api.orders_v2.all())
    assert [o["id"] for o in orders] == [100, 101, 102]
    assert api.orders_v2.get(101)["status_id"] == 2
    assert [p["quantity"] for p in api.orders_v2.all_products(100)] == [2]
    assert list(api.orders_v2.all_shipping_addresses(100))[0]["street_1"] == "1 Analytical Row"
    assert list(api.orders_v2.all_shipments(100)) == []  # a 204, as the file documents
    assert len(list(api.orders_v2.all_shipments(101))) == 1
    product = api.products_v3.get(1)
    made = api.orders_v2.create({"customer_id": 1, "products": [{"product_id": 1, "quantity": 2}],
                                 "billing_address": {"first_name": "Ada", "last_name": "L", "zip": "EC1A 1BB"}})
    assert made["id"] == 103 and made["items_total"] == 2
    assert api.orders_v2.update(103, {"status_id": 11})["status"] == "Awaiting Fulfillment"
    assert list(api.orders_v3.all_refunds(100)) == [] and list(api.orders_v3.all_refunds()) == []
    api.orders_v2.archive(103)
    with pytest.raises(BigCommerceException):
        api.orders_v2.get(103)
    assert product["id"] == 1


def test_customers_with_addresses_through_bigc(api):
    everyone = list(api.customers_v3.all())  # cursor pages
    assert [c["email"] for c in everyone] == ["ada@example.com", "grace@example.com", "alan@example.com"]
    made = api.customers_v3.create({"first_name": "Mary", "last_name": "S", "email": "mary@example.com",
                                    "addresses": [{"first_name": "Mary", "last_name": "S", "address1": "1 Main St", "city": "Jedburgh",
                                                   "country_code": "GB", "state_or_province": "Scotland", "postal_code": "TD8"}]})
    assert api.customers_v3.get(made["id"])["email"] == "mary@example.com"
    addresses = list(api.customers_v3.all_addresses(params={"customer_id:in": made["id"]}))
    assert [a["city"] for a in addresses] == ["Jedburgh"]
    api.customers_v3.update(made["id"], {"last_name": "Somerville"})
    assert api.customers_v3.get(made["id"])["last_name"] == "Somerville"
    assert len(list(api.customers_v3.all())) == 4
    api.customers_v3.delete(made["id"])
    assert len(list(api.customers_v3.all())) == 3


def test_products_variants_and_categories_through_bigc(api):
    products = list(api.products_v3.all())  # 50 across one page of 250
    assert len(products) == 50
    variants = list(api.product_variants_v3.all(1))
    assert [v["id"] for v in variants] == [products[0]["base_variant_id"]]
    made = api.products_v3.create({"name": "bigc product", "type": "physical", "weight": 1, "price": 3, "categories": [1]})
    assert api.product_variants_v3.get(made["id"], made["base_variant_id"])["price"] == 3
    api.products_v3.update(made["id"], {"price": 4})
    assert api.product_variants_v3.get(made["id"], made["base_variant_id"])["price"] == 4
    categories = list(api.categories_v3.all())
    assert [c["name"] for c in categories][:2] == ["Apparel", "Kitchen"]
    lamps = api.categories_v3.create({"name": "Lamps", "parent_id": 0})
    assert api.categories_v3.get(lamps["id"])["name"] == "Lamps"
    api.categories_v3.delete(lamps["id"])
    api.products_v3.delete(made["id"])
    with pytest.raises(BigCommerceException):
        api.products_v3.get(made["id"])


def test_carts_webhooks_currencies_groups_and_pricing_through_bigc(api):
    cart = api.carts_v3.create({"line_items": [{"product_id": 1, "quantity": 2}]}, params={"include": "redirect_urls"})
    assert cart["redirect_urls"]["checkout_url"].startswith("https://sandbox.example.com/")
    urls = api.carts_v3.create_redirect_url(cart["id"])
    assert "cart_url" in urls
    hook = api.webhooks_v3.create({"scope": "store/order/created", "destination": "https://hooks.example.com/bc"})
    assert [h["id"] for h in api.webhooks_v3.all()] == [hook["id"]]
    api.webhooks_v3.update(hook["id"], {"is_active": False})
    assert api.webhooks_v3.get(hook["id"])["is_active"] is False
    api.webhooks_v3.delete(hook["id"])
    currencies = list(api.currencies_v2.all())
    assert [c["currency_code"] for c in currencies] == ["USD"] and currencies[0]["is_default"] is True
    groups = list(api.customer_groups_v2.all())
    assert [g["name"] for g in groups] == ["Retail", "Wholesale"]
    made = api.customer_groups_v2.create({"name": "Trade"})
    assert api.customer_groups_v2.get(made["id"])["name"] == "Trade"
    prices = api.pricing_v3.get_pricing({"channel_id": 1, "currency_code": "USD", "customer_group_id": 0,
                                         "items": [{"product_id": 1}]})
    assert prices[0]["product_id"] == 1 and prices[0]["calculated_price"]["as_entered"] > 0
