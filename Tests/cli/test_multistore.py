"""`run --profiles`: one recipe over many stores at once — two sandboxes, one of them failing."""
import json
import os
import signal
import subprocess
import time

import pytest

from sandbox_support import Sandbox


def write_config(tmp_path, stores):
    path = tmp_path / "config.toml"
    path.write_text("".join(f"""
[profiles.{name}]
store_hash = "sandbox"
access_token_env = "{env}"
api_url = "{sb.root}"
""" for name, env, sb in stores))
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def two_stores(bin_path, tmp_path):
    a = Sandbox(bin_path, "--rate-limit", "off", "--products", "7", token="token-a")
    b = Sandbox(bin_path, "--rate-limit", "off", "--products", "9", token="token-b")
    path = write_config(tmp_path, [("shop-a", "TOKEN_A", a), ("shop-b", "TOKEN_B", b)])
    yield dict(os.environ, STORESCRIPT_CONFIG=str(path), TOKEN_A="token-a", TOKEN_B="token-b")
    a.stop()
    b.stop()


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


def test_the_parent_holds_the_lock_for_every_store_and_passes_sigterm_on(bin_path, tmp_path, two_stores):
    lock = str(tmp_path / "shops.lock")
    script = tmp_path / "slow-recipe.lua"
    script.write_text("print('started', bc.catalog.products.count()) io.stdout:flush() async.sleep(60) print('never')\n")
    argv = [bin_path, "run", "--profiles", "shop-*", "--lock", lock, "--log-format", "json",
            "--state-dir", str(tmp_path / "st"), str(script)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=two_stores, cwd=tmp_path)
    # Both stores run under the one lock (a child taking it again would exit 3).
    started = sorted(p.stdout.readline() for _ in range(2))
    assert started == ["[shop-a] started\t7\n", "[shop-b] started\t9\n"], started
    other = subprocess.run(argv, capture_output=True, text=True, env=two_stores, timeout=30)
    assert other.returncode == 3 and "another run holds the lock" in other.stderr
    p.send_signal(signal.SIGTERM)  # to the parent alone, as cron's kill or a Kubernetes stop sends it
    out, err = p.communicate(timeout=10)
    assert p.returncode == 143, err
    assert "never" not in out
    lines = err.splitlines()
    assert sorted(l.split(" ", 1)[0] for l in lines[:-1]) == ["[shop-a]", "[shop-b]"], err
    for line in lines[:-1]:
        assert json.loads(line.split(" ", 1)[1])["msg"] == "terminated"
    assert json.loads(lines[-1])["msg"] == "terminated; stopped shop-a, shop-b"
    assert running(str(script)) == []
    free = subprocess.run(argv[:-1] + ["-e", "print('free')"], capture_output=True, text=True, env=two_stores, timeout=30)
    assert free.returncode == 0 and sorted(free.stdout.splitlines()) == ["[shop-a] free", "[shop-b] free"], free.stderr


def test_a_recipe_runs_once_per_store_concurrently_and_a_failing_store_is_named(run, bin_path, tmp_path):
    a = Sandbox(bin_path, "--rate-limit", "off", "--products", "7", token="token-a")
    b = Sandbox(bin_path, "--rate-limit", "off", "--products", "9", token="token-b")
    try:
        # shop-broken sends shop-a's token to shop-b's store: a 401 there, nowhere else.
        path = write_config(tmp_path, [("shop-a", "TOKEN_A", a), ("shop-b", "TOKEN_B", b),
                                       ("shop-broken", "TOKEN_A", b), ("other", "TOKEN_A", a)])
        (tmp_path / "count.lua").write_text(
            'local s = state.open("seen") s:set("n", (s:get("n") or 0) + 1)\n'
            'print("products", bc.catalog.products.count(), "runs", s:get("n"))\n')
        env = {"STORESCRIPT_CONFIG": str(path), "TOKEN_A": "token-a", "TOKEN_B": "token-b"}
        r = run("run", "--profiles", "shop-a,shop-b", "--state-dir", str(tmp_path / "st"), "count.lua", env=env, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert sorted(r.stdout.splitlines()) == ["[shop-a] products\t7\truns\t1", "[shop-b] products\t9\truns\t1"]
        r = run("run", "--profiles", "shop-*", "--state-dir", str(tmp_path / "st"), "count.lua", env=env, cwd=tmp_path)
        assert r.returncode == 1
        assert sorted(r.stdout.splitlines()) == ["[shop-a]      products\t7\truns\t2", "[shop-b]      products\t9\truns\t2"]
        assert "[shop-broken] " in r.stderr and "401" in r.stderr
        assert "1 of 3 stores failed: shop-broken (exit 1)" in r.stderr
        assert (tmp_path / "st" / "shop-a" / "seen.db").exists() and (tmp_path / "st" / "shop-b" / "seen.db").exists()
        nothing = run("run", "--profiles", "nope-*", "count.lua", env=env, cwd=tmp_path)
        assert nothing.returncode == 2 and "no profile nope-*" in nothing.stderr
    finally:
        a.stop()
        b.stop()
