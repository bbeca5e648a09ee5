"""`run --profiles`: one recipe over many stores at once — two sandboxes, one of them failing."""
import os

from sandbox_support import Sandbox


def test_a_recipe_runs_once_per_store_concurrently_and_a_failing_store_is_named(run, bin_path, tmp_path):
    a = Sandbox(bin_path, "--rate-limit", "off", "--products", "7", token="token-a")
    b = Sandbox(bin_path, "--rate-limit", "off", "--products", "9", token="token-b")
    try:
        path = tmp_path / "config.toml"
        path.write_text(f"""
[profiles.shop-a]
store_hash = "sandbox"
access_token_env = "TOKEN_A"
api_url = "{a.root}"
[profiles.shop-b]
store_hash = "sandbox"
access_token_env = "TOKEN_B"
api_url = "{b.root}"
[profiles.shop-broken]
store_hash = "sandbox"
access_token_env = "TOKEN_A"
api_url = "{b.root}"
[profiles.other]
store_hash = "sandbox"
access_token_env = "TOKEN_A"
api_url = "{a.root}"
""")
        os.chmod(path, 0o600)
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
