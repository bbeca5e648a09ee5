"""The official Python client (`bigcommerce` on PyPI) runs against the sandbox unchanged: it
only speaks https to `BC_API_ENDPOINT`, so the sandbox serves TLS with a certificate from its
own CA, which the client's requests trust through REQUESTS_CA_BUNDLE."""
import bigcommerce
import pytest
from bigcommerce.connection import OAuthConnection

from sandbox_support import Sandbox


@pytest.fixture
def client(bin_path, tmp_path, monkeypatch):
    ca = tmp_path / "ca.pem"
    sb = Sandbox(bin_path, "--tls", "--ca-out", str(ca), "--rate-limit", "off", token="official-token")
    monkeypatch.setenv("BC_API_ENDPOINT", f"localhost:{sb.port}")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    try:
        yield sb, bigcommerce.api.BigcommerceApi(client_id="sandbox-client", store_hash="sandbox", access_token="official-token")
    finally:
        sb.stop()


def test_the_official_client_reads_and_writes_v2_resources(client):
    _, api = client
    orders = api.Orders.all(limit=50)
    assert [o.id for o in orders][:3] == [100, 101, 102]
    order = api.Orders.get(100)
    assert order.status_id == 11 and order.products()[0].quantity >= 1
    assert api.Orders.count() == len(orders)
    assert {s.name for s in api.OrderStatuses.all()} >= {"Awaiting Fulfillment", "Shipped", "Completed"}
    us = next(c for c in api.Countries.all(limit=250) if c.country_iso2 == "US")
    assert "California" in {s.state for s in api.CountryStates.all(parentid=us.id)}
    # The store's customers are one set behind v2 and v3: the demo's three, and one made here.
    assert [c.email for c in api.Customers.all()] == ["ada@example.com", "grace@example.com", "alan@example.com"]
    customer = api.Customers.create(first_name="Mary", last_name="Somerville", email="mary@example.com")
    assert api.Customers.get(customer.id).email == "mary@example.com"
    assert api.Customers.count() == 4
    customer.update(last_name="King")
    assert api.Customers.get(customer.id).last_name == "King"
    customer.delete()
    assert api.Time.all().time > 1_700_000_000


def test_the_official_client_reaches_v3_through_its_connection(client):
    sb, api = client
    v3 = OAuthConnection("sandbox-client", "sandbox", "official-token", host=f"localhost:{sb.port}", api_path="/stores/{}/v3/{}")
    page = v3.get("catalog/products", limit=5)
    products = page["data"]
    assert len(products) == 5 and page["meta"]["pagination"]["total"] == 50
    brand = v3.create("catalog/brands", {"name": "Official"})["data"]
    assert v3.get(f"catalog/brands/{brand['id']}")["data"]["name"] == "Official"
    cart = v3.create("carts", {"line_items": [{"product_id": products[0]["id"], "quantity": 1}]})["data"]
    assert cart["cart_amount"] == products[0]["calculated_price"]
