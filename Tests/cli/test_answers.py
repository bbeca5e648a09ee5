"""Answers a script cannot use become errors it can catch: an answer that is not JSON, an
answer larger than --max-memory lets the run hold, a payload too large to copy. The server
here is a real HTTP server on loopback that misbehaves on purpose (a broken proxy)."""
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import BIN

BIG = json.dumps({"data": [{"id": i, "name": "x" * 200} for i in range(20000)], "meta": {}}).encode()


class Misbehaving(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html>Bad gateway, but with 200</html>" if "/nope/" in self.path else BIG
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if b"<html>" in body else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"data": {"id": 1}}')

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/stores/abc"
    httpd.shutdown()


def run(server, code, *args, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), BIGCOMMERCE_STORE_HASH="abc", BIGCOMMERCE_ACCESS_TOKEN="t0ken",
               BIGCOMMERCE_API_URL=server)
    return subprocess.run([BIN, "run", *args, "-e", code], capture_output=True, text=True, env=env, timeout=60)


def test_an_answer_that_is_not_json_is_an_error_the_task_can_catch(server, tmp_path):
    r = run(server, "local ok, e = pcall(bc.get, '/nope/x') print(ok, tostring(e)) print('after')", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "false\t" in r.stdout and "not valid JSON" in r.stdout
    assert "after" in r.stdout


def test_an_answer_larger_than_the_memory_limit_allows_is_refused_as_it_arrives(server, tmp_path):
    r = run(server, "local ok, e = pcall(bc.catalog.products.list) print(ok, tostring(e)) print('after')",
            "--max-memory", "2", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "false\t" in r.stdout and "larger than" in r.stdout
    assert "after" in r.stdout


def test_the_same_answer_within_the_limit_arrives(server, tmp_path):
    r = run(server, "local data = bc.catalog.products.list() print(#data)", "--max-memory", "64", tmp_path=tmp_path)
    assert (r.returncode, r.stdout) == (0, "20000\n"), r.stderr


def test_a_payload_too_large_to_copy_is_refused_before_it_is_sent(server, tmp_path):
    code = ("local s = string.rep('x', 3 * 1024 * 1024)\n"
            "local ok, e = pcall(bc.catalog.products.create, {name = s, type = 'physical', weight = 1, price = 1})\n"
            "print(ok, tostring(e))")
    r = run(server, code, "--max-memory", "8", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("false\t")
    assert "do not fit" in r.stdout or "not enough memory" in r.stdout
