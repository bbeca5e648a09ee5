"""Every recipe of scripts/recipes/ as an operator runs it: through the binary, against the
sandbox (in-process with --sandbox, or its own process with --db where state must outlive a
run), checked by what the store then holds."""
import csv
import io
import json
import os
import pathlib
import subprocess
import zipfile

import pytest

from sandbox_support import Sandbox

RECIPES = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "recipes"


def recipe(name):
    return str(RECIPES / name)


class Served:
    """A sandbox in its own process, and the environment a cron line gives a recipe."""

    def __init__(self, bin_path, tmp_path):
        self.bin, self.tmp = bin_path, tmp_path
        self.sb = Sandbox(bin_path, "--rate-limit", "off", "--db", str(tmp_path / "store.db"))
        self.env = dict(os.environ, HOME=str(tmp_path / "home"), BIGCOMMERCE_STORE_HASH="sandbox",
                        BIGCOMMERCE_ACCESS_TOKEN=self.sb.token, BIGCOMMERCE_API_URL=self.sb.root)

    def run(self, name, *args, env=None, stdin=None, options=()):
        return subprocess.run([self.bin, "run", "--state-dir", str(self.tmp / "state"), *options, recipe(name), *args],
                              capture_output=True, text=True, env=dict(self.env, **(env or {})), input=stdin,
                              timeout=120, cwd=self.tmp)


@pytest.fixture
def served(bin_path, tmp_path):
    s = Served(bin_path, tmp_path)
    yield s
    s.sb.stop()


def test_every_recipe_has_a_header_and_a_help(run):
    for path in sorted(RECIPES.glob("*.lua")):
        text = path.read_text()
        assert text.startswith(f"-- {path.name}: "), path.name
        assert "Usage:" in text.split("\n\n")[0] + text[:2000], path.name
        r = run("run", "--sandbox", str(path), "--help", timeout=60)
        assert r.returncode == 0 and "usage:" in r.stdout, (path.name, r.stdout, r.stderr)


def test_update_prices_sets_variant_prices_through_the_batch_and_reports_unknown_skus(served):
    variants = served.sb.get("/v3/catalog/variants", params={"limit": 3}).json()["data"]
    rows = "sku,price,sale_price\n" + "".join(f"{v['sku']},{10 + i}.5,\n" for i, v in enumerate(variants))
    rows += "NO-SUCH-SKU,3,\n"
    (served.tmp / "prices.csv").write_text(rows)
    dry = served.run("update-prices.lua", "prices.csv", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would update 3 variants" in dry.stdout and "unknown SKU NO-SUCH-SKU (line 5)" in dry.stderr
    r = served.run("update-prices.lua", "prices.csv")
    assert r.returncode == 0, r.stderr
    assert "updated 3 variants, 0 unchanged, 1 unknown SKUs, 0 invalid rows" in r.stdout
    for i, v in enumerate(variants):
        got = served.sb.get(f"/v3/catalog/products/{v['product_id']}/variants/{v['id']}").json()["data"]
        assert got["price"] == 10 + i + 0.5
    batches = [e for e in served.sb.log() if e["method"] == "PUT" and e["path"] == "/v3/catalog/variants"]
    assert len(batches) == 1
    again = served.run("update-prices.lua", "prices.csv")
    assert "updated 0 variants, 3 unchanged" in again.stdout


def test_update_prices_takes_the_two_and_three_column_csvs_its_header_names(served):
    variants = served.sb.get("/v3/catalog/variants", params={"limit": 2}).json()["data"]
    a, b = variants
    # sku,price: no sale_price column at all, as an ERP exports it.
    (served.tmp / "two.csv").write_text(f"sku,price\n{a['sku']},{a['price']}\n{b['sku']},77.25\n")
    dry = served.run("update-prices.lua", "two.csv", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    # Only what changes: b's price; a is unchanged and nothing says "sale".
    assert dry.stdout.splitlines() == [f"{b['sku']}: price {b['price']} -> 77.25",
                                       "would update 1 variants, 1 unchanged, 0 unknown SKUs, 0 invalid rows"]
    assert served.run("update-prices.lua", "two.csv").returncode == 0
    # sku,price,sale_price: an empty sale_price leaves the variant's alone; a bad one names its line.
    (served.tmp / "three.csv").write_text(f"sku,price,sale_price\n{a['sku']},{a['price']},5.5\n{b['sku']},77.25,\n"
                                          f"{b['sku']},1,cheap\n")
    dry = served.run("update-prices.lua", "three.csv", "--dry-run")
    assert dry.stdout.splitlines()[0] == f"{a['sku']}: sale {a.get('sale_price') or 0} -> 5.5"
    r = served.run("update-prices.lua", "three.csv", options=["--log-format", "json"])
    assert r.returncode == 1 and "line 4: sale_price must be a number >= 0, got 'cheap'" in r.stderr
    assert json.loads(r.stdout) == {"action": "updated", "invalid": 1, "unchanged": 1, "unknown": 0, "variants": 1}
    got = served.sb.get(f"/v3/catalog/products/{b['product_id']}/variants/{b['id']}").json()["data"]
    assert (got["price"], got.get("sale_price")) == (77.25, b.get("sale_price"))


def test_catalog_audit_reports_problems_and_exits_1_past_the_threshold(served):
    cheap = {"name": "Cheap", "type": "physical", "weight": 1, "price": 2, "cost_price": 5, "categories": []}
    assert served.sb.post("/v3/catalog/products", cheap).status_code == 200
    r = served.run("catalog-audit.lua", "--out", "report.csv", "--threshold", "100000")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(open(served.tmp / "report.csv", newline="")))
    assert {row["problem"] for row in rows if row["name"] == "Cheap"} == {"no image", "no category", "price below cost"}
    assert [row["detail"] for row in rows if row["problem"] == "price below cost" and row["name"] == "Cheap"] == ["2.00 < 5.00"]
    strict = served.run("catalog-audit.lua", "--out", "report.csv", "--threshold", "0")
    assert strict.returncode == 1 and f"{len(rows)} problems in" in strict.stderr


def bundle(path, name, variations=("Light", "Dark")):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", json.dumps({"name": name, "variations": [{"name": v} for v in variations]}))
        z.writestr("schema.json", "[]")
        z.writestr("templates/pages/home.html", "<h1>hi</h1>")
    return path.name


def test_deploy_theme_uploads_follows_the_job_and_activates_the_variation_on_each_channel(served):
    second = served.sb.post("/v3/channels", {"name": "Outlet", "type": "storefront", "platform": "bigcommerce", "status": "active"})
    assert second.status_code == 200, second.text
    outlet = second.json()["data"]["id"]
    r = served.run("deploy-theme.lua", bundle(served.tmp / "winter.zip", "Winter"), "--variation", "Dark", "--channels", f"1,{outlet}")
    assert r.returncode == 0, r.stderr
    assert "uploaded Winter" in r.stdout and f"activated Winter / Dark on channel {outlet}" in r.stdout, r.stdout
    assert "\r" not in r.stderr  # no progress bar without a terminal
    winter = next(t for t in served.sb.get("/v3/themes").json()["data"] if t["name"] == "Winter")
    assert winter["is_active"] and winter["active_variation_id"] == winter["variations"][1]["uuid"]
    for channel in (1, outlet):
        assert served.sb.get(f"/v3/channels/{channel}/active-theme").json()["data"]["active_theme_uuid"] == winter["uuid"]
    activations = [e for e in served.sb.log() if e["path"] == "/v3/themes/actions/activate"]
    assert [e["query"] for e in activations] == ["channel_id=1", f"channel_id={outlet}"], activations


def test_deploy_theme_at_the_limit_deletes_the_oldest_theme_no_channel_uses(served):
    outlet = served.sb.post("/v3/channels", {"name": "Outlet", "type": "storefront", "platform": "bigcommerce", "status": "active"}).json()["data"]["id"]
    # Winter: active on the outlet only (the list's is_active speaks for channel 1); Spring: on none.
    assert served.run("deploy-theme.lua", bundle(served.tmp / "w.zip", "Winter"), "--channels", str(outlet)).returncode == 0
    assert served.run("deploy-theme.lua", bundle(served.tmp / "s.zip", "Spring"), "--no-activate").returncode == 0
    dry = served.run("deploy-theme.lua", bundle(served.tmp / "u.zip", "Summer"), "--limit", "2", "--dry-run")
    assert dry.returncode == 0 and "would delete the oldest inactive theme Spring" in dry.stdout, dry.stdout + dry.stderr
    r = served.run("deploy-theme.lua", "u.zip", "--limit", "2")
    assert r.returncode == 0, r.stderr
    assert "deleting the oldest inactive theme Spring" in r.stdout and "activated Summer / Light on channel 1" in r.stdout
    names = [t["name"] for t in served.sb.get("/v3/themes").json()["data"]]
    assert names == ["Cornerstone", "Winter", "Summer"], names
    full = served.run("deploy-theme.lua", bundle(served.tmp / "a.zip", "Autumn"), "--limit", "2")
    assert full.returncode == 1 and "every one is active on a channel" in full.stderr, full.stderr
    winter = next(t for t in served.sb.get("/v3/themes").json()["data"] if t["name"] == "Winter")
    refused = served.sb.delete(f"/v3/themes/{winter['uuid']}")
    assert refused.status_code == 409 and f"active on channel {outlet}" in refused.text


def test_campaign_widget_is_idempotent_and_removable(served):
    args = ["Winter sale", "--text", "20% off", "--start", "2000-01-01", "--end", "2999-12-31"]
    first = served.run("campaign-widget.lua", *args)
    assert first.returncode == 0, first.stderr
    assert "create the template" in first.stdout and "place it on pages/home" in first.stdout
    again = served.run("campaign-widget.lua", *args)
    assert again.returncode == 0 and "is up to date (active)" in again.stdout, again.stdout + again.stderr
    state = served.sb.state()["entities"]
    assert len([w for w in state["widget"] if w["name"] == "Winter sale"]) == 1
    placement = [p for p in state["placement"] if p.get("status") == "active"]
    assert len(placement) == 1
    ended = served.run("campaign-widget.lua", "Winter sale", "--text", "20% off", "--start", "2000-01-01", "--end", "2000-01-31")
    assert "(inactive)" in ended.stdout, ended.stdout
    gone = served.run("campaign-widget.lua", "Winter sale", "--remove")
    assert gone.returncode == 0 and "delete the widget" in gone.stdout
    state = served.sb.state()["entities"]
    assert not [w for w in state.get("widget", []) if w["name"] == "Winter sale"]


def test_export_subscribers_writes_only_what_changed_since_the_last_run(served):
    first = served.run("export-subscribers.lua", "--out", "all.csv")
    assert first.returncode == 0, first.stderr
    before = list(csv.DictReader(open(served.tmp / "all.csv", newline="")))
    assert len(before) >= 1
    assert served.sb.post("/v3/customers/subscribers", {"email": "new@example.com", "first_name": "New"}).status_code == 200
    second = served.run("export-subscribers.lua", "--out", "new.csv")
    assert second.returncode == 0, second.stderr
    new = list(csv.DictReader(open(served.tmp / "new.csv", newline="")))
    assert [r["email"] for r in new] == ["new@example.com"], new
    third = served.run("export-subscribers.lua", "--out", "none.csv")
    assert list(csv.DictReader(open(served.tmp / "none.csv", newline=""))) == []
    full = served.run("export-subscribers.lua", "--out", "full.csv", "--full")
    assert len(list(csv.DictReader(open(served.tmp / "full.csv", newline="")))) == len(before) + 1


def test_checkout_domain_sets_verifies_and_refuses_a_foreign_domain(served):
    r = served.run("checkout-domain.lua", "http://checkout.sandbox.example.com")
    assert r.returncode == 0, r.stderr
    assert "checkout URL set and verified: https://checkout.sandbox.example.com" in r.stdout
    bad = served.run("checkout-domain.lua", "https://pay.elsewhere.net")
    assert bad.returncode == 1 and "refused" in bad.stderr
    site = served.sb.get("/v3/channels/1/site").json()["data"]
    assert [u["url"] for u in site["urls"] if u["type"] == "checkout"] == ["https://checkout.sandbox.example.com"]
    reset = served.run("checkout-domain.lua", "--reset")
    assert reset.returncode == 0 and not [u for u in served.sb.get("/v3/channels/1/site").json()["data"]["urls"] if u["type"] == "checkout"]


def checkout_urls(sb):
    return [u["url"] for u in sb.get("/v3/channels/1/site").json()["data"]["urls"] if u["type"] == "checkout"]


def test_checkout_domain_rolls_back_when_the_checkout_cannot_be_verified(served):
    assert served.run("checkout-domain.lua", "https://checkout.sandbox.example.com").returncode == 0
    # Carts break after the change: the new domain is set, then taken back.
    served.sb.faults(error_rate=1.0, paths=["/v3/carts"])
    r = served.run("checkout-domain.lua", "https://pay.sandbox.example.com")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "could not be verified" in r.stderr and "rolled back to https://checkout.sandbox.example.com" in r.stdout
    assert checkout_urls(served.sb) == ["https://checkout.sandbox.example.com"]
    changes = [e["body"]["url"] for e in served.sb.log() if e["method"] == "PUT" and e["path"].endswith("/checkout-url")]
    assert changes == ["https://checkout.sandbox.example.com", "https://pay.sandbox.example.com", "https://checkout.sandbox.example.com"]
    # From the shared checkout, a rollback deletes the custom one.
    assert served.run("checkout-domain.lua", "--reset").returncode == 0
    assert served.run("checkout-domain.lua", "https://pay.sandbox.example.com").returncode == 1
    assert checkout_urls(served.sb) == []


def test_rotate_carrier_takes_credentials_from_the_environment_only(served):
    missing = served.run("rotate-carrier.lua", "endicia", "--create")
    assert missing.returncode == 2 and "CARRIER_ACCOUNT_ID, CARRIER_PASS_PHRASE" in missing.stderr
    env = {"CARRIER_ACCOUNT_ID": "acct", "CARRIER_PASS_PHRASE": "first-secret"}
    created = served.run("rotate-carrier.lua", "endicia", "--create", env=env)
    assert created.returncode == 0 and "created endicia: account_id, pass_phrase" in created.stdout, created.stderr
    before = served.sb.state()["entities"]["carrier_connection"][0]["connection_sha256"]
    rotated = served.run("rotate-carrier.lua", "endicia", env={**env, "CARRIER_PASS_PHRASE": "second-secret"})
    assert rotated.returncode == 0, rotated.stderr
    assert served.sb.state()["entities"]["carrier_connection"][0]["connection_sha256"] != before
    everything = created.stdout + created.stderr + rotated.stdout + json.dumps(served.sb.log()) + json.dumps(served.sb.state())
    assert "first-secret" not in everything and "second-secret" not in everything


def test_ship_orders_exports_ships_and_is_idempotent(served):
    r = served.run("ship-orders.lua", "export", "--out", "awaiting.csv")
    assert r.returncode == 0, r.stderr
    awaiting = list(csv.DictReader(open(served.tmp / "awaiting.csv", newline="")))
    assert [row["order_id"] for row in awaiting] == ["100"]
    (served.tmp / "shipped.csv").write_text("order_id,tracking_number,carrier\n100,1ZTRACK100,ups\n999,1ZNONE,ups\n101,1ZALREADY,ups\n")
    first = served.run("ship-orders.lua", "ship", "shipped.csv")
    assert first.returncode == 1
    assert "shipped 1 orders" in first.stdout and "order 999" in first.stderr and "order 101" in first.stderr
    shipments = served.sb.get("/v2/orders/100/shipments").json()
    assert [s["tracking_number"] for s in shipments] == ["1ZTRACK100"]
    second = served.run("ship-orders.lua", "ship", "shipped.csv")
    assert "shipped 0 orders, 1 already shipped" in second.stdout
    assert len(served.sb.get("/v2/orders/100/shipments").json()) == 1


def test_cart_smoke_test_passes_and_names_the_failing_step(run):
    r = run("run", "--sandbox", recipe("cart-smoke-test.lua"), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok: 6 steps in")
    bad = run("run", "--sandbox", recipe("cart-smoke-test.lua"), "--product", "999999", timeout=60)
    assert bad.returncode == 1 and bad.stdout.startswith("FAIL find a product:")


def test_cart_smoke_test_names_the_step_where_the_checkout_breaks(served):
    # The catalog answers, the carts API does not: what a checkout monitor is for.
    served.sb.faults(error_rate=1.0, paths=["/v3/carts"])
    r = served.run("cart-smoke-test.lua")
    assert r.returncode == 1 and r.stdout.startswith("FAIL create the cart: 50"), r.stdout + r.stderr
    assert "(POST /v3/carts)" in r.stdout
