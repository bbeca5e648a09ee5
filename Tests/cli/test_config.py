"""config.toml profiles, --profile / STORESCRIPT_PROFILE, the environment variables,
`config init|show`, the refusal of a readable secret, and what happens with no store."""
import os
import stat

import pytest

from sandbox_support import Sandbox

NO_STORE_ENV = {"BIGCOMMERCE_STORE_HASH": "", "BIGCOMMERCE_ACCESS_TOKEN": "", "BIGCOMMERCE_AUTH_TOKEN": "",
                "STORESCRIPT_PROFILE": "", "DIGICERT_API_KEY": ""}


@pytest.fixture
def served(bin_path):
    sb = Sandbox(bin_path, "--rate-limit", "off", token="profile-token-123456")
    yield sb
    sb.stop()


@pytest.fixture
def config(tmp_path):
    """Writes config.toml (mode 0600 unless told) and returns the env that points at it."""
    path = tmp_path / "config.toml"

    def _config(text, mode=0o600):
        path.write_text(text)
        os.chmod(path, mode)
        return dict(NO_STORE_ENV, STORESCRIPT_CONFIG=str(path))

    _config.path = path
    return _config


def test_plain_lua_runs_with_no_store_configured(run):
    r = run("-e", "print(6 * 7)", env=NO_STORE_ENV)
    assert r.returncode == 0 and r.stdout == "42\n"


def test_a_store_call_with_no_store_exits_2_and_says_what_to_do(run):
    r = run("-e", "bc.catalog.products.get(1)", env=NO_STORE_ENV)
    assert r.returncode == 2
    assert "bc.catalog.products.get: no store configured" in r.stderr
    assert "storescript config init" in r.stderr and "--sandbox" in r.stderr


def test_a_caught_configuration_error_is_an_ordinary_lua_error(run):
    r = run("-e", "print(pcall(bc.catalog.products.get, 1)) error('later')", env=NO_STORE_ENV)
    assert r.returncode == 1 and "false" in r.stdout and "later" in r.stderr


def test_the_repl_with_no_store_opens_on_the_sandbox_and_says_so(run):
    r = run("repl", input="print(bc.catalog.products.count() > 0)\n", env=NO_STORE_ENV)
    assert "no store configured" in r.stdout and "using the sandbox store" in r.stdout
    assert "true" in r.stdout


def test_a_profile_points_at_a_store(run, config, served):
    env = config(f"""
default_profile = "main"
[profiles.main]
store_hash = "sandbox"
access_token_env = "MAIN_TOKEN"
api_url = "{served.base}"
""")
    env["MAIN_TOKEN"] = served.token
    r = run("-e", "print(bc.catalog.products.count())", env=env)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == served.get("/v3/catalog/products").json()["meta"]["pagination"]["total"]
    assert served.token not in r.stdout + r.stderr


def test_profile_is_chosen_by_flag_then_variable_then_default(run, config, served):
    env = config(f"""
default_profile = "broken"
[profiles.broken]
store_hash = "nowhere"
access_token_env = "NOT_SET_ANYWHERE"
[profiles.good]
store_hash = "sandbox"
access_token_env = "GOOD_TOKEN"
api_url = "{served.base}"
concurrency = 3
""")
    env["GOOD_TOKEN"] = served.token
    code = "print(async.concurrency, bc.catalog.products.count() > 0)"
    assert run("-e", code, env=env).returncode == 2
    assert run("--profile", "good", "-e", code, env=env).stdout == "3\ttrue\n"
    assert run("run", "--profile", "good", "-e", code, env=env).stdout == "3\ttrue\n"
    assert run("-e", code, env=dict(env, STORESCRIPT_PROFILE="good")).stdout == "3\ttrue\n"
    r = run("--profile", "nope", "-e", "print(1)", env=env)
    assert r.returncode == 2 and "no profile nope" in r.stderr and "broken, good" in r.stderr


def test_environment_variables_override_the_default_profile(run, config, served):
    env = config("""
default_profile = "main"
[profiles.main]
store_hash = "elsewhere"
access_token = "file-token-abcdef"
request_timeout = 7
""")
    env.update(BIGCOMMERCE_STORE_HASH="sandbox", BIGCOMMERCE_ACCESS_TOKEN=served.token, BIGCOMMERCE_API_URL=served.base)
    r = run("-e", "print(bc.catalog.products.count() > 0)", env=env)
    assert r.stdout == "true\n", r.stderr
    shown = run("config", "show", env=env)
    assert 'store_hash = "sandbox"  # env BIGCOMMERCE_STORE_HASH' in shown.stdout
    assert "request_timeout = 7  # profile main" in shown.stdout
    assert served.token not in shown.stdout and "file-token-abcdef" not in shown.stdout


def test_a_readable_file_holding_a_secret_is_refused_with_the_chmod(run, config):
    env = config('[profiles.main]\nstore_hash = "x"\naccess_token = "tok-secret-999"\n', mode=0o644)
    for args in (["-e", "print(1)"], ["config", "show"], ["repl"]):
        r = run(*args, env=env, input="")
        assert r.returncode == 2, args
        assert f"chmod 600 '{config.path}'" in r.stderr and "tok-secret-999" not in r.stdout + r.stderr


def test_a_readable_file_without_secrets_is_fine(run, config):
    env = config('[profiles.main]\nstore_hash = "x"\naccess_token_env = "X_TOKEN"\n', mode=0o644)
    assert run("--profile", "main", "-e", "print(1)", env=env).returncode == 0


@pytest.mark.parametrize("text, message", [
    ("[profiles.main\n", "config.toml:1:"),
    ('[profiles.main]\nstore_has = "x"\n', "unknown key store_has"),
    ('[profiles.main]\nconcurrency = 0\n', "concurrency must be a whole number"),
    ('[profiles.main]\nrequest_timeout = "soon"\n', "request_timeout must be a positive number"),
    ('default_profile = "other"\n[profiles.main]\n', "default_profile names other"),
    ('[profiles.main]\napi_url = "http://example.com"\nstore_hash = "x"\naccess_token_env = "HOME"\n', "plain http is allowed only to loopback"),
])
def test_bad_configuration_is_an_exit_2_naming_file_and_key(run, config, text, message):
    env = config(text)
    r = run("--profile", "main", "-e", "bc.catalog.products.get(1)", env=env)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


def test_config_init_writes_a_0600_file_and_show_redacts(run, tmp_path):
    home = tmp_path / "home"
    env = dict(NO_STORE_ENV, XDG_CONFIG_HOME=str(tmp_path / "xdg"), SHOP_TOKEN="tok-from-env-777")
    r = run("config", "init", "--store-hash", "abc123", "--token-env", "SHOP_TOKEN", env=env)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "xdg" / "storescript" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run("config", "path", env=env).stdout.strip() == str(path)
    r = run("config", "init", "--profile", "staging", "--store-hash", "def456", "--token-stdin",
            input="tok-typed-888\n", env=env)
    assert r.returncode == 0, r.stderr
    assert "tok-typed-888" in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
    again = run("config", "init", "--store-hash", "zzz", "--token-env", "X", env=env)
    assert again.returncode == 2 and "profile default already exists" in again.stderr
    shown = run("config", "show", env=env)
    assert 'store_hash = "abc123"  # profile default' in shown.stdout
    assert 'access_token = "***"  # env SHOP_TOKEN (profile default)' in shown.stdout
    staging = run("config", "show", "--profile", "staging", env=env)
    assert 'store_hash = "def456"' in staging.stdout and 'access_token = "***"  # profile staging' in staging.stdout
    everything = shown.stdout + shown.stderr + staging.stdout + staging.stderr
    assert "tok-from-env-777" not in everything and "tok-typed-888" not in everything
    assert not home.exists() or not any(home.rglob("config.toml"))


def test_config_init_without_a_terminal_needs_the_store_hash(run, tmp_path):
    r = run("config", "init", env=dict(NO_STORE_ENV, XDG_CONFIG_HOME=str(tmp_path)), input="")
    assert r.returncode == 2 and "--store-hash" in r.stderr


def test_the_profile_retry_bound_is_obeyed(run, config, served):
    env = config(f"""
[profiles.main]
store_hash = "sandbox"
access_token_env = "MAIN_TOKEN"
api_url = "{served.base}"
max_attempts = 2
""")
    env["MAIN_TOKEN"] = served.token
    served.faults(error_rate=1.0)
    r = run("--profile", "main", "-e", "local ok, e = pcall(bc.catalog.products.get, 1) print(e.status, e.attempts)", env=env)
    status, attempts = r.stdout.split()
    assert int(status) >= 500 and attempts == "2", r.stdout + r.stderr
    assert len([e for e in served.log() if e["path"] == "/v3/catalog/products/1"]) == 2


def make_tls_server(tmp_path):
    """An HTTPS server on loopback whose certificate a CA of the test's own signed."""
    import http.server
    import ssl
    import subprocess
    import threading

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=storescript test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (tmp_path / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "1", "-extfile", "san.ext")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"data": {"id": 7, "name": "over TLS"}, "meta": {}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_tls_is_verified_and_a_profile_can_trust_an_extra_ca(run, config, tmp_path):
    server = make_tls_server(tmp_path)
    try:
        base = f"https://127.0.0.1:{server.server_address[1]}/stores/x"
        profile = f'[profiles.main]\nstore_hash = "x"\naccess_token_env = "TLS_TOKEN"\napi_url = "{base}"\nmax_attempts = 1\n'
        code = "print(bc.catalog.products.get(7).name)"
        untrusted = run("--profile", "main", "-e", code, env=dict(config(profile), TLS_TOKEN="tok-tls-1234"))
        assert untrusted.returncode == 1 and "its certificate did not verify" in untrusted.stderr and "ca_file" in untrusted.stderr
        trusted = run("--profile", "main", "-e", code,
                      env=dict(config(profile + f'ca_file = "{tmp_path / "ca.pem"}"\n'), TLS_TOKEN="tok-tls-1234"))
        assert trusted.returncode == 0 and trusted.stdout == "over TLS\n", trusted.stderr
        (tmp_path / "junk.pem").write_text("not a certificate\n")
        junk = run("--profile", "main", "-e", code, env=dict(config(profile + f'ca_file = "{tmp_path / "junk.pem"}"\n'), TLS_TOKEN="x"))
        assert junk.returncode == 2 and "is not a PEM file of certificates" in junk.stderr
        assert "tok-tls-1234" not in untrusted.stderr + trusted.stderr
    finally:
        server.shutdown()


def test_config_init_in_a_terminal_asks_and_does_not_echo_the_token(bin_path, tmp_path):
    import pexpect
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), TERM="xterm")
    child = pexpect.spawn(bin_path, ["config", "init"], env=env, encoding="utf-8", timeout=30)
    child.expect("Store hash")
    child.sendline("abc123")
    child.expect("Access token")
    child.sendline("tok-typed-hidden-4242")
    child.expect(pexpect.EOF)
    assert "tok-typed-hidden-4242" not in child.before and "created" in child.before
    written = (tmp_path / "storescript" / "config.toml").read_text()
    assert 'store_hash = "abc123"' in written and 'access_token = "tok-typed-hidden-4242"' in written


def test_config_init_force_replaces_one_profile_and_keeps_the_others(run, tmp_path):
    env = dict(NO_STORE_ENV, XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    path = tmp_path / "xdg" / "storescript" / "config.toml"
    assert run("config", "init", "--store-hash", "abc", "--token-stdin", input="old-token-1\n", env=env).returncode == 0
    assert run("config", "init", "--profile", "other", "--store-hash", "oth", "--token-env", "OTHER", env=env).returncode == 0
    r = run("config", "init", "--force", "--store-hash", "abc", "--token-stdin", input="new-token-2\n", env=env)
    assert r.returncode == 0, r.stderr
    text = path.read_text()
    assert "new-token-2" in text and "old-token-1" not in text and text.count("[profiles.default]") == 1
    assert '[profiles.other]' in text and 'store_hash = "oth"' in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_config_test_makes_one_request_and_says_what_it_found(run, config, served):
    env = config(f"""
default_profile = "main"
[profiles.main]
store_hash = "sandbox"
access_token_env = "MAIN_TOKEN"
api_url = "{served.base}"
[profiles.wrong]
store_hash = "sandbox"
access_token_env = "WRONG_TOKEN"
api_url = "{served.base}"
""")
    env.update(MAIN_TOKEN=served.token, WRONG_TOKEN="nope")
    r = run("config", "test", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("ok: ") and "rate limit:" in r.stdout
    bad = run("config", "test", "--profile", "wrong", env=env)
    assert bad.returncode == 1 and "401" in bad.stderr and "nope" not in bad.stderr
    # Which token was sent, by the variable it came from, and what to check next.
    assert "did not accept the access token from env WRONG_TOKEN (profile wrong)" in bad.stderr
    assert "Store-level API accounts" in bad.stderr


def test_the_readme_configuration_reference_names_every_key_a_profile_takes(run, config):
    import re
    from conftest import ROOT
    text = (ROOT / "README.md").read_text()
    table = text[text.index("Keys of a profile"):text.index("Environment:", text.index("Keys of a profile"))]
    documented = re.findall(r"^\| `([a-z_]+)` \|", table, re.M)
    r = run("--profile", "main", "-e", "print(1)", env=config('[profiles.main]\nno_such_key = 1\n'))
    known = re.search(r"known: ([a-z_, ]+)\)", r.stderr).group(1).split(", ")
    assert documented == known


def test_a_config_file_others_may_change_is_refused_whatever_it_holds(run, config):
    # Whoever can change it chooses where the token goes (api_url), secret in it or not.
    for mode in (0o620, 0o602, 0o666, 0o664):
        env = config('[profiles.main]\nstore_hash = "x"\naccess_token_env = "X_TOKEN"\napi_url = "https://evil.example.com"\n', mode=mode)
        r = run("--profile", "main", "-e", "print(1)", env=env)
        assert r.returncode == 2 and "can be changed by others" in r.stderr and "chmod go-w" in r.stderr, (oct(mode), r.stderr)
