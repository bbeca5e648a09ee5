"""`run --plan` (issue 21): a script runs unchanged against an overlay of its store. The "real
store" here is a second sandbox in its own process, configured as the run's store; its request
log is the recording proxy: during a plan, not one write may reach it."""
import json
import os
import subprocess

import pytest

from sandbox_support import Sandbox


@pytest.fixture
def real(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "off", token="real-token")
    yield sb
    sb.stop()


def plan(bin_path, real, tmp_path, code, *options):
    """Runs code under --plan against the real store; the CompletedProcess."""
    script = tmp_path / "script.lua"
    script.write_text(code)
    env = dict(os.environ, BIGCOMMERCE_STORE_HASH="sandbox", BIGCOMMERCE_ACCESS_TOKEN="real-token", BIGCOMMERCE_API_URL=real.base,
               HOME=str(tmp_path / "home"), STORESCRIPT_CONFIG=str(tmp_path / "none.toml"))
    env.pop("XDG_STATE_HOME", None)
    return subprocess.run([bin_path, "run", "--plan", *options, str(script)], capture_output=True, text=True, env=env, timeout=60)


def writes_that_reached(real):
    return [(e["method"], e["path"]) for e in real.log() if e["method"] != "GET"]


EVERYDAY = """
local p = bc.catalog.products.get(1)
print("before", p.price)
bc.catalog.products.update(1, {price = 11})
print("after", bc.catalog.products.get(1).price)
local b = bc.catalog.brands.create({name = "Planned Brand"})
local names = {}
for brand in bc.catalog.brands.each() do names[#names + 1] = brand.name end
print("brands", #names, names[#names])
bc.catalog.products.delete(2)
print("deleted", select(2, pcall(bc.catalog.products.get, 2)).status)
"""


def test_a_plan_sends_no_write_reads_its_own_writes_and_shows_what_would_change(bin_path, real, tmp_path):
    before = real.get("/v3/catalog/products/1").json()["data"]["price"]
    r = plan(bin_path, real, tmp_path, EVERYDAY)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # The script sees the store as its writes leave it: its update, its brand in the list, its delete.
    assert lines[:4] == [f"before\t{before}", "after\t11", "brands\t4\tPlanned Brand", "deleted\t404"], r.stdout
    assert "Plan: 1 to create, 1 to change, 1 to delete (3 writes)." in r.stdout
    assert f"    price: {before} → 11" in r.stdout and '+ brand 1000000000 "Planned Brand"' in r.stdout
    assert '- product 2 "' in r.stdout
    # Nothing left the machine, and the store is as it was.
    assert writes_that_reached(real) == []
    assert real.get("/v3/catalog/products/1").json()["data"]["price"] == before
    assert real.get("/v3/catalog/products/2").status_code == 200
    assert len(real.get("/v3/catalog/brands").json()["data"]) == 3


def test_the_plan_as_json_and_as_a_file_with_each_write_and_its_before_values(bin_path, real, tmp_path):
    out = tmp_path / "price.plan"
    r = plan(bin_path, real, tmp_path, "bc.catalog.products.update(3, {price = 1.25})", "--plan-format", "json", "--plan-out", str(out))
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    written = json.loads(out.read_text())
    assert shown == written and oct(out.stat().st_mode & 0o777) == "0o600"
    assert written["format"] == "storescript-plan/1" and written["complete"] is True and "sandbox" in written["store"]
    assert written["summary"] == [{"entity": "product", "created": 0, "changed": 1, "deleted": 0}]
    [write] = written["writes"]
    assert (write["method"], write["path"], write["body"]) == ("PUT", "/v3/catalog/products/3", {"price": 1.25})
    [change] = [c for c in write["changes"] if c["entity"] == "product"]
    assert change["before"]["price"] == real.get("/v3/catalog/products/3").json()["data"]["price"] and change["after"]["price"] == 1.25
    assert writes_that_reached(real) == []


def test_detailed_exitcode_says_whether_the_plan_changes_anything(bin_path, real, tmp_path):
    r = plan(bin_path, real, tmp_path, "print(bc.catalog.products.count())", "--detailed-exitcode")
    assert r.returncode == 0 and "Plan: no changes (0 writes)." in r.stdout, r.stderr
    r = plan(bin_path, real, tmp_path, "bc.catalog.brands.create({name = 'X'})", "--detailed-exitcode")
    assert r.returncode == 5, r.stderr
    r = plan(bin_path, real, tmp_path, "bc.catalog.brands.create({name = 'X'}) error('then it failed')", "--detailed-exitcode")
    assert r.returncode == 1 and "the script did not finish" in r.stdout, r.stderr
    # A script that ends with os.exit shows its plan all the same, with the status it chose.
    r = plan(bin_path, real, tmp_path, "bc.catalog.brands.create({name = 'X'}) os.exit(0)", "--detailed-exitcode")
    assert r.returncode == 5 and "Plan: 1 to create" in r.stdout, r.stdout + r.stderr
    r = plan(bin_path, real, tmp_path, "bc.catalog.brands.create({name = 'X'}) os.exit(3, true)")
    assert r.returncode == 3 and "Plan: 1 to create" in r.stdout and "the script did not finish" in r.stdout, r.stdout + r.stderr
    # From inside a task, and from a finalizer after the script ended (the plan shown once).
    r = plan(bin_path, real, tmp_path, "async.spawn(function() bc.catalog.brands.create({name = 'X'}) os.exit(0) end) async.sleep(5)")
    assert r.returncode == 0 and r.stdout.count("Plan: 1 to create") == 1, r.stdout + r.stderr
    r = plan(bin_path, real, tmp_path, "bc.catalog.brands.create({name = 'X'}) setmetatable({}, {__gc = function() os.exit(0) end})")
    assert r.returncode == 0 and r.stdout.count("Plan: 1 to create") == 1, r.stdout + r.stderr


def test_a_write_the_store_would_refuse_is_refused_in_the_plan_with_the_same_error(bin_path, real, tmp_path):
    code = """
    local taken = bc.catalog.products.get(1).name
    for _, body in ipairs({{name = "Fresh", type = "physical", weight = 1, price = 1, brand_id = 9999},
                           {name = taken, type = "physical", weight = 1, price = 1}}) do
      local ok, err = pcall(bc.catalog.products.create, body)
      print(ok, err.status)
    end
    """
    r = plan(bin_path, real, tmp_path, code)
    direct = [real.post("/v3/catalog/products", b).status_code for b in (
        {"name": "Fresh", "type": "physical", "weight": 1, "price": 1, "brand_id": 9999},
        {"name": real.get("/v3/catalog/products/1").json()["data"]["name"], "type": "physical", "weight": 1, "price": 1})]
    assert r.stdout.splitlines()[:2] == [f"false\t{direct[0]}", f"false\t{direct[1]}"], r.stdout + r.stderr
    assert direct == [409, 409] and "Plan: no changes" in r.stdout


def test_a_batch_update_reads_the_rows_it_changes_first(bin_path, real, tmp_path):
    variants = real.get("/v3/catalog/variants", params={"limit": 3}).json()["data"]
    code = "bc.catalog.variants.update_many({" + ",".join(f"{{id = {v['id']}, price = 2.5}}" for v in variants) + "})"
    r = plan(bin_path, real, tmp_path, code, "--plan-format", "json")
    assert r.returncode == 0, r.stderr
    objects = json.loads(r.stdout)["objects"]
    assert sorted(int(o["id"]) for o in objects if o["entity"] == "variant") == sorted(v["id"] for v in variants)
    assert all(o["after"]["price"] == 2.5 for o in objects if o["entity"] == "variant")
    assert writes_that_reached(real) == []


def test_plan_options_need_plan_and_no_store_is_a_configuration_error(bin_path, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), STORESCRIPT_CONFIG=str(tmp_path / "none.toml"))
    for k in ("BIGCOMMERCE_STORE_HASH", "BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_API_URL"):
        env.pop(k, None)
    r = subprocess.run([bin_path, "--plan", "-e", "print(1)"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 2 and "--plan reads the store it plans for" in r.stderr, r.stderr
    r = subprocess.run([bin_path, "--detailed-exitcode", "-e", "print(1)"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 2 and "give --plan too" in r.stderr, r.stderr


# -- storescript apply FILE ------------------------------------------------------------------

def env_for(real, tmp_path):
    env = dict(os.environ, BIGCOMMERCE_STORE_HASH="sandbox", BIGCOMMERCE_ACCESS_TOKEN=real.token, BIGCOMMERCE_API_URL=real.base,
               HOME=str(tmp_path / "home"), STORESCRIPT_CONFIG=str(tmp_path / "none.toml"))
    env.pop("XDG_STATE_HOME", None)
    return env


def apply(bin_path, real, tmp_path, plan_file, *options, **kw):
    return subprocess.run([bin_path, "apply", *options, str(plan_file)], capture_output=True, text=True, env=env_for(real, tmp_path),
                          timeout=120, **kw)


APPLIED = """
bc.catalog.products.update(1, {price = 11})
local b = bc.catalog.brands.create({name = "Planned"})
bc.catalog.brands.update(b.id, {name = "Planned Brand"})
bc.catalog.products.update(3, {brand_id = b.id})
bc.catalog.products.delete(2)
"""


def test_apply_makes_the_store_what_the_plan_showed_and_a_second_apply_sends_nothing(bin_path, real, tmp_path):
    out = tmp_path / "p.json"
    assert plan(bin_path, real, tmp_path, APPLIED, "--plan-out", str(out)).returncode == 0
    assert writes_that_reached(real) == []
    r = apply(bin_path, real, tmp_path, out)
    assert r.returncode == 0 and "5 writes sent" in r.stderr, r.stderr
    brand = [b for b in real.get("/v3/catalog/brands").json()["data"] if b["name"] == "Planned Brand"]
    assert len(brand) == 1 and brand[0]["id"] < 1_000_000_000
    assert real.get("/v3/catalog/products/1").json()["data"]["price"] == 11
    assert real.get("/v3/catalog/products/3").json()["data"]["brand_id"] == brand[0]["id"]
    assert real.get("/v3/catalog/products/2").status_code == 404
    assert writes_that_reached(real) == [("PUT", "/v3/catalog/products/1"), ("POST", "/v3/catalog/brands"),
                                         ("PUT", f"/v3/catalog/brands/{brand[0]['id']}"), ("PUT", "/v3/catalog/products/3"),
                                         ("DELETE", "/v3/catalog/products/2")]
    again = apply(bin_path, real, tmp_path, out)
    assert again.returncode == 0 and "0 writes sent" in again.stderr
    assert len(writes_that_reached(real)) == 5


def test_apply_refuses_a_plan_made_for_another_store(bin_path, real, tmp_path):
    out = tmp_path / "p.json"
    assert plan(bin_path, real, tmp_path, APPLIED, "--plan-out", str(out)).returncode == 0
    other = Sandbox(bin_path, "--rate-limit", "off", token="real-token")
    try:
        r = apply(bin_path, other, tmp_path, out)
        assert r.returncode == 2 and "the plan was made for" in r.stderr and "nothing was sent" in r.stderr, r.stderr
        assert writes_that_reached(other) == []
    finally:
        other.stop()
    r = apply(bin_path, real, tmp_path, tmp_path / "none.json")
    assert r.returncode == 2 and "cannot read it" in r.stderr


def test_apply_stops_before_a_row_that_changed_since_the_plan_and_force_sends_it(bin_path, real, tmp_path):
    out = tmp_path / "p.json"
    code = "bc.catalog.brands.create({name = 'First'}) bc.catalog.products.update(1, {price = 11})"
    assert plan(bin_path, real, tmp_path, code, "--plan-out", str(out)).returncode == 0
    planned_from = real.get("/v3/catalog/products/1").json()["data"]["price"]
    assert real.put("/v3/catalog/products/1", {"price": 42.5}).status_code == 200
    r = apply(bin_path, real, tmp_path, out)
    assert r.returncode == 1 and "write 2, PUT /v3/catalog/products/1: product 1 changed since the plan" in r.stderr, r.stderr
    assert f"price was {planned_from}, is now 42.5" in r.stderr and "nothing from here on was sent" in r.stderr
    assert writes_that_reached(real) == [("PUT", "/v3/catalog/products/1"), ("POST", "/v3/catalog/brands")]
    assert real.get("/v3/catalog/products/1").json()["data"]["price"] == 42.5
    r = apply(bin_path, real, tmp_path, out, "--force")
    assert r.returncode == 0 and "1 write sent" in r.stderr, r.stderr
    assert real.get("/v3/catalog/products/1").json()["data"]["price"] == 11
    assert [b["name"] for b in real.get("/v3/catalog/brands").json()["data"]].count("First") == 1


def test_an_apply_killed_anywhere_and_run_again_sends_every_write_exactly_once(bin_path, tmp_path):
    import random
    import signal
    import time
    real = Sandbox(bin_path, "--rate-limit", "off", "--latency", "20ms-60ms", token="real-token")
    try:
        out = tmp_path / "p.json"
        code = "for i = 1, 12 do bc.catalog.brands.create({name = 'Brand ' .. i}) end bc.catalog.products.update(1, {price = 3.5})"
        assert plan(bin_path, real, tmp_path, code, "--plan-out", str(out)).returncode == 0
        rng = random.Random(21)
        kills = 0
        for _ in range(30):
            proc = subprocess.Popen([bin_path, "apply", str(out)], env=env_for(real, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.0, 0.4))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            if proc.returncode == 0:
                break
        final = apply(bin_path, real, tmp_path, out)
        assert final.returncode == 0, final.stderr
        names = [b["name"] for b in real.get("/v3/catalog/brands", params={"limit": 250}).json()["data"]]
        assert sorted(n for n in names if n.startswith("Brand ")) == sorted(f"Brand {i}" for i in range(1, 13))
        assert real.get("/v3/catalog/products/1").json()["data"]["price"] == 3.5
        assert kills >= 3
        print(f"\napply crash safety: {kills} applies killed at random moments, every write made once")
    finally:
        real.stop()


# -- recipes under --plan ----------------------------------------------------------------------

RECIPES = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "recipes")


def recipe(bin_path, real, tmp_path, name, *args, env=None):
    return subprocess.run([bin_path, "run", os.path.join(RECIPES, name), *args], capture_output=True, text=True,
                          env=dict(env_for(real, tmp_path), **(env or {})), timeout=120, cwd=tmp_path)


def planned(bin_path, real, tmp_path, name, *args, env=None):
    r = subprocess.run([bin_path, "run", "--plan", "--plan-format", "json", os.path.join(RECIPES, name), *args], capture_output=True,
                       text=True, env=dict(env_for(real, tmp_path), **(env or {})), timeout=120, cwd=tmp_path)
    assert r.returncode == 0, (name, r.stderr)
    return json.loads(r.stdout.splitlines()[-1])["objects"]


def test_recipes_under_plan_write_nothing_and_agree_with_their_dry_runs(bin_path, real, tmp_path):
    variants = real.get("/v3/catalog/variants", params={"limit": 3}).json()["data"]
    (tmp_path / "prices.csv").write_text("sku,price\n" + "".join(f"{v['sku']},{20 + i}.25\n" for i, v in enumerate(variants)))
    (tmp_path / "shipped.csv").write_text("order_id,tracking_number,carrier\n100,1ZTRACK100,ups\n")
    widget = ["Winter sale", "--text", "20% off", "--start", "2000-01-01", "--end", "2999-12-31"]

    # update-prices: the variants its dry run names are the variants the plan changes.
    dry = recipe(bin_path, real, tmp_path, "update-prices.lua", "prices.csv", "--dry-run")
    said = sorted(line.split(":")[0] for line in dry.stdout.splitlines() if " -> " in line)
    objects = planned(bin_path, real, tmp_path, "update-prices.lua", "prices.csv")
    assert said == sorted(v["sku"] for v in variants) == sorted(o["name"] for o in objects if o["entity"] == "variant")

    # campaign-widget: would create the template and the widget, would place it.
    dry = recipe(bin_path, real, tmp_path, "campaign-widget.lua", *widget, "--dry-run")
    assert [line for line in dry.stdout.splitlines() if line.startswith("would ")][:3] == [
        "would create the template", "would create the widget", "would place it on pages/home in home_below_menu (active)"]
    objects = planned(bin_path, real, tmp_path, "campaign-widget.lua", *widget)
    assert sorted((o["entity"], o["action"]) for o in objects) == [("placement", "created"), ("widget", "created"),
                                                                   ("widget_template", "created")]

    # ship-orders: would ship order 100, and the plan makes its one shipment.
    dry = recipe(bin_path, real, tmp_path, "ship-orders.lua", "ship", "shipped.csv", "--dry-run")
    assert "would ship order 100: 1 lines, ups 1ZTRACK100" in dry.stdout
    objects = planned(bin_path, real, tmp_path, "ship-orders.lua", "ship", "shipped.csv")
    assert [(o["entity"], o["action"], o["after"]["order_id"], o["after"]["tracking_number"]) for o in objects] == [
        ("order shipment", "created", 100, "1ZTRACK100")]

    # checkout-domain: the channel's site (a family's route, read from the store first) gets
    # the checkout URL its dry run names; the cart it verifies with is made and deleted.
    dry = recipe(bin_path, real, tmp_path, "checkout-domain.lua", "https://checkout.sandbox.example.com", "--dry-run")
    assert "channel 1: checkout (shared) -> https://checkout.sandbox.example.com (dry run)" in dry.stdout, dry.stdout + dry.stderr
    objects = planned(bin_path, real, tmp_path, "checkout-domain.lua", "https://checkout.sandbox.example.com")
    [site] = objects
    assert (site["entity"], site["action"]) == ("site", "updated")
    assert [u["url"] for u in site["after"]["urls"] if u["type"] == "checkout"] == ["https://checkout.sandbox.example.com"]

    # rotate-carrier: would create the connection its dry run names; its secret is in neither.
    credentials = {"CARRIER_ACCOUNT_ID": "acct", "CARRIER_PASS_PHRASE": "plan-secret-1"}
    dry = recipe(bin_path, real, tmp_path, "rotate-carrier.lua", "endicia", "--create", "--dry-run", env=credentials)
    assert "would create endicia with account_id, pass_phrase" in dry.stdout, dry.stdout + dry.stderr
    objects = planned(bin_path, real, tmp_path, "rotate-carrier.lua", "endicia", "--create", env=credentials)
    assert [(o["entity"], o["action"], o["id"]) for o in objects] == [("carrier_connection", "created", "endicia")]
    assert "plan-secret-1" not in json.dumps(objects)

    # deploy-theme: would upload; the plan uploads (the job, the theme it makes) and activates
    # the variation on channel 1; os.exit ends the recipe and the plan is still shown.
    from test_recipes import bundle
    bundle(tmp_path / "winter.zip", "Winter")
    dry = recipe(bin_path, real, tmp_path, "deploy-theme.lua", "winter.zip", "--variation", "Dark", "--dry-run")
    assert dry.stdout.splitlines() == ["would upload winter.zip"], dry.stdout + dry.stderr
    objects = planned(bin_path, real, tmp_path, "deploy-theme.lua", "winter.zip", "--variation", "Dark")
    [theme] = [o for o in objects if o["entity"] == "theme" and o["action"] == "created"]
    [active] = [o for o in objects if o["entity"] == "active_theme"]
    assert theme["after"]["name"] == "Winter" and active["id"] == "1"
    assert active["after"]["active_theme_uuid"] == theme["id"]
    assert active["after"]["active_variation_id"] == theme["after"]["variations"][1]["uuid"]

    # renew-certificates: each site its dry run would renew gets a certificate for its host,
    # from one DigiCert order (simulated: never placed), its key shown as ***.
    digicert = {"DIGICERT_API_KEY": real.token, "DIGICERT_API_URL": real.root, "DIGICERT_ORGANIZATION_ID": "123456"}
    dry = recipe(bin_path, real, tmp_path, "renew-certificates.lua", "--dry-run", env=digicert)
    said = sorted(line.split()[1] for line in dry.stdout.splitlines() if ": would renew" in line)
    assert said, dry.stdout + dry.stderr
    objects = planned(bin_path, real, tmp_path, "renew-certificates.lua", "--wait", "5", "--poll", "0.1", env=digicert)
    installed = {o["id"]: o["after"] for o in objects if o["entity"] == "site_certificate"}
    orders = [o["after"] for o in objects if o["entity"] == "digicert_order" and o["action"] == "created"]
    assert sorted(installed) == said and len(orders) == len(said)
    assert sorted(o["certificate"]["common_name"] for o in orders) == sorted(c["url"] for c in installed.values())
    assert all(c["private_key"] == "***" for c in installed.values())
    assert "PRIVATE KEY" not in json.dumps(objects)
    assert [e for e in real.log() if e["path"].startswith("/services/") and e["method"] != "GET"] == []

    assert writes_that_reached(real) == []


def test_the_repl_plans_shows_the_plan_and_applies_it_after_a_yes(bin_path, real, tmp_path):
    import pexpect
    env = dict(env_for(real, tmp_path), NO_COLOR="1", TERM="xterm")
    child = pexpect.spawn(bin_path, ["repl"], env=env, encoding="utf-8", timeout=30, cwd=str(tmp_path), dimensions=(40, 200))
    child.expect("\r\n> ")

    def say(line):
        child.sendline(line)
        child.expect("\r\n> ")
        return child.before

    assert "planning: reads come from the store" in say(":plan on")
    say("bc.catalog.products.update(1, {price = 11})")
    assert "1000000000" in say("bc.catalog.brands.create({name = 'REPL Brand'}).id")
    shown = say(":plan")
    assert "Plan: 1 to create, 1 to change, 0 to delete (2 writes)." in shown and '+ brand 1000000000 "REPL Brand"' in shown
    assert writes_that_reached(real) == []
    child.sendline(":plan apply")
    child.expect(r"\[y/N\] ")
    child.sendline("n")
    child.expect("\r\n> ")
    assert "nothing sent; still planning" in child.before and writes_that_reached(real) == []
    child.sendline(":plan apply")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("\r\n> ")
    assert "applied: 2 writes sent; not planning any more" in child.before, child.before
    assert real.get("/v3/catalog/products/1").json()["data"]["price"] == 11
    assert [b["name"] for b in real.get("/v3/catalog/brands").json()["data"]].count("REPL Brand") == 1
    # No longer planning: what runs reaches the store.
    say("bc.catalog.brands.create({name = 'Direct'})")
    assert writes_that_reached(real) == [("PUT", "/v3/catalog/products/1"), ("POST", "/v3/catalog/brands"), ("POST", "/v3/catalog/brands")]
    child.sendeof()
    child.expect(pexpect.EOF)


# Every call either returns or raises an API error (a table with a status), nothing else.
PLAN_EVERY = r"""
local api, other = 0, {}
for _, c in ipairs(calls) do
  if not c.ok then
    if type(c.result) == "table" and type(c.result.status) == "number" then api = api + 1
    else other[#other + 1] = c.op.method .. " " .. c.op.path .. ": " .. tostring(c.result) end
  end
end
io.stderr:write(#calls .. " operations, " .. api .. " API errors, " .. #other .. " other\n")
for _, o in ipairs(other) do io.stderr:write("OTHER " .. o .. "\n") end
"""


def test_every_operation_under_plan_sends_no_write_to_the_store(bin_path, real, tmp_path):
    # Every binding of the catalog (the seed's 149, the Management API's and DigiCert's), once,
    # as the every-operation test calls them: under --plan, the store sees only reads.
    from test_seed_operations import CALL_EACH, operations
    ops = operations(seed_only=True) + operations(seed_only=False)
    r = plan(bin_path, real, tmp_path, "OPS = " + json.dumps(json.dumps(ops)) + "\n" + CALL_EACH + PLAN_EVERY, "--plan-format", "json")
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{len(ops)} operations, " in r.stderr and " 0 other" in r.stderr, r.stderr[-3000:]
    shown = json.loads(r.stdout.splitlines()[-1])
    assert len(shown["writes"]) > 50
    assert writes_that_reached(real) == []
    print(f"\n{len(ops)} operations under --plan: {len(shown['writes'])} writes planned, none sent")


def test_a_plan_file_never_holds_a_private_key_and_apply_refuses_the_write_that_carried_one(bin_path, real, tmp_path):
    out = tmp_path / "p.json"
    pem = "-----BEGIN PRIVATE KEY-----\\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\\n-----END PRIVATE KEY-----"
    code = ('bc.catalog.products.metafields.create(1, {namespace = "tls", key = "k", permission_set = "read", value = "' + pem + '"})'
            ' bc.catalog.products.update(1, {price = 11})')
    r = plan(bin_path, real, tmp_path, code, "--plan-out", str(out))
    assert r.returncode == 0, r.stderr
    assert "BEGIN PRIVATE KEY" not in out.read_text() + r.stdout + r.stderr
    assert json.loads(out.read_text())["writes"][0]["body"]["value"] == "***"
    a = apply(bin_path, real, tmp_path, out)
    assert a.returncode == 2 and "write 1 (POST /v3/catalog/products/1/metafields) carried a secret" in a.stderr, a.stderr
    assert "nothing was sent" in a.stderr
    assert writes_that_reached(real) == []


TOUCHES = """
bc.catalog.products.update(1, {price = 11.5, is_featured = true})
local brand = bc.catalog.brands.create({name = "Applied Brand"})
bc.catalog.brands.update(brand.id, {name = "Applied Brand", page_title = "Applied"})
local category = bc.catalog.categories.create({name = "Applied Category", parent_id = 0})
local product = bc.catalog.products.create({name = "Applied Product", type = "physical", weight = 2, price = 9,
                                            brand_id = brand.id, categories = {category.id}})
-- Its base variant: made by the store with the product, named by the answer apply gets.
bc.catalog.products.variants.update(product.id, product.base_variant_id, {price = 8.5, sku = "APPLIED-1"})
bc.customers.create({{email = "applied@example.com", first_name = "Ap", last_name = "Plied"}})
bc.catalog.products.delete(2)
"""

PATHS = {"product": "/v3/catalog/products/{}", "brand": "/v3/catalog/brands/{}", "category": "/v3/catalog/categories/{}",
         "customer": "/v3/customers?id:in={}"}


def stored(real, entity, id):
    if entity == "variant":
        product = [p for p in real.get("/v3/catalog/products", params={"name": "Applied Product"}).json()["data"]][0]
        return real.get(f"/v3/catalog/products/{product['id']}/variants/{id}").json().get("data")
    r = real.get(PATHS[entity].format(id))
    if r.status_code == 404:
        return None
    data = r.json()["data"]
    return data[0] if isinstance(data, list) else data


def test_after_apply_every_object_the_plan_touched_is_in_the_store_as_the_overlay_had_it(bin_path, real, tmp_path):
    out = tmp_path / "p.json"
    r = plan(bin_path, real, tmp_path, TOUCHES, "--plan-out", str(out))
    assert r.returncode == 0, r.stderr
    objects = json.loads(out.read_text())["objects"]
    assert sorted({o["entity"] for o in objects}) == ["brand", "category", "customer", "product", "variant"]
    a = apply(bin_path, real, tmp_path, out)
    assert a.returncode == 0, a.stderr
    # The rows the plan made have the store's ids now: found by what names them.
    real_ids = {}
    for o in objects:
        if o["action"] == "created" and o["entity"] in ("brand", "category", "product"):
            found = real.get(PATHS[o["entity"]].format("").rstrip("/"), params={"name": o["after"]["name"]}).json()["data"]
            real_ids[o["id"]] = found[0]["id"]
        elif o["action"] == "created" and o["entity"] == "customer":
            real_ids[o["id"]] = real.get("/v3/customers", params={"email:in": "applied@example.com"}).json()["data"][0]["id"]
        elif o["action"] == "created" and o["entity"] == "variant":
            real_ids[o["id"]] = [p for p in real.get("/v3/catalog/products", params={"name": "Applied Product"}).json()["data"]][0]["base_variant_id"]
    assert all(int(v) < 1_000_000_000 for v in real_ids.values()), real_ids
    compared = 0
    for o in objects:
        row = stored(real, o["entity"], real_ids.get(o["id"], o["id"]))
        if o["action"] == "deleted":
            assert row is None, o
            continue
        for field, value in o["after"].items():
            if field in ("id", "date_created", "date_modified", "date_last_imported", "custom_url", "calculated_price") or value in (None, [], ""):
                continue
            if field not in row:  # kept by the store, not shown by this route (a category's tree)
                continue
            if isinstance(value, int) and value >= 1_000_000_000:
                value = real_ids[str(value)]
            if isinstance(value, list):
                value = [real_ids.get(str(v), v) if isinstance(v, int) else v for v in value]
            assert row.get(field) == value, (o["entity"], o["id"], field, value, row.get(field))
            compared += 1
    assert compared > 40
    print(f"\nafter apply: {len(objects)} objects, {compared} fields as the overlay had them")


def test_apply_refuses_before_sending_anything_what_a_plan_file_cannot_carry(bin_path, real, tmp_path):
    import zipfile
    bundle = tmp_path / "w.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("config.json", json.dumps({"name": "Winter", "variations": [{"name": "Light"}, {"name": "Dark"}]}))
        z.writestr("schema.json", "[]")
        z.writestr("templates/pages/home.html", "<h1>hi</h1>")
    out = tmp_path / "p.json"
    # An upload (the file is not in the plan) and an id of a theme the upload's job made.
    code = f"""
    local job = bc.themes.upload{{file = "{bundle}"}}.job_id
    local done repeat done = bc.themes.jobs.get(job) async.sleep(0.05) until done.status == "COMPLETED" or done.status == "FAILED"
    local theme = bc.themes.get(done.result.theme_id)
    bc.themes.activate({{variation_id = theme.variations[2].uuid, which = "original"}}, {{query = {{channel_id = 1}}}})
    """
    r = plan(bin_path, real, tmp_path, code, "--plan-out", str(out))
    assert r.returncode == 0, r.stderr
    a = apply(bin_path, real, tmp_path, out)
    assert a.returncode == 2, a.stderr
    assert "write 1 (POST /v3/themes) uploaded w.zip, and a plan file holds no file" in a.stderr
    assert "write 2 (POST /v3/themes/actions/activate) names " in a.stderr and "the plan's store gave theme " in a.stderr
    assert "nothing was sent: run the script itself to make those changes" in a.stderr
    assert writes_that_reached(real) == []
