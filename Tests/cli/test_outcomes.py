"""Outcomes a script can act on: every error says its `kind` and whether it was `applied`; a
DELETE that an earlier attempt may have done is a success when the retry answers 404; a 429
storm is waited out as X-Retry-After asks, within max_retry_seconds; bc.request sends a string
body as it is. The server here misbehaves on cue (a real HTTP server on loopback)."""
import json
import os
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BIN


class Cue:
    """What the server does next, per method and path."""
    def __init__(self):
        self.lock = threading.Lock()
        self.storm_until = 0.0
        self.retry_after = "2"
        self.seen = []
        self.dropped = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_one(self):
        cue = self.server.cue
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with cue.lock:
            cue.seen.append((self.command, self.path, body))
        if self.path.startswith("/stores/abc/v3/storm"):
            if time.monotonic() < cue.storm_until:
                return self.answer(429, b'{"title":"Too many requests"}', [("X-Retry-After", cue.retry_after),
                                                                             ("X-Rate-Limit-Time-Reset-Ms", "100")])
            return self.answer(200, b'{"data":{"ok":true},"meta":{}}')
        if self.command == "DELETE" and self.path.startswith("/stores/abc/v3/catalog/products/5"):
            with cue.lock:
                first = "delete5" not in cue.dropped
                cue.dropped.add("delete5")
            if first:  # applied, then the connection drops before the answer
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            return self.answer(404, b'{"status":404,"title":"The product was not found."}')
        if self.command == "POST" and self.path.startswith("/stores/abc/v3/drop"):
            self.close_connection = True  # read, maybe applied, never answered
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.path.startswith("/stores/abc/v3/echo"):
            return self.answer(200, json.dumps({"data": {"received": body.decode()}, "meta": {}}).encode())
        return self.answer(422, b'{"status":422,"title":"Input is invalid","errors":{"name":"missing"}}')

    do_GET = do_POST = do_PUT = do_DELETE = handle_one

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.cue = Cue()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()


def run(httpd, code, tmp_path, max_retry_seconds=20):
    base = f"http://127.0.0.1:{httpd.server_address[1]}/stores/abc"
    config = tmp_path / "config.toml"
    config.write_text(f'default_profile = "t"\n[profiles.t]\nstore_hash = "abc"\naccess_token_env = "T_TOKEN"\n'
                      f'api_url = "{base}"\nmax_retry_seconds = {max_retry_seconds}\n')
    env = dict(os.environ, HOME=str(tmp_path), STORESCRIPT_CONFIG=str(config), T_TOKEN="t0ken")
    for k in ("BIGCOMMERCE_STORE_HASH", "BIGCOMMERCE_ACCESS_TOKEN", "BIGCOMMERCE_API_URL"):
        env.pop(k, None)
    start = time.monotonic()
    r = subprocess.run([BIN, "run", "-e", code], capture_output=True, text=True, env=env, timeout=60)
    return r, time.monotonic() - start


def test_errors_say_their_kind_and_whether_they_applied(server, tmp_path):
    r, _ = run(server, """
local ok, e = pcall(bc.catalog.products.create, {name = "x"})
print(e.kind, e.applied, e.status)
""", tmp_path)
    assert (r.returncode, r.stdout) == (0, "http\tfalse\t422\n"), r.stderr


def test_a_refused_connection_is_a_connection_error_that_did_not_apply(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    class Dead:
        server_address = ("127.0.0.1", port)
    r, _ = run(Dead, "local ok, e = pcall(bc.catalog.products.get, 1) print(e.kind, e.applied)", tmp_path,
               max_retry_seconds=1)
    assert (r.returncode, r.stdout) == (0, "connection\tfalse\n"), r.stderr


def test_a_delete_an_earlier_attempt_may_have_done_succeeds_when_the_retry_finds_nothing(server, tmp_path):
    r, _ = run(server, "print(bc.catalog.products.delete(5))", tmp_path)
    assert (r.returncode, r.stdout) == (0, "true\n"), r.stderr
    assert [m for m, p, _ in server.cue.seen if "products/5" in p] == ["DELETE", "DELETE"]


def test_a_429_storm_is_waited_out_as_x_retry_after_asks(server, tmp_path):
    server.cue.storm_until = time.monotonic() + 2.5
    server.cue.retry_after = "1"
    r, elapsed = run(server, "print(bc.get('/v3/storm').ok)", tmp_path)
    assert (r.returncode, r.stdout) == (0, "true\n"), r.stderr
    assert elapsed >= 2.0
    storm = [p for _, p, _ in server.cue.seen if "storm" in p]
    assert len(storm) <= 5  # about one attempt a second, not one a window (100 ms)


def test_a_storm_longer_than_max_retry_seconds_fails_at_once_as_rate_limited(server, tmp_path):
    server.cue.storm_until = time.monotonic() + 60
    server.cue.retry_after = "30"
    r, elapsed = run(server, "local ok, e = pcall(bc.get, '/v3/storm') print(ok, e.kind, e.applied, e.status)",
                     tmp_path, max_retry_seconds=3)
    assert (r.returncode, r.stdout) == (0, "false\trate_limited\tfalse\t429\n"), r.stderr
    assert elapsed < 2.0


def test_bc_request_sends_a_string_body_as_it_is(server, tmp_path):
    r, _ = run(server, """
print(bc.request{method = "POST", path = "/v3/echo", body = '{"raw": [1, 2]}'}.received)
print(bc.request{method = "POST", path = "/v3/echo", body = {n = 1}}.received)
""", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ['{"raw": [1, 2]}', '{"n":1}']


def test_a_post_dropped_after_it_was_sent_is_not_retried_and_may_have_applied(server, tmp_path):
    r, _ = run(server, "local ok, e = pcall(bc.post, '/v3/drop', {n = 1}) print(e.kind, e.applied, e.attempts) print(e.title)",
               tmp_path)
    assert r.returncode == 0, r.stderr
    kind, applied, attempts = r.stdout.splitlines()[0].split("\t")
    assert (kind, applied, attempts) == ("connection", "nil", "1")
    assert f"127.0.0.1:{server.server_address[1]}" in r.stdout and "may have been applied" in r.stdout


def test_an_origin_as_api_url_gets_the_store_path(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "t"\n[profiles.t]\nstore_hash = "abc"\naccess_token_env = "T_TOKEN"\n'
                      'api_url = "https://proxy.example.com"\n')
    env = dict(os.environ, HOME=str(tmp_path), STORESCRIPT_CONFIG=str(config), T_TOKEN="t0ken")
    r = subprocess.run([BIN, "config", "show"], capture_output=True, text=True, env=env, timeout=30)
    assert "# calls go to https://proxy.example.com/stores/abc" in r.stdout, r.stdout + r.stderr
