"""State belongs to a store: an agency's stores, which have the same site ids, renew their
certificates and export their subscribers from single-profile cron runs and from `--profiles`
without one store's journal or mark ever reaching another. Two sandboxes are the two stores;
the agency's one DigiCert account is the first sandbox's."""
import csv
import json
import os
import re
import pathlib
import subprocess
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sandbox_support import Sandbox, self_signed

RECIPES = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "recipes"


class Agency:
    """Two stores in config.toml (shop-a, shop-b: same store hash, same site ids, other origins)
    and one DigiCert account, as an agency's cron lines see them; HOME is the state's root."""

    def __init__(self, bin_path, tmp_path):
        self.bin, self.tmp = bin_path, tmp_path
        self.a = Sandbox(bin_path, "--rate-limit", "off", "--issuance-delay", "0", "--db", str(tmp_path / "a.db"), token="token-a")
        self.b = Sandbox(bin_path, "--rate-limit", "off", "--issuance-delay", "0", "--db", str(tmp_path / "b.db"), token="token-b")
        self.config = tmp_path / "config.toml"
        self.config.write_text("".join(f"""
[profiles.{name}]
store_hash = "sandbox"
access_token_env = "{env}"
api_url = "{sb.root}"
digicert_api_key_env = "AGENCY_DIGICERT"
digicert_api_url = "{self.a.root}"
""" for name, env, sb in (("shop-a", "TOKEN_A", self.a), ("shop-b", "TOKEN_B", self.b))))
        os.chmod(self.config, 0o600)
        self.home = tmp_path / "home"
        self.env = dict(os.environ, HOME=str(self.home), STORESCRIPT_CONFIG=str(self.config), TOKEN_A="token-a",
                        TOKEN_B="token-b", AGENCY_DIGICERT="token-a", DIGICERT_ORGANIZATION_ID="123456")
        self.env.pop("XDG_STATE_HOME", None)

    def storescript(self, *args):
        return subprocess.run([self.bin, *args], capture_output=True, text=True, env=self.env, timeout=180, cwd=self.tmp)

    def renew(self, *selection, args=()):
        return self.storescript("run", *selection, str(RECIPES / "renew-certificates.lua"), "--wait", "20", "--poll", "0.1", *args)

    def owner(self, profile):
        r = self.storescript("run", "--profile", profile, "-e", "print(state.owner)")
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def journal(self, profile, name="renewals"):
        """{key: value} of a store's journal, as the store's own runs read it."""
        code = f'local s, out = state.open("{name}"), {{}} for _, k in ipairs(s:keys()) do out[k] = s:get(k) end print(json.encode(out))'
        r = self.storescript("run", "--profile", profile, "-e", code)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def orders(self):
        return self.a.state()["entities"].get("digicert_order", [])

    def stop(self):
        self.a.stop()
        self.b.stop()


@pytest.fixture
def agency(bin_path, tmp_path):
    a = Agency(bin_path, tmp_path)
    yield a
    a.stop()


def public_key(pem, csr=False):
    obj = x509.load_pem_x509_csr(pem.encode()) if csr else x509.load_pem_x509_certificate(pem.encode())
    return obj.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def installed_order(agency, sb):
    """The DigiCert order whose key site 1 of this store carries."""
    cert = sb.get("/v3/sites/1/certificate").json()["data"]["installed_certificate"]["certificate"]
    found = [o for o in agency.orders() if public_key(o["certificate"]["csr"], csr=True) == public_key(cert)]
    assert len(found) == 1, found
    return found[0]


def expire_site_1(sb):
    pem, key = self_signed("sandbox.example.com", days=12, starts_days=-2)
    assert sb.put("/v3/sites/1/certificate", {"certificate": {"certificate": pem, "private_key": key}}).status_code == 200


def test_state_is_kept_per_store_two_profiles_of_one_store_share_it(agency):
    with open(agency.config, "a") as f:
        f.write(f'\n[profiles.shop-a-again]\nstore_hash = "sandbox"\naccess_token_env = "TOKEN_A"\napi_url = "{agency.a.root}/"\n')
    a, again, b = (agency.owner(p) for p in ("shop-a", "shop-a-again", "shop-b"))
    assert a == again and a != b and a.startswith("sandbox@127.0.0.1-") and b.startswith("sandbox@127.0.0.1-")
    r = agency.storescript("run", "--profile", "shop-a", "-e", 'print(state.open("marks").path)')
    assert r.stdout.strip() == str(agency.home / ".local/state/storescript/stores" / a / "marks.db")
    r = agency.storescript("run", "--profile", "shop-a", "--state-dir", str(agency.tmp / "mine"), "-e", 'print(state.open("marks").path)')
    assert r.stdout.strip() == str(agency.tmp / "mine" / "marks.db")
    alone = subprocess.run([agency.bin, "run", "-e", 'print(state.owner, state.open("marks").path)'], capture_output=True,
                           text=True, env=dict(agency.env, STORESCRIPT_CONFIG=str(agency.tmp / "none.toml")), timeout=30)
    assert alone.stdout.strip() == "nil\t" + str(agency.home / ".local/state/storescript/local/marks.db"), alone.stderr


def test_a_state_file_of_an_earlier_version_is_refused_with_how_to_move_it(agency):
    root = agency.home / ".local" / "state" / "storescript"
    root.mkdir(parents=True)
    (root / "renewals.db").write_bytes(b"")
    r = agency.renew("--profile", "shop-a", args=["--dry-run"])
    assert r.returncode == 1 and agency.orders() == []
    first = r.stderr.splitlines()[0]
    # The recipe's own line (Lua shortens a long path to ".../tail", so a clone's path may not show whole).
    assert re.match(r"storescript: (\.\.\.)?\S*renew-certificates\.lua:\d+: state\.open: ", first), first
    assert f"found {root}/renewals.db" in first and "mv " in first and f"stores/{agency.owner('shop-a')}" in first
    # Moved where it says, it is used.
    target = root / "stores" / agency.owner("shop-a")
    target.mkdir(parents=True)
    (root / "renewals.db").rename(target / "renewals.db")
    assert agency.renew("--profile", "shop-a", args=["--dry-run"]).returncode == 0


@pytest.mark.parametrize("order", [("shop-a", "shop-b"), ("shop-b", "shop-a")])
def test_two_stores_with_the_same_site_ids_renew_one_after_the_other_each_with_its_own_orders(agency, order):
    for profile in order:
        r = agency.renew("--profile", profile)
        assert r.returncode == 0, r.stdout + r.stderr
    first = {"shop-a": installed_order(agency, agency.a), "shop-b": installed_order(agency, agency.b)}
    assert first["shop-a"]["id"] != first["shop-b"]["id"] and len(agency.orders()) == 2
    assert first["shop-a"]["renewed_order_id"] is None and first["shop-b"]["renewed_order_id"] is None
    # Both fall due again: each renewal continues its own store's order, never the other's.
    expire_site_1(agency.a)
    expire_site_1(agency.b)
    for profile in reversed(order):
        r = agency.renew("--profile", profile)
        assert r.returncode == 0, r.stdout + r.stderr
    for profile, sb in (("shop-a", agency.a), ("shop-b", agency.b)):
        again = installed_order(agency, sb)
        assert again["renewed_order_id"] == first[profile]["id"], (profile, again, first)
        journal = agency.journal(profile)
        assert journal == {"last:1": {"store": agency.owner(profile), "order_id": again["id"], "host": "sandbox.example.com",
                                      "not_after": journal["last:1"]["not_after"]}}
    assert len(agency.orders()) == 4


def test_two_stores_renew_at_once_from_single_runs_and_from_profiles(agency):
    results = {}
    threads = [threading.Thread(target=lambda p=p: results.__setitem__(p, agency.renew("--profile", p))) for p in ("shop-a", "shop-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results.values()), {p: r.stderr for p, r in results.items()}
    first = {"shop-a": installed_order(agency, agency.a)["id"], "shop-b": installed_order(agency, agency.b)["id"]}
    assert len(set(first.values())) == 2
    expire_site_1(agency.a)
    expire_site_1(agency.b)
    r = agency.renew("--profiles", "shop-a,shop-b")
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(line.split()[0] for line in r.stdout.splitlines()) == ["[shop-a]", "[shop-b]"]
    for profile, sb in (("shop-a", agency.a), ("shop-b", agency.b)):
        assert installed_order(agency, sb)["renewed_order_id"] == first[profile]
        assert {e["store"] for e in agency.journal(profile).values()} == {agency.owner(profile)}


def test_a_journal_entry_of_another_store_is_refused_where_stores_share_a_state_directory(agency):
    shared = str(agency.tmp / "shared")
    assert agency.renew("--profile", "shop-a", "--state-dir", shared).returncode == 0
    r = agency.renew("--profile", "shop-b", "--state-dir", shared)
    assert r.returncode == 1
    assert f"the journal's last:1 belongs to store {agency.owner('shop-a')}, not to this one ({agency.owner('shop-b')})" in r.stdout
    assert len(agency.orders()) == 1  # nothing ordered for shop-b on shop-a's behalf


def test_export_subscribers_keeps_one_mark_per_store(agency):
    export = str(RECIPES / "export-subscribers.lua")

    def rows(name):
        return [r["email"] for r in csv.DictReader(open(agency.tmp / name, newline=""))]

    assert agency.storescript("run", "--profile", "shop-a", export, "--out", "a1.csv").returncode == 0
    assert agency.b.post("/v3/customers/subscribers", {"email": "only-b@example.com"}).status_code == 200
    # shop-a's mark says nothing of shop-b: its first run writes every subscriber it has.
    r = agency.storescript("run", "--profile", "shop-b", export, "--out", "b1.csv")
    assert r.returncode == 0, r.stderr
    assert len(rows("b1.csv")) == len(rows("a1.csv")) + 1 and "only-b@example.com" in rows("b1.csv")
    assert agency.a.post("/v3/customers/subscribers", {"email": "only-a@example.com"}).status_code == 200
    r = agency.storescript("run", "--profiles", "shop-*", export, "--out", "-")
    assert r.returncode == 0, r.stderr
    got = sorted(line.split(" ", 1)[0] + " " + line.split(",")[1] for line in r.stdout.splitlines() if "@" in line)
    assert got == ["[shop-a] only-a@example.com"], r.stdout
