"""Webhooks are delivered (webhooks.v3.yml): a change that matches an active hook's scope is
posted to its destination with the documented payload and the hook's headers; a failed
callback is retried on the store's clock and, after the last retry, the hook is deactivated."""
import hashlib
import http.server
import json
import threading
import time

import pytest
import requests

from sandbox_support import Sandbox, new_product


class Listener:
    """An HTTP server on loopback that records each callback and answers `status`."""

    def __init__(self, status=200):
        self.calls, self.status = [], status
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.calls.append((dict(self.headers), json.loads(body), time.monotonic()))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.calls

    def close(self):
        self.server.shutdown()


@pytest.fixture
def sb(bin_path):
    s = Sandbox(bin_path, "--rate-limit", "off", "--webhooks-to-loopback")
    yield s
    s.stop()


@pytest.fixture
def listener():
    l = Listener()
    yield l
    l.close()


def advance(sb, seconds):
    r = requests.put(sb.root + "/__sandbox/time", json={"advance_seconds": seconds}, headers=sb.control, timeout=5)
    assert r.status_code == 200, r.text


def test_a_hook_needs_https_on_port_443_and_a_documented_scope(bin_path):
    s = Sandbox(bin_path, "--rate-limit", "off")
    try:
        for destination, fragment in [("http://example.com/h", "https"), ("https://example.com:8443/h", "port 443"),
                                      ("http://127.0.0.1:9/h", "https"), ("ftp://example.com", "https")]:
            r = s.post("/v3/hooks", {"scope": "store/product/updated", "destination": destination})
            assert r.status_code == 422 and fragment in r.json()["errors"]["destination"], (destination, r.text)
        r = s.post("/v3/hooks", {"scope": "store/product/exploded", "destination": "https://example.com/h"})
        assert r.status_code == 422 and "scope" in r.json()["errors"]
        made = s.post("/v3/hooks", {"scope": "store/order/*", "destination": "https://example.com/h"}).json()["data"]
        assert made["is_active"] is True and made["store_hash"] == "sandbox" and isinstance(made["created_at"], int)
        # Deleted, it comes back in the answer (the file: 200 with the webhook).
        gone = s.delete(f"/v3/hooks/{made['id']}")
        assert gone.status_code == 200 and gone.json()["data"]["id"] == made["id"]
    finally:
        s.stop()


def test_a_matching_change_is_posted_within_a_second_with_the_documented_payload(sb, listener):
    hook = sb.post("/v3/hooks", {"scope": "store/product/updated", "destination": listener.url,
                                 "headers": {"X-Shared-Secret": "s3cret"}}).json()["data"]
    started = time.monotonic()
    assert sb.put("/v3/catalog/products/2", {"price": 21.5}).status_code == 200
    [(headers, payload, at)] = listener.wait(1)
    assert at - started < 1.0
    assert headers["X-Shared-Secret"] == "s3cret"
    assert payload["scope"] == "store/product/updated" and payload["data"] == {"type": "product", "id": 2}
    assert payload["producer"] == "stores/sandbox" and isinstance(payload["store_id"], str)
    assert isinstance(payload["created_at"], int) and abs(payload["created_at"] - time.time()) < 60
    assert payload["hash"] == hashlib.sha1(json.dumps(payload["data"], separators=(",", ":")).encode()).hexdigest()
    # Other products' creation is another scope: nothing more arrives.
    sb.post("/v3/catalog/products", new_product(5))
    time.sleep(0.5)
    assert len(listener.calls) == 1
    # A refused change (a duplicate name) sends nothing; a deactivated hook neither.
    sb.put("/v3/catalog/products/2", {"name": data_name(sb, 3)})
    sb.put(f"/v3/hooks/{hook['id']}", {"is_active": False})
    sb.put("/v3/catalog/products/2", {"price": 22})
    time.sleep(0.5)
    assert len(listener.calls) == 1


def data_name(sb, product_id):
    return sb.get(f"/v3/catalog/products/{product_id}").json()["data"]["name"]


def test_a_wildcard_takes_every_event_of_its_scope(sb, listener):
    sb.post("/v3/hooks", {"scope": "store/product/*", "destination": listener.url})
    sb.put("/v3/inventory/adjustments/absolute", {"items": [{"location_id": 1, "product_id": 1, "quantity": 3}]})
    scopes = {c[1]["scope"] for c in listener.wait(2)}
    assert {"store/product/updated", "store/product/inventory/updated"} <= scopes
    inventory = next(c[1] for c in listener.calls if c[1]["scope"] == "store/product/inventory/updated")
    assert inventory["data"]["inventory"] == {"product_id": 1, "method": "absolute", "value": 3}


def test_a_failing_destination_is_retried_on_the_stores_clock_then_deactivated(sb):
    failing = Listener(status=500)
    try:
        hook = sb.post("/v3/hooks", {"scope": "store/customer/*", "destination": failing.url}).json()["data"]
        sb.post("/v3/customers", [{"first_name": "R", "last_name": "T", "email": "retry@example.com"}])
        assert len(failing.wait(1)) == 1
        time.sleep(0.3)
        assert len(failing.calls) == 1  # the next attempt waits for the store's clock
        retries = [60, 180, 180, 1260, 3900, 10500, 28260, 78060]
        for n, wait in enumerate(retries, start=2):
            advance(sb, wait)
            assert len(failing.wait(n)) == n, n
        admin = sb.get("/v3/hooks/admin").json()["data"]
        [listed] = [h for h in admin["hooks_list"] if h["id"] == hook["id"]]
        assert listed["is_active"] is False and listed["status"] == "deactivated"
        sb.post("/v3/customers", [{"first_name": "R", "last_name": "T", "email": "again@example.com"}])
        advance(sb, 100000)
        time.sleep(0.3)
        assert len(failing.calls) == len(retries) + 1
    finally:
        failing.close()


def test_a_destination_that_recovers_gets_the_callback_once(sb):
    flaky = Listener(status=503)
    try:
        sb.post("/v3/hooks", {"scope": "store/order/statusUpdated", "destination": flaky.url})
        sb.put("/v2/orders/100", {"status_id": 2})
        [(_, first, _)] = flaky.wait(1)
        assert first["data"]["status"] == {"previous_status_id": 11, "new_status_id": 2}
        flaky.status = 200
        advance(sb, 60)
        assert len(flaky.wait(2)) == 2 and flaky.calls[1][1] == first
        advance(sb, 100000)
        time.sleep(0.3)
        assert len(flaky.calls) == 2
    finally:
        flaky.close()
