"""`storescript listen` (issue 22) through the binary: a sandbox in its own process is the store
(its hooks may call loopback), the listener runs handlers files that record each event they
handle in a file, and the store's changes reach them as the store's callbacks."""
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import time

import pytest
import requests

from sandbox_support import Sandbox, self_signed

RECIPES = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "recipes")

RECORDER = """
on("{scope}", function(event)
  {before}
  local f = assert(io.open("handled.txt", "a"))
  f:write(event.scope, " ", tostring(event.data.id), " ", event.hash, " ", event.attempt, "\\n")
  f:close()
end)
"""


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Listening:
    """A store, and listeners for it started on one port with one state directory."""

    def __init__(self, bin_path, tmp_path):
        self.bin, self.tmp = bin_path, tmp_path
        self.store = Sandbox(bin_path, "--rate-limit", "off", "--webhooks-to-loopback", token="store-token")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = dict(os.environ, BIGCOMMERCE_STORE_HASH="sandbox", BIGCOMMERCE_ACCESS_TOKEN="store-token",
                        BIGCOMMERCE_API_URL=self.store.base, HOME=str(tmp_path / "home"), STORESCRIPT_CONFIG=str(tmp_path / "none.toml"))
        self.env.pop("XDG_STATE_HOME", None)
        self.state_dir = str(tmp_path / "state")
        self.procs = []

    def handlers(self, scope="store/customer/created", before="", name="handlers.lua"):
        path = self.tmp / name
        path.write_text(RECORDER.format(scope=scope, before=before))
        return str(path)

    def command(self, handlers, *options, script_args=()):
        state = ["--state-dir", self.state_dir] if self.state_dir else []
        return [self.bin, "listen", "--port", str(self.port), *state, "--ensure-hooks",
                "--public-url", self.url, *options, handlers, *(["--", *script_args] if script_args else [])]

    def start(self, handlers, *options, script_args=()):
        proc = subprocess.Popen(self.command(handlers, *options, script_args=script_args), cwd=self.tmp, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.procs.append(proc)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "health", timeout=1).status_code == 200:
                    return proc
            except requests.ConnectionError:
                time.sleep(0.05)
            if proc.poll() is not None:
                raise AssertionError("the listener stopped: " + proc.stderr.read())
        raise AssertionError("the listener did not start")

    def run(self, *args, **kw):
        return subprocess.run([self.bin, *args], cwd=self.tmp, env=self.env, capture_output=True, text=True, timeout=60, **kw)

    def handled(self):
        path = self.tmp / "handled.txt"
        return [line.split() for line in path.read_text().splitlines()] if path.exists() else []

    def customers(self, n, start=0):
        ids = []
        for i in range(start, start + n, 10):
            batch = [{"email": f"listen{j}@example.com", "first_name": "L", "last_name": str(j)} for j in range(i, min(i + 10, start + n))]
            r = self.store.post("/v3/customers", batch)
            assert r.status_code == 200, r.text
            ids += [c["id"] for c in r.json()["data"]]
        return ids

    def secret(self):
        """The secret the listener made for this store (in its inbox)."""
        db = sqlite3.connect(os.path.join(self.state_dir, "events.db"))
        try:
            return db.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()[0]
        finally:
            db.close()

    def inbox(self):
        db = sqlite3.connect(os.path.join(self.state_dir, "events.db"))
        try:
            return dict(db.execute("SELECT state, COUNT(*) FROM events GROUP BY state").fetchall())
        finally:
            db.close()

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        self.store.stop()


@pytest.fixture
def listening(bin_path, tmp_path):
    world = Listening(bin_path, tmp_path)
    yield world
    world.stop()


def test_the_stores_events_reach_the_handlers_once_each(listening):
    listening.start(listening.handlers())
    hooks = [h for h in listening.store.get("/v3/hooks").json()["data"] if h["destination"] == listening.url]
    assert [(h["scope"], h["is_active"]) for h in hooks] == [("store/customer/created", True)]
    assert list(hooks[0]["headers"]) == ["X-Storescript-Secret"]
    ids = listening.customers(25)
    assert wait_for(lambda: len(listening.handled()) >= 25), listening.handled()
    assert wait_for(lambda: listening.inbox() == {"done": 25}), listening.inbox()
    handled = listening.handled()
    assert sorted(int(h[1]) for h in handled) == sorted(ids)
    assert {h[0] for h in handled} == {"store/customer/created"} and {h[3] for h in handled} == {"1"}


def test_a_callback_without_the_secret_is_refused_and_kept_nowhere(listening):
    listening.start(listening.handlers())
    event = {"scope": "store/customer/created", "data": {"type": "customer", "id": 1}, "hash": "abc", "created_at": 1}
    assert requests.post(listening.url, json=event, timeout=5).status_code == 401
    r = requests.post(listening.url, json=event, headers={"X-Storescript-Secret": "0" * 64}, timeout=5)
    assert r.status_code == 401 and "secret header" in r.text
    time.sleep(0.3)
    assert listening.handled() == [] and listening.inbox() == {}
    # trigger finds the store's secret (same state directory) and the event is handled.
    t = listening.run("trigger", "--state-dir", listening.state_dir, "--to", listening.url, "store/customer/created", "42")
    assert t.returncode == 0, t.stderr
    assert wait_for(lambda: [h[1] for h in listening.handled()] == ["42"])
    # The secret is in no output.
    secret = listening.secret()
    assert secret not in t.stdout + t.stderr


def test_a_repeated_callback_is_dropped(listening):
    listening.start(listening.handlers())
    secret = listening.secret()
    event = {"scope": "store/customer/created", "data": {"type": "customer", "id": 7}, "hash": "h7", "created_at": 100}
    answers = [requests.post(listening.url, json=event, headers={"X-Storescript-Secret": secret}, timeout=5).json() for _ in range(3)]
    assert answers == [{"accepted": True}, {"accepted": False}, {"accepted": False}]
    # The same object changed again later: a new event (same hash, new created_at).
    later = dict(event, created_at=101)
    assert requests.post(listening.url, json=later, headers={"X-Storescript-Secret": secret}, timeout=5).json() == {"accepted": True}
    assert wait_for(lambda: len(listening.handled()) == 2)


def test_ensure_hooks_reactivates_updates_and_removes_what_no_handler_wants(listening):
    store = listening.store
    secret_less = store.post("/v3/hooks", {"scope": "store/customer/created", "destination": listening.url, "is_active": True}).json()["data"]
    stale = store.post("/v3/hooks", {"scope": "store/order/created", "destination": listening.url, "is_active": True}).json()["data"]
    other = store.post("/v3/hooks", {"scope": "store/order/created", "destination": "http://127.0.0.1:9/other", "is_active": True}).json()["data"]
    assert store.put(f"/v3/hooks/{secret_less['id']}", {"is_active": False}).status_code == 200
    handlers = listening.handlers(scope="store/customer/*")
    printed = listening.run("listen", "--state-dir", listening.state_dir, "--print-hooks", "--public-url", listening.url, handlers)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines() == [
        f"delete store/customer/created -> {listening.url} (hook {secret_less['id']})",
        f"delete store/order/created -> {listening.url} (hook {stale['id']})",
        f"create store/customer/* -> {listening.url}",
    ], printed.stdout
    assert [h["id"] for h in store.get("/v3/hooks").json()["data"]] == [secret_less["id"], stale["id"], other["id"]]

    # Same scope, deactivated by the store: reactivated, and given the secret header.
    handlers = listening.handlers(scope="store/customer/created")
    listening.start(handlers)
    hooks = {h["id"]: h for h in store.get("/v3/hooks").json()["data"]}
    assert hooks[secret_less["id"]]["is_active"] is True and "X-Storescript-Secret" in hooks[secret_less["id"]]["headers"]
    assert stale["id"] not in hooks and other["id"] in hooks
    listening.customers(1)
    assert wait_for(lambda: len(listening.handled()) == 1)


def test_a_failing_handler_is_retried_then_kept_as_dead_and_retry_dead_runs_it_again(listening):
    failing = listening.handlers(before='if not io.open("fixed") then error("the CRM is down") end')
    proc = listening.start(failing, "--max-attempts", "2")
    [customer] = listening.customers(1)
    assert wait_for(lambda: listening.inbox().get("dead") == 1, timeout=15), listening.inbox()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 143
    err = proc.stderr.read()
    assert "(store/customer/created " in err and "failed on attempt 1, retried later: " in err and "handlers.lua:3: the CRM is down" in err
    assert "failed on attempt 2 and is dead (storescript listen --dead lists it)" in err
    dead = listening.run("listen", "--state-dir", listening.state_dir, "--dead")
    assert dead.returncode == 0, dead.stderr
    [line] = dead.stdout.splitlines()
    seq, scope, id_, attempts, error = line.split("\t")
    assert (scope, id_, attempts) == ("store/customer/created", str(customer), "2 attempts") and "the CRM is down" in error
    (listening.tmp / "fixed").write_text("")
    listening.start(failing, "--retry-dead")
    assert wait_for(lambda: [h[1] for h in listening.handled()] == [str(customer)])
    assert wait_for(lambda: listening.inbox() == {"done": 1}), listening.inbox()


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_sigterm_stops_with_143_and_the_next_listener_finishes_what_was_queued(listening):
    slow = listening.handlers(before="async.sleep(0.5)")
    proc = listening.start(slow, "--concurrency", "2")
    ids = listening.customers(10)
    assert wait_for(lambda: sum(listening.inbox().values()) == 10)
    # Every slot taken, events queued: the listener waits for a handler to end, it does not spin.
    before = cpu_seconds(proc.pid)
    time.sleep(1)
    assert cpu_seconds(proc.pid) - before < 0.3
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 143
    assert "terminated" in proc.stderr.read()
    assert len(listening.handled()) < 10
    listening.start(listening.handlers())
    assert wait_for(lambda: listening.inbox() == {"done": 10}, timeout=20), listening.inbox()
    assert sorted({int(h[1]) for h in listening.handled()}) == sorted(ids)


def test_killed_at_random_under_1000_changes_every_event_is_handled_and_none_twice_but_by_a_crash(listening):
    rng = random.Random(22)
    handlers = listening.handlers(before="async.sleep(0.002)")
    listening.start(handlers, "--concurrency", "4")
    ids, kills = [], 0
    while len(ids) < 1000:
        ids += listening.customers(50, start=len(ids))
        if rng.random() < 0.5:
            victim = listening.procs[-1]
            time.sleep(rng.uniform(0, 0.2))
            victim.kill()  # SIGKILL: no chance to journal anything
            victim.wait()
            kills += 1
            time.sleep(rng.uniform(0, 0.3))  # callbacks meanwhile fail; the store retries them
            listening.start(handlers, "--concurrency", "4")
    # The store redelivers what failed while no listener ran (60 s later on its clock).
    for _ in range(12):
        if listening.inbox().get("done", 0) >= 1000 and len({h[1] for h in listening.handled()}) >= 1000:
            break
        requests.put(listening.store.root + "/__sandbox/time", json={"advance_seconds": 4000}, headers=listening.store.control, timeout=5)
        time.sleep(1)
    handled = [int(h[1]) for h in listening.handled()]
    assert set(handled) == set(ids), f"{len(set(ids) - set(handled))} events never handled"
    twice = len(handled) - len(set(handled))
    # Only a handler killed mid-run runs again: at most `concurrency` events per kill.
    assert kills >= 5 and twice <= kills * 4, (kills, twice)
    print(f"\nlisten crash safety: 1000 events, {kills} SIGKILLs, every event handled, {twice} run again after a kill mid-handler")


def test_two_stores_with_the_same_ids_each_listener_handles_its_own_stores_events_only(bin_path, tmp_path):
    home = tmp_path / "home"
    a, b = Listening(bin_path, tmp_path / "a"), Listening(bin_path, tmp_path / "b")
    try:
        for world in (a, b):
            world.tmp.mkdir()
            world.env["HOME"] = str(home)  # one machine, one user: each store's inbox in its own directory
            world.state_dir = None
            world.start(world.handlers())
        assert a.customers(3) == b.customers(3)  # the same ids in both stores
        assert wait_for(lambda: len(a.handled()) == 3) and wait_for(lambda: len(b.handled()) == 3)
        time.sleep(0.5)
        assert len(a.handled()) == len(b.handled()) == 3
        inboxes = sorted(str(p.parent) for p in home.rglob("events.db"))
        assert len(inboxes) == 2, inboxes
        secrets = {sqlite3.connect(os.path.join(d, "events.db")).execute("SELECT value FROM meta").fetchone()[0] for d in inboxes}
        assert len(secrets) == 2
        # A's secret opens nothing at B.
        event = {"scope": "store/customer/created", "data": {"type": "customer", "id": 1}, "hash": "x", "created_at": 5}
        for secret in secrets:
            codes = {requests.post(w.url, json=event, headers={"X-Storescript-Secret": secret}, timeout=5).status_code for w in (a, b)}
            assert codes == {200, 401}
    finally:
        a.stop()
        b.stop()


def test_the_recipes_tag_high_value_orders_once_and_report_low_stock(listening):
    # on-order-created: one high-value order tagged and notified, a small one left alone.
    listening.start(os.path.join(RECIPES, "on-order-created.lua"),
                    script_args=["--threshold", "100", "--notify", 'echo "$ORDER_ID $ORDER_TOTAL" >> notified.txt'])
    orders = listening.store.get("/v2/orders", params={"limit": 50}).json()
    big = next(o for o in orders if float(o["total_inc_tax"]) >= 100)
    small = next(o for o in orders if float(o["total_inc_tax"]) < 100)
    secret = listening.secret()
    for o, at in ((big, 1), (small, 2), (big, 3)):  # the big one twice: a retry must not tag or notify again
        event = {"scope": "store/order/created", "data": {"type": "order", "id": o["id"]}, "hash": f"o{o['id']}", "created_at": at}
        assert requests.post(listening.url, json=event, headers={"X-Storescript-Secret": secret}, timeout=5).status_code == 200
    assert wait_for(lambda: listening.inbox() == {"done": 3}), listening.inbox()
    notes = listening.store.get(f"/v2/orders/{big['id']}").json()["staff_notes"]
    assert notes.count("HIGH VALUE") == 1
    assert "HIGH VALUE" not in (listening.store.get(f"/v2/orders/{small['id']}").json()["staff_notes"] or "")
    assert (listening.tmp / "notified.txt").read_text().split() == [str(big["id"]), str(big["total_inc_tax"])]
    for p in listening.procs:
        p.kill()

    # on-low-stock: a product falling under 5 is reported once; back above and down again, again.
    listening.start(os.path.join(RECIPES, "on-low-stock.lua"), script_args=["--threshold", "5", "--out", "low.csv"])
    pid = 1
    for level in (3, 2, 9, 1):
        r = listening.store.put(f"/v3/catalog/products/{pid}", {"inventory_tracking": "product", "inventory_level": level})
        assert r.status_code == 200, r.text
        time.sleep(0.4)
    assert wait_for(lambda: (listening.tmp / "low.csv").exists() and len((listening.tmp / "low.csv").read_text().splitlines()) == 3)
    rows = (listening.tmp / "low.csv").read_text().splitlines()
    assert rows[0] == "product_id,sku,name,inventory_level,threshold,at"
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "1"] and [r.split(",")[-3] for r in rows[1:]] == ["3", "1"]


def test_the_listener_serves_https_with_its_own_certificate(listening):
    cert, key = self_signed("localhost")
    (listening.tmp / "cert.pem").write_text(cert)
    (listening.tmp / "key.pem").write_text(key)
    handlers = listening.handlers()
    proc = subprocess.Popen([listening.bin, "listen", "--port", str(listening.port), "--state-dir", listening.state_dir,
                             "--tls-cert", "cert.pem", "--tls-key", "key.pem", handlers], cwd=listening.tmp, env=listening.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    listening.procs.append(proc)
    url = f"https://localhost:{listening.port}/"
    assert wait_for(lambda: _ok(url + "health", str(listening.tmp / "cert.pem"))), proc.stderr.read() if proc.poll() is not None else ""
    assert requests.post(url, json={"scope": "store/customer/created"}, verify=str(listening.tmp / "cert.pem"), timeout=5).status_code == 401
    t = listening.run("trigger", "--state-dir", listening.state_dir, "--to", f"http://127.0.0.1:{listening.port}/", "store/customer/created")
    assert t.returncode == 1  # plain http to a TLS port: refused, and trigger says so
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + "health", timeout=5)  # a client that does not trust the certificate


def _ok(url, verify):
    try:
        return requests.get(url, verify=verify, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_with_sandbox_a_change_made_from_another_shell_comes_back_as_an_event(bin_path, tmp_path):
    # The local loop: `listen --sandbox` serves a sandbox whose hooks call it; `call --sandbox`
    # in another process changes that sandbox; `trigger --sandbox` finds the listener's secret.
    (tmp_path / "handlers.lua").write_text("""
on("store/customer/created", function(event)
  local found = bc.customers.list{["id:in"] = event.data.id}
  local f = assert(io.open("handled.txt", "a")) f:write(found[1] and found[1].email or ("no customer " .. event.data.id), "\\n") f:close()
end)
""")
    env = dict(os.environ, HOME=str(tmp_path / "home"), STORESCRIPT_CONFIG=str(tmp_path / "none.toml"))
    env.pop("XDG_STATE_HOME", None)
    port = free_port()
    proc = subprocess.Popen([bin_path, "listen", "--sandbox", "--port", str(port), "handlers.lua"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    handled = tmp_path / "handled.txt"
    try:
        assert wait_for(lambda: _ok(f"http://127.0.0.1:{port}/health", True))
        made = subprocess.run([bin_path, "call", "--sandbox", "bc.customers.create", "--data",
                               '[{"email": "loop@example.com", "first_name": "Lo", "last_name": "Op"}]'],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
        assert made.returncode == 0, made.stderr
        assert wait_for(lambda: handled.exists() and handled.read_text() == "loop@example.com\n")
        t = subprocess.run([bin_path, "trigger", "--sandbox", "--to", f"http://127.0.0.1:{port}/", "store/customer/created", "1"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
        assert t.returncode == 0, t.stderr
        assert wait_for(lambda: len(handled.read_text().splitlines()) == 2)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 143
    err = proc.stderr.read()
    assert "listen: create store/customer/created -> http://127.0.0.1:" in err and "the sandbox store is at http://127.0.0.1:" in err
    # Once the listener is gone, --sandbox is a fresh sandbox of its own again.
    fresh = subprocess.run([bin_path, "call", "--sandbox", "bc.customers.list", "email:in=loop@example.com"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=30)
    assert fresh.returncode == 0 and json.loads(fresh.stdout) == [], fresh.stdout + fresh.stderr


def test_trigger_sends_the_sample_the_api_documents_for_the_scope_with_the_id_given(listening):
    (listening.tmp / "data.lua").write_text("""
on("store/product/inventory/updated", function(event)
  local f = assert(io.open("data.json", "w")) f:write(json.encode(event.data, {sort_keys = true})) f:close()
end)
""")
    listening.start(str(listening.tmp / "data.lua"))
    t = listening.run("trigger", "--state-dir", listening.state_dir, "--to", listening.url, "store/product/inventory/updated", "5")
    assert t.returncode == 0, t.stderr
    assert wait_for(lambda: (listening.tmp / "data.json").exists())
    # webhooks.v3.yml's example callback, its product 167 now 5 wherever it appears.
    assert json.loads((listening.tmp / "data.json").read_text()) == {
        "id": 5, "inventory": {"method": "absolute", "product_id": 5, "value": 2}, "type": "product"}
    bad = listening.run("trigger", "--state-dir", listening.state_dir, "--to", listening.url, "store/order/shipped")
    assert bad.returncode == 2 and "not a webhook scope the API documents" in bad.stderr


def test_a_handlers_file_that_cannot_serve_stops_the_listener_with_a_sentence(listening):
    missing = listening.run("listen", "--port", "0", "--state-dir", listening.state_dir, "nope.lua")
    assert missing.returncode == 2 and "cannot read the handlers file nope.lua" in missing.stderr
    (listening.tmp / "none.lua").write_text("local x = 1\n")
    none = listening.run("listen", "--port", "0", "--state-dir", listening.state_dir, "none.lua")
    assert none.returncode == 1 and none.stderr.count("\n") == 1 and "none.lua registered no handler" in none.stderr, none.stderr
    (listening.tmp / "typo.lua").write_text('on("store/order/creatd", function() end)\n')
    typo = listening.run("listen", "--port", "0", "--state-dir", listening.state_dir, "typo.lua")
    assert typo.returncode == 1 and 'typo.lua:1: on: "store/order/creatd" is not a webhook scope the API documents' in typo.stderr
    assert "store/order/created" in typo.stderr and "or store/order/*)" in typo.stderr
    refused = listening.run("listen", "--plan", "none.lua")
    assert refused.returncode == 2 and "listen --plan: a listener runs handlers as events come" in refused.stderr
