"""scripts/recipes/renew-certificates.lua as cron runs it: against a sandbox kept in SQLite
(so that state survives between runs, as a real store's does), through the real binary, with
its journal in a state directory. Asserted through the sandbox's own records: DigiCert orders
per host, and the certificate each site has installed."""
import json
import os
import pathlib
import random
import signal
import subprocess
import time

import pytest
import requests

from sandbox_support import Sandbox, self_signed

RECIPE = str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "recipes" / "renew-certificates.lua")


class Store:
    """A sandbox in its own process (--db) and the environment a cron line would give the recipe."""

    def __init__(self, bin_path, tmp_path, *args):
        self.bin, self.tmp = bin_path, tmp_path
        self.sb = Sandbox(bin_path, "--rate-limit", "off", "--db", str(tmp_path / "store.db"), *args)
        self.env = dict(os.environ, HOME=str(tmp_path / "home"), BIGCOMMERCE_STORE_HASH="sandbox",
                        BIGCOMMERCE_ACCESS_TOKEN=self.sb.token, BIGCOMMERCE_API_URL=self.sb.root,
                        DIGICERT_API_KEY=self.sb.token, DIGICERT_API_URL=self.sb.root, DIGICERT_ORGANIZATION_ID="123456")
        self.state_dir = str(tmp_path / "state")

    def command(self, *args, lock=None):
        lock_args = ["--lock", lock] if lock else []
        return [self.bin, "run", "--state-dir", self.state_dir, *lock_args, RECIPE, "--wait", "20", "--poll", "0.1", *args]

    def run(self, *args, env=None, timeout=120, lock=None):
        return subprocess.run(self.command(*args, lock=lock), capture_output=True, text=True,
                              env=dict(self.env, **(env or {})), timeout=timeout)

    def time(self, **settings):
        r = requests.put(self.sb.root + "/__sandbox/time", data=json.dumps(settings), headers=self.sb.control, timeout=5)
        assert r.status_code == 200, r.text

    def site(self, host):
        channel = self.sb.post("/v3/channels", {"name": host, "type": "storefront", "platform": "bigcommerce"}).json()["data"]
        r = self.sb.post("/v3/sites", {"url": f"https://{host}", "channel_id": channel["id"]})
        assert r.status_code == 201, r.text
        return r.json()["data"]["id"]

    def install(self, site, host, days, starts_days=-1):
        pem, key = self_signed(host, days=days, starts_days=starts_days)
        r = self.sb.put(f"/v3/sites/{site}/certificate", {"certificate": {"certificate": pem, "private_key": key}})
        assert r.status_code == 200, r.text
        return pem

    def open_journal(self):
        """The sites the journal still has work for."""
        r = subprocess.run([self.bin, "run", "--state-dir", self.state_dir, "-e",
                            'for _, k in ipairs(state.open("renewals"):keys("site:")) do print(k) end'],
                           capture_output=True, text=True, env=self.env, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    def orders(self):
        return self.sb.state()["entities"].get("digicert_order", [])

    def orders_for(self, host):
        return [o for o in self.orders() if o["certificate"]["common_name"] == host]

    def installed(self, site):
        r = self.sb.get(f"/v3/sites/{site}/certificate")
        return r.json()["data"]

    def stop(self):
        self.sb.stop()


@pytest.fixture
def store(bin_path, tmp_path):
    s = Store(bin_path, tmp_path, "--issuance-delay", "0")
    yield s
    s.stop()


def lines(r):
    return [json.loads(line) for line in r.stdout.splitlines()]


def assert_renewed(store, site, host):
    """Exactly one order for the host, and the site carries its certificate: valid, for the host."""
    assert len(store.orders_for(host)) == 1, [o["id"] for o in store.orders_for(host)]
    detail = store.installed(site)
    assert detail["status"] == "dedicated", detail
    cert = detail["installed_certificate"]
    assert host in cert["subject_alternative_names"] and "Sandbox DigiCert" in cert["issuer"]


def test_one_run_renews_exactly_the_sites_that_need_it_and_a_second_does_nothing(store):
    valid, expiring, expired, moved = (store.site(h) for h in ("valid.example.com", "expiring.example.com",
                                                             "expired.example.com", "wrong.example.com"))
    store.install(valid, "valid.example.com", days=400)
    store.install(expiring, "expiring.example.com", days=12, starts_days=-2)  # 10 days left: under 30
    store.time(advance_seconds=-20 * 86400)  # installed while it was still valid ...
    store.install(expired, "expired.example.com", days=10, starts_days=-21)
    store.time(advance_seconds=20 * 86400)  # ... and expired since
    store.install(moved, "wrong.example.com", days=400)
    assert store.sb.put(f"/v3/sites/{moved}", {"url": "https://moved.example.com"}).status_code == 200

    plan = store.run("--dry-run", "--log-format", "json")
    assert plan.returncode == 0, plan.stderr
    actions = {p["site"]: (p["action"], p["reason"]) for p in lines(plan)}
    assert actions[valid][0] == "ok" and actions[1] == ("would renew", "missing")
    assert actions[expiring][1].startswith("expiring") and actions[expired][1] == "expired" and actions[moved][1] == "wrong-host"
    assert store.orders() == []

    r = store.run("--log-format", "json", env={"RENEW_HOOK_LOG": str(store.tmp / "hook.log")})
    assert r.returncode == 0, r.stdout + r.stderr
    results = {p["site"]: p for p in lines(r)}
    assert {s: p["action"] for s, p in results.items()} == {1: "renewed", valid: "ok", expiring: "renewed", expired: "renewed", moved: "renewed"}
    assert all(p["error"] is None for p in results.values())
    for site, host in [(1, "sandbox.example.com"), (expiring, "expiring.example.com"), (expired, "expired.example.com"),
                       (moved, "moved.example.com")]:
        assert_renewed(store, site, host)
        assert results[site]["order_id"] == store.orders_for(host)[0]["id"]
    assert store.orders_for("valid.example.com") == []

    again = store.run("--log-format", "json")
    assert again.returncode == 0, again.stderr
    assert {p["action"] for p in lines(again)} == {"ok"}
    assert len(store.orders()) == 4


def test_the_deploy_hook_runs_after_each_install_with_the_site_host_and_expiry(store, tmp_path):
    out = tmp_path / "hook.txt"
    r = store.run("--deploy-hook", f'echo "$RENEWED_SITE_ID $RENEWED_HOST $RENEWED_NOT_AFTER $RENEWED_ORDER_ID" >> {out}')
    assert r.returncode == 0, r.stdout + r.stderr
    site, host, not_after, order = out.read_text().split()
    assert (site, host) == ("1", "sandbox.example.com") and not_after.startswith("20") and int(order) == store.orders()[0]["id"]
    assert "site 1 sandbox.example.com: renewed (missing) order" in r.stdout


def test_no_private_key_reaches_the_output_the_state_or_the_log(store):
    r = store.run("--log-format", "json")
    assert r.returncode == 0, r.stderr
    everything = r.stdout + r.stderr + json.dumps(store.sb.state()) + json.dumps(store.sb.log())
    assert "PRIVATE KEY" not in everything
    journal = pathlib.Path(store.state_dir) / "renewals.db"
    assert journal.stat().st_mode & 0o777 == 0o600
    # The site is done: its journal entry, key and all, is gone from every file of the store
    # (deleted rows overwritten, the write-ahead log emptied), not only from what reads see.
    files = sorted(pathlib.Path(store.state_dir).glob("renewals.db*"))
    assert files and not any(b"PRIVATE KEY" in f.read_bytes() for f in files), files


KILL_POINTS = ["after-key", "before-order", "after-order", "after-order-journaled", "after-download",
               "before-install", "after-install", "after-verify"]


def test_a_run_killed_at_any_step_is_finished_by_the_next_with_exactly_one_order(store, capsys):
    hosts = {}
    for point in KILL_POINTS:
        host = f"{point}.example.com"
        hosts[point] = (store.site(host), host)
    for point, (site, host) in hosts.items():
        killed = store.run("--site", str(site), env={"RENEW_TEST_KILL_AT": point})
        assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr)
        done = store.run("--site", str(site))
        assert done.returncode == 0, (point, done.stdout, done.stderr)
        assert_renewed(store, site, host)
    assert store.open_journal() == []
    with capsys.disabled():
        print(f"\nrenewal crash safety: {len(KILL_POINTS)} journaled kill points tried, all finished with one order each")


def test_runs_killed_at_random_moments_never_order_twice(bin_path, tmp_path, capsys):
    # Issuance takes a little while, so the kills land in every step, the wait included.
    store = Store(bin_path, tmp_path, "--issuance-delay", "150ms")
    rng = random.Random(11)
    runs = 50
    try:
        for i in range(runs):
            host = f"random{i}.example.com"
            site = store.site(host)
            proc = subprocess.Popen(store.command("--site", str(site)), env=store.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            done = store.run("--site", str(site))
            assert done.returncode == 0, (i, done.stdout, done.stderr)
            assert_renewed(store, site, host)
        assert store.open_journal() == []
    finally:
        store.stop()
    with capsys.disabled():
        print(f"\nrenewal crash safety: {runs} runs killed at random moments, each finished by the next with one order")


def test_with_faults_injected_the_job_still_ends_correct(bin_path, tmp_path):
    store = Store(bin_path, tmp_path, "--issuance-delay", "0", "--faults", "error=0.05,drop-before=0.03,drop-after=0.02", "--seed", "5")
    try:
        sites = [(store.site(f"faulty{i}.example.com"), f"faulty{i}.example.com") for i in range(4)]
        for attempt in range(8):
            r = store.run()
            if r.returncode == 0:
                break
            assert r.returncode == 1, r.stderr
        assert r.returncode == 0, r.stdout + r.stderr
        store.sb.faults(error_rate=0, drop_before_rate=0, drop_after_rate=0)
        for site, host in sites + [(1, "sandbox.example.com")]:
            assert_renewed(store, site, host)
    finally:
        store.stop()


def test_slow_issuance_leaves_the_order_pending_and_the_next_run_installs_it(bin_path, tmp_path):
    store = Store(bin_path, tmp_path, "--issuance-delay", "60s")
    try:
        first = store.run("--wait", "0.5")
        assert first.returncode == 0, first.stderr
        assert "pending" in first.stdout and "the next run installs it" in first.stdout
        assert store.installed(1)["status"] == "shared"
        store.time(advance_seconds=61)
        second = store.run()
        assert second.returncode == 0, second.stderr
        assert "renewed" in second.stdout
        assert_renewed(store, 1, "sandbox.example.com")
    finally:
        store.stop()


def test_a_second_run_with_the_same_lock_exits_3_and_does_nothing(bin_path, tmp_path):
    store = Store(bin_path, tmp_path, "--issuance-delay", "3s")
    lock = str(tmp_path / "renew.lock")
    try:
        first = subprocess.Popen(store.command("--wait", "10", lock=lock), env=store.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        while not store.orders() and time.time() < deadline:
            time.sleep(0.05)
        second = store.run(lock=lock)
        assert second.returncode == 3, second.stderr
        assert second.stdout == ""
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        assert len(store.orders()) == 1
    finally:
        store.stop()


def test_the_dry_run_prints_a_plan_for_the_demo_store(run):
    r = run("run", "--sandbox", RECIPE, "--dry-run", timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("site 1 sandbox.example.com: would renew (missing)")


def test_bad_options_are_refused_with_exit_2(run):
    r = run("run", "--sandbox", RECIPE, "--key", "dsa-512", timeout=60)
    assert r.returncode == 2 and "--key must be one of rsa-2048" in r.stderr
    r = run("run", "--sandbox", RECIPE, env={"DIGICERT_ORGANIZATION_ID": ""}, timeout=60)
    assert r.returncode == 2 and "--organization" in r.stderr


def test_a_deploy_hook_that_failed_or_was_killed_runs_again_on_the_next_run(store):
    count = store.tmp / "hook-runs"
    # The first hook fails: the certificate is installed, the site's entry stays open.
    failing = f'echo run >> {count}; exit 3'
    r = store.run("--deploy-hook", failing)
    assert r.returncode == 1 and "the deploy hook failed (exit 3); the next run runs it again" in r.stdout, r.stdout + r.stderr
    assert store.open_journal() == ["site:1"] and len(store.orders()) == 1
    # The next run: the hook is killed with the run (SIGKILL while it runs).
    killing = f'echo run >> {count}; kill -KILL $PPID; sleep 5'
    r = store.run("--deploy-hook", killing)
    assert r.returncode == -9, r.stdout + r.stderr
    assert store.open_journal() == ["site:1"]
    # Then one that works closes the site; the run after that has nothing to do.
    r = store.run("--deploy-hook", f'echo run >> {count}')
    assert r.returncode == 0 and "site 1 sandbox.example.com: renewed" in r.stdout, r.stdout + r.stderr
    assert store.open_journal() == [] and count.read_text().count("run") == 3 and len(store.orders()) == 1
    r = store.run("--deploy-hook", f'echo run >> {count}')
    assert "site 1 sandbox.example.com: ok" in r.stdout and count.read_text().count("run") == 3


def test_a_deploy_hook_gets_the_renewal_and_no_credential(store):
    out = store.tmp / "hook-env"
    r = store.run("--deploy-hook", f"env > {out}")
    assert r.returncode == 0, r.stdout + r.stderr
    env = out.read_text()
    assert "RENEWED_SITE_ID=1" in env and "RENEWED_HOST=sandbox.example.com" in env
    assert "BIGCOMMERCE_ACCESS_TOKEN" not in env and "DIGICERT_API_KEY" not in env
