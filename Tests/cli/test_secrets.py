"""Secrets never leak: every output channel — stdout, stderr, --verbose, JSON logs, call's
answers and errors, config show and test, the REPL history, state files, the environment of
commands a script starts, the sandbox's log — swept for an access token that ends in a
newline (as secrets read from files and Kubernetes Secrets do), a DigiCert API key and a PEM
private key, across successes and failures."""
import json
import os
import pathlib
import subprocess

import pexpect
import pytest

from sandbox_support import Sandbox

TOKEN = "tok-sweep-0123456789abcdef"
WRONG_KEY = "dc-key-wrong-9876543210"
SCRIPT = r"""
local key = certs.key{type = "ecdsa"}
local n = bc.catalog.products.count()
log.info("the token is " .. os.getenv("SWEEP_TOKEN_COPY"), {key = key, n = n})
log.warn(key)
warn("a warning with " .. key)
print(pcall(bc.catalog.products.get, 999999))
local s = state.open("sweep")
s:set("journal", {key = key}) s:set("journal", nil)
os.execute("env > " .. os.getenv("SWEEP_ENV_FILE"))
local t = async.spawn(function() error("task failed holding " .. key) end)
pcall(async.wait, t)
async.spawn(function() error("a task nobody waits for, holding " .. key) end)
error("the script ends holding " .. key .. " and " .. os.getenv("SWEEP_TOKEN_COPY"))
"""


@pytest.fixture(scope="module")
def world(bin_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("secrets")
    sb = Sandbox(bin_path, "--rate-limit", "off", token=TOKEN)
    config = tmp / "config.toml"
    config.write_text(f"""default_profile = "shop"
[profiles.shop]
store_hash = "sandbox"
access_token_env = "SHOP_TOKEN"
api_url = "{sb.root}"
digicert_api_key_env = "SHOP_DIGICERT"
digicert_api_url = "{sb.root}"
[profiles.wrong]
store_hash = "sandbox"
access_token_env = "SHOP_TOKEN"
api_url = "{sb.root}"
digicert_api_key_env = "WRONG_DIGICERT"
digicert_api_url = "{sb.root}"
""")
    config.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp / "home"), STORESCRIPT_CONFIG=str(config), SHOP_TOKEN=TOKEN + "\n",
               SHOP_DIGICERT=TOKEN + "\n", WRONG_DIGICERT=WRONG_KEY + "\n", SWEEP_TOKEN_COPY=TOKEN,
               SWEEP_ENV_FILE=str(tmp / "env.txt"), TERM="xterm", NO_COLOR="1")
    env.pop("XDG_STATE_HOME", None)
    yield sb, tmp, env
    sb.stop()


def leaks(text):
    """The secrets text shows: the token (whole or escaped), the DigiCert key, a private key."""
    found = []
    for secret in (TOKEN, WRONG_KEY, "PRIVATE KEY-----\n", "BEGIN EC PRIVATE", "BEGIN PRIVATE"):
        if secret in text or json.dumps(secret)[1:-1] in text:
            found.append(secret.strip())
    return found


def storescript(world, *args, input=None):
    _, tmp, env = world
    return subprocess.run([env.get("BIN", BIN_PATH[0]), *args], capture_output=True, text=True, env=env, cwd=tmp,
                          input=input, timeout=60)


BIN_PATH = []


@pytest.fixture(autouse=True)
def _bin(bin_path):
    BIN_PATH[:] = [bin_path]


@pytest.mark.parametrize("options", [[], ["--verbose"], ["--log-format", "json", "--verbose"]], ids=["text", "verbose", "json"])
def test_a_run_that_succeeds_and_fails_shows_no_secret(world, options):
    sb, tmp, env = world
    r = storescript(world, "run", *options, "-e", SCRIPT)
    assert r.returncode == 1, r.stderr  # it ends with an error, as written
    assert "the script ends holding" in r.stderr and ("n=50" in r.stderr or '"n":50' in r.stderr), r.stderr
    assert "a task nobody waits for, holding <private key>" in r.stderr, r.stderr
    assert leaks(r.stdout + r.stderr) == [], (r.stdout, r.stderr)
    # The command the script started got no credential.
    # (SWEEP_TOKEN_COPY is the test's own copy, which the script logs; nothing else may hold one.)
    environment = (tmp / "env.txt").read_text().replace(f"SWEEP_TOKEN_COPY={TOKEN}", "")
    assert "SHOP_TOKEN" not in environment and "SHOP_DIGICERT" not in environment and "WRONG_DIGICERT" not in environment
    assert leaks(environment) == [], environment
    # The state the script kept, then deleted, is gone from its files.
    files = list((tmp / "home" / ".local" / "state" / "storescript").rglob("sweep.db*"))
    assert files and all(b"PRIVATE KEY" not in f.read_bytes() for f in files)


def test_call_shows_no_secret_in_answers_or_errors(world):
    for args in (["bc.catalog.products.get", "1"], ["bc.catalog.products.get", "999999"], ["--verbose", "bc.store.get"],
                 ["--profile", "wrong", "digicert.orders.list"], ["--profiles", "shop,wrong", "digicert.orders.list"]):
        r = storescript(world, "call", *args)
        assert leaks(r.stdout + r.stderr) == [], (args, r.stdout, r.stderr)
    assert "401" in storescript(world, "call", "--profile", "wrong", "digicert.orders.list").stderr


def test_config_show_and_test_show_no_secret(world):
    for args in (["config", "show"], ["config", "test"], ["config", "show", "--profile", "wrong"]):
        r = storescript(world, *args)
        assert leaks(r.stdout + r.stderr) == [], (args, r.stdout, r.stderr)
    sb, tmp, env = world
    bad = subprocess.run([BIN_PATH[0], "config", "test"], capture_output=True, text=True, timeout=60,
                         env=dict(env, SHOP_TOKEN="tok-not-the-right-one-42\n"))
    assert bad.returncode == 1 and "tok-not-the-right-one-42" not in bad.stdout + bad.stderr, bad.stderr


def test_the_repl_history_keeps_no_secret(world):
    sb, tmp, env = world
    repl = pexpect.spawn(BIN_PATH[0], ["repl"], env=env, encoding="utf-8", timeout=20, cwd=str(tmp))
    repl.expect("\r\n> ")
    for line in [f't = "{TOKEN}"', "k = certs.key{}", "k", "print(k)", "safe = 1"]:
        repl.sendline(line)
        repl.expect("\r\n> ")
    repl.sendeof()
    repl.expect(pexpect.EOF)
    history = (tmp / "home" / ".local" / "state" / "storescript" / "history").read_text()
    assert "safe = 1" in history and leaks(history) == []


def test_the_sandbox_log_and_state_show_no_secret(world):
    sb, tmp, env = world
    storescript(world, "run", "-e", 'bc.catalog.products.list() pcall(bc.sites.certificate.upsert, 1, {certificate = {private_key = certs.key{}}})')
    assert leaks(json.dumps(sb.log()) + json.dumps(sb.state())) == []
