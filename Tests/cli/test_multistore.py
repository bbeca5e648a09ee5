"""`run --profiles` and `call --profiles`: one command over many stores — three sandboxes, each
its own process — as an agency runs it: the script's arguments exactly as typed, the call
changing exactly the stores named, JSON lines a log system can read, a summary naming each
failing store and why, a bound on stores at once, and a parent that supervises its stores
(the lock until the last has stopped, signals passed on even while stores start, the stores
stopping when the parent dies)."""
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

from sandbox_support import Sandbox

RECIPES = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "recipes"


def write_config(tmp_path, stores):
    path = tmp_path / "config.toml"
    path.write_text("".join(f"""
[profiles.{name}]
store_hash = "{hash_}"
access_token_env = "{env}"
api_url = "{sb.root}"
""" for name, hash_, env, sb in stores))
    os.chmod(path, 0o600)
    return path


class Fleet:
    """Three stores (store-01..03: 7, 9 and 11 products) and store-bad, which sends store-01's
    token to store-02 (a 401 there and nowhere else)."""

    def __init__(self, bin_path, tmp_path):
        self.bin, self.tmp = bin_path, tmp_path
        self.stores = [Sandbox(bin_path, "--rate-limit", "off", "--products", str(n), "--store-hash", f"hash0{i}", token=f"token-{i}")
                       for i, n in ((1, 7), (2, 9), (3, 11))]
        rows = [(f"store-0{i + 1}", f"hash0{i + 1}", f"TOKEN_{i + 1}", sb) for i, sb in enumerate(self.stores)]
        self.config = write_config(tmp_path, rows + [("store-bad", "hash02", "TOKEN_1", self.stores[1])])
        self.env = dict(os.environ, STORESCRIPT_CONFIG=str(self.config), HOME=str(tmp_path / "home"),
                        TOKEN_1="token-1", TOKEN_2="token-2", TOKEN_3="token-3")

    def run(self, *args, input=None, timeout=60):
        return subprocess.run([self.bin, *args], capture_output=True, text=True, env=self.env, cwd=self.tmp,
                              input=input, timeout=timeout)

    def popen(self, *args):
        return subprocess.Popen([self.bin, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env, cwd=self.tmp)

    def prices(self):
        return [sb.get("/v3/catalog/products/1").json()["data"]["price"] for sb in self.stores]

    def stop(self):
        for sb in self.stores:
            sb.stop()


@pytest.fixture
def fleet(bin_path, tmp_path):
    f = Fleet(bin_path, tmp_path)
    yield f
    f.stop()


def by_profile(lines):
    return {line.split(" ", 1)[0].strip("[]"): line.split(" ", 1)[1].strip() for line in lines}


def running(marker):
    """The processes whose command line names marker."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_the_script_gets_its_arguments_exactly_as_typed(fleet):
    r = fleet.run("run", "--profiles", "store-0*", "-e", 'print(table.concat(arg, "|"))', "x", "--y")
    assert r.returncode == 0, r.stderr
    assert by_profile(r.stdout.splitlines()) == {"store-01": "x|--y", "store-02": "x|--y", "store-03": "x|--y"}
    (fleet.tmp / "args.lua").write_text('print(#arg, table.concat(arg, "|"))\n')
    r = fleet.run("run", "--profiles", "store-01", "args.lua", "--threshold", "5", "--", "z")
    assert r.stdout == "[store-01] 4\t--threshold|5|--|z\n", r.stderr


def test_the_catalog_audit_of_the_issue_runs_on_every_store(fleet):
    r = fleet.run("run", "--profiles", "store-0*", str(RECIPES / "catalog-audit.lua"), "--threshold", "1000")
    assert r.returncode == 0, r.stderr
    headers = [line for line in r.stdout.splitlines() if line.endswith("product_id,sku,name,problem,detail")]
    assert sorted(line.split()[0] for line in headers) == ["[store-01]", "[store-02]", "[store-03]"], r.stdout


RECIPE_RUNS = {
    "campaign-widget.lua": ["Promo", "--dry-run"], "cart-smoke-test.lua": [],
    "catalog-audit.lua": ["--threshold", "100000", "--out", "/dev/null"],
    "checkout-domain.lua": ["https://checkout.sandbox.example.com", "--dry-run"], "deploy-theme.lua": ["theme.zip", "--dry-run"],
    "export-subscribers.lua": ["--out", "/dev/null"], "renew-certificates.lua": ["--dry-run"],
    "rotate-carrier.lua": ["endicia", "--dry-run"], "ship-orders.lua": ["export", "--out", "/dev/null"],
    "update-prices.lua": ["prices.csv", "--dry-run"],
}


# Handlers files run under `listen`, one listener per store (test_listen.py runs two stores).
LISTEN_HANDLERS = {"on-order-created.lua", "on-low-stock.lua"}


@pytest.mark.parametrize("name", sorted(RECIPE_RUNS))
def test_every_recipe_runs_under_profiles(fleet, name):
    assert sorted(RECIPE_RUNS) == sorted(p.name for p in RECIPES.glob("*.lua") if p.name not in LISTEN_HANDLERS)
    (fleet.tmp / "prices.csv").write_text("sku,price\nSKU-1,1.50\n")
    import zipfile
    with zipfile.ZipFile(fleet.tmp / "theme.zip", "w") as z:
        z.writestr("config.json", '{"name": "T", "version": "1.0.0", "variations": [{"name": "Light"}]}')
    fleet.env.update(CARRIER_ACCOUNT_ID="a", CARRIER_PASS_PHRASE="p")
    r = fleet.run("run", "--profiles", "store-0*", "--log-format", "json", str(RECIPES / name), *RECIPE_RUNS[name])
    assert r.returncode == 0, r.stdout + r.stderr
    summary = json.loads(r.stderr.splitlines()[-1])
    assert [s["profile"] for s in summary["succeeded"]] == ["store-01", "store-02", "store-03"]
    # The recipe's own lines follow --log-format: JSON objects already, none wrapped as plain output.
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert all(line["profile"] in ("store-01", "store-02", "store-03") and "output" not in line for line in lines), r.stdout
    assert all(e["profile"] for e in map(json.loads, r.stderr.splitlines()[:-1])), r.stderr


def test_call_with_profiles_changes_exactly_the_stores_named_and_answers_one_line_each(fleet):
    before = fleet.prices()
    r = fleet.run("call", "--profiles", "store-02", "bc.catalog.products.update", "1", "--data", '{"price":1.23}')
    assert r.returncode == 0, r.stderr
    line = json.loads(r.stdout)
    assert list(line) == ["profile", "store_hash", "result"] and line["profile"] == "store-02" and line["store_hash"] == "hash02"
    assert line["result"]["price"] == 1.23
    assert fleet.prices() == [before[0], 1.23, before[2]]
    (fleet.tmp / "body.json").write_text('{"price": 2.5}')
    r = fleet.run("call", "--profiles", "store-01,store-bad,store-03", "bc.catalog.products.update", "1", "--data", "@body.json")
    assert r.returncode == 1
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert sorted((l["profile"], "result" if "result" in l else l["error"]["status"]) for l in lines) == [
        ("store-01", "result"), ("store-03", "result"), ("store-bad", 401)]
    assert fleet.prices() == [2.5, 1.23, 2.5]
    assert "1 of 3 stores failed" in r.stderr and "store-bad (exit 1): 401 Unauthorized" in r.stderr
    # --data - is read once and given to every store.
    r = fleet.run("call", "--profiles", "store-0*", "bc.catalog.products.update", "1", "--data", "-", input='{"price": 3.75}')
    assert r.returncode == 0, r.stderr
    assert fleet.prices() == [3.75, 3.75, 3.75]


def test_a_failing_store_is_named_with_its_reason_in_text(fleet):
    (fleet.tmp / "count.lua").write_text('print("products", bc.catalog.products.count())\n')
    r = fleet.run("run", "--profiles", "store-*", "count.lua")
    assert r.returncode == 1
    assert sorted(r.stdout.splitlines()) == ["[store-01]  products\t7", "[store-02]  products\t9", "[store-03]  products\t11"]
    assert "[store-bad] storescript: count.lua:1: 401 Unauthorized" in r.stderr
    summary = r.stderr[r.stderr.index("storescript: 1 of 4 stores failed:"):].splitlines()
    assert summary[1].startswith("  store-bad (exit 1): count.lua:1: 401 Unauthorized"), summary
    nothing = fleet.run("run", "--profiles", "nope-*", "count.lua")
    assert nothing.returncode == 2 and "no profile nope-*" in nothing.stderr


def test_under_json_every_line_is_one_json_object_with_its_profile_and_the_run_ends_with_a_summary(fleet):
    code = 'log.info("counted", {n = bc.catalog.products.count()}) print("plain text") io.stderr:write("raw\\n")'
    r = fleet.run("run", "--profiles", "store-*", "--log-format", "json", "-e", code)
    assert r.returncode == 1
    out = [json.loads(line) for line in r.stdout.splitlines()]
    err = [json.loads(line) for line in r.stderr.splitlines()]
    assert sorted((o["profile"], o["output"]) for o in out) == [(p, "plain text") for p in ("store-01", "store-02", "store-03")]
    logs = [e for e in err if e.get("msg") == "counted"]
    assert sorted(e["n"] for e in logs) == [7, 9, 11]
    assert all(list(e) == ["time", "level", "profile", "script", "msg", "n"] for e in logs), logs
    assert sorted(e["profile"] for e in err if e.get("msg") == "raw") == ["store-01", "store-02", "store-03"]
    failure = [e for e in err if e.get("profile") == "store-bad" and e["level"] == "error"][0]
    assert failure["status"] == 401 and list(failure)[:5] == ["time", "level", "profile", "script", "msg"]
    summary = err[-1]
    assert list(summary) == ["time", "level", "script", "msg", "stores", "succeeded", "failed"]
    assert summary["msg"] == "1 of 4 stores failed" and summary["stores"] == 4
    assert [s["profile"] for s in summary["succeeded"]] == ["store-01", "store-02", "store-03"]
    assert summary["failed"] == [{"profile": "store-bad", "exit": 1, "error": failure["msg"]}]


def test_jobs_bounds_how_many_stores_run_at_once(fleet):
    code = 'local f = io.open(os.getenv("SPANS"), "a") local t0 = time.now() async.sleep(0.3) f:write(t0, " ", time.now(), "\\n") f:close()'

    def spans(*jobs):
        path = fleet.tmp / f"spans{len(jobs)}"
        fleet.env["SPANS"] = str(path)
        r = fleet.run("run", "--profiles", "store-0*", *jobs, "-e", code)
        assert r.returncode == 0, r.stderr
        return sorted(tuple(map(float, line.split())) for line in path.read_text().splitlines())

    one = spans("--jobs", "1")
    assert len(one) == 3 and all(a[1] <= b[0] for a, b in zip(one, one[1:])), one
    every = spans()
    assert len(every) == 3 and every[-1][0] < every[0][1], every  # all three at once by default
    refused = fleet.run("run", "--jobs", "2", "-e", "print(1)")
    assert refused.returncode == 2 and "--jobs bounds how many stores --profiles runs at once" in refused.stderr


def test_a_script_on_standard_input_is_read_once_and_run_by_every_store(fleet):
    r = fleet.run("run", "--profiles", "store-0*", "-", "x", input='print(arg[0], arg[1], bc.catalog.products.count())\n')
    assert r.returncode == 0, r.stderr
    assert by_profile(r.stdout.splitlines()) == {"store-01": "-\tx\t7", "store-02": "-\tx\t9", "store-03": "-\tx\t11"}


def test_a_long_line_is_relayed_whole(fleet):
    r = fleet.run("run", "--profiles", "store-01,store-02", "-e", 'io.write(string.rep("x", 64 * 1024 * 1024), "\\n") print("after")',
                  timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert sorted(len(l) for l in lines) == [len("[store-01] after")] * 2 + [len("[store-01] ") + 64 * 1024 * 1024] * 2
    assert all(l.endswith("x" * 1000) or l.endswith("after") for l in lines)


def test_the_parent_holds_the_lock_for_every_store_and_passes_sigterm_on(fleet):
    lock = str(fleet.tmp / "shops.lock")
    script = fleet.tmp / "slow-recipe.lua"
    script.write_text("print('started', bc.catalog.products.count()) io.stdout:flush() async.sleep(60) print('never')\n")
    argv = ["run", "--profiles", "store-01,store-02", "--lock", lock, "--log-format", "json", str(script)]
    p = fleet.popen(*argv)
    # Both stores run under the one lock (a store taking it again would exit 3), and hold it too.
    started = sorted(json.loads(p.stdout.readline())["output"] for _ in range(2))
    assert started == ["started\t7", "started\t9"], started
    for pid in running(str(script)):
        if pid != p.pid:
            assert lock in [os.path.realpath(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    other = fleet.run(*argv)
    assert other.returncode == 3 and "another run holds the lock" in other.stderr
    p.send_signal(signal.SIGTERM)  # to the parent alone, as cron's kill or a Kubernetes stop sends it
    out, err = p.communicate(timeout=10)
    assert p.returncode == 143, err
    assert "never" not in out
    lines = [json.loads(line) for line in err.splitlines()]
    assert sorted(l["profile"] for l in lines[:-1]) == ["store-01", "store-02"] and all(l["msg"] == "terminated" for l in lines[:-1])
    assert lines[-1]["msg"] == "terminated; stopped store-01, store-02" or lines[-1]["msg"] == "terminated; stopped store-02, store-01"
    assert running(str(script)) == []
    free = fleet.run(*argv[:-1], "-e", "print('free')")
    assert free.returncode == 0 and sorted(json.loads(l)["output"] for l in free.stdout.splitlines()) == ["free", "free"], free.stderr


def test_a_sigterm_while_stores_are_starting_reaches_every_one(fleet):
    with open(fleet.config, "a") as f:
        for i in range(4, 10):
            f.write(f'\n[profiles.store-0{i}]\nstore_hash = "hash01"\naccess_token_env = "TOKEN_1"\napi_url = "{fleet.stores[0].root}"\n')
    marker = f"sleeper-{os.getpid()}"
    for attempt in range(9):
        p = fleet.popen("run", "--profiles", "store-0*", "-e", f"-- {marker}\nasync.sleep(30)")
        time.sleep(attempt * 0.005)
        p.send_signal(signal.SIGTERM)
        start = time.monotonic()
        out, err = p.communicate(timeout=20)
        assert time.monotonic() - start < 10, f"a store ran on unsignalled (attempt {attempt}): {err}"
        # 143 once the parent passes signals on; a SIGTERM before then ends it as SIGTERM does,
        # before any store has started.
        assert p.returncode in (143, -signal.SIGTERM), err
        assert running(marker) == []


def test_the_stores_stop_when_the_parent_dies(fleet):
    marker = f"orphan-{os.getpid()}"
    lock = str(fleet.tmp / "orphans.lock")
    p = fleet.popen("run", "--profiles", "store-0*", "--lock", lock, "-e", f"-- {marker}\nprint('up') io.stdout:flush() async.sleep(30)")
    for _ in range(3):
        p.stdout.readline()
    children = [pid for pid in running(marker) if pid != p.pid]
    assert len(children) == 3
    p.kill()  # SIGKILL: no chance to pass anything on
    p.wait()
    deadline = time.monotonic() + 10
    while running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(marker) == [], "stores ran on without their parent"
    assert fleet.run("run", "--lock", lock, "-e", "print('free')").stdout == "free\n"


def test_repl_refuses_profiles_with_a_sentence(fleet):
    r = fleet.run("repl", "--profiles", "store-*")
    assert r.returncode == 2
    assert "repl --profiles: the REPL works on one store: give --profile NAME" in r.stderr


def test_a_listener_is_for_one_store_and_says_so(fleet):
    r = fleet.run("listen", "--profiles", "store-0*", str(RECIPES / "on-low-stock.lua"))
    assert r.returncode == 2 and "listen works on one store: give --profile NAME" in r.stderr, r.stderr
