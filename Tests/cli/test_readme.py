"""Every command the README shows in a ```sh block runs as written: the built binary stands in
for `storescript` (and for `.build/release/storescript`), a sandbox in its own process is the
store of the environment (BIGCOMMERCE_*), and a block that starts `sandbox serve` gets it
started for its next lines. Cron entries, installs, builds and the REPL are not commands to
run here (install.sh and test.sh run in CI itself)."""
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT
from sandbox_support import Sandbox

SKIP = re.compile(r"^(\d+|\*)[\s/]|^scripts/(install|test)\.sh|^swift build|storescript\s*(repl\b.*)?$")


def blocks():
    text = (ROOT / "README.md").read_text()
    return [b.strip().splitlines() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def command(line):
    """The line without its trailing comment (a # after two spaces), or None when not runnable."""
    line = re.sub(r"\s{2,}#.*$", "", line).strip()
    if not line or line.startswith("#") or SKIP.search(line):
        return None
    return line.replace(".build/release/storescript", "storescript")


def test_every_readme_example_runs(bin_path, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "storescript").symlink_to(bin_path)
    store = Sandbox(bin_path, "--rate-limit", "off")
    # The agency's profiles the "Many stores" examples name (shop-01, shop-02), on the sandbox.
    config = tmp_path / "config.toml"
    config.write_text("".join(f'[profiles.shop-0{i}]\nstore_hash = "sandbox"\naccess_token_env = "SHOP_TOKEN"\n'
                              f'api_url = "{store.root}"\n' for i in (1, 2)))
    os.chmod(config, 0o600)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", HOME=str(tmp_path / "home"),
               BIGCOMMERCE_STORE_HASH="sandbox", BIGCOMMERCE_ACCESS_TOKEN=store.token, BIGCOMMERCE_API_URL=store.root,
               DIGICERT_API_KEY=store.token, DIGICERT_API_URL=store.root, STORESCRIPT_CONFIG=str(config), SHOP_TOKEN=store.token)
    ran = 0
    try:
        for block in blocks():
            server = None
            try:
                for raw in block:
                    line = command(raw)
                    if line is None:
                        continue
                    if " sandbox serve " in f" {line} ":
                        server = subprocess.Popen(line, shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                        server.stdout.readline()  # "serving ...": it listens
                        continue
                    r = subprocess.run(line, shell=True, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
                    assert r.returncode == 0, (line, r.stdout, r.stderr)
                    ran += 1
            finally:
                if server:
                    server.terminate()
                    server.wait(timeout=10)
    finally:
        store.stop()
    assert ran >= 8
