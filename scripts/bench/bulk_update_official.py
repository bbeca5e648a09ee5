"""The same 5,000 price changes with BigCommerce's official Python client (pip install
bigcommerce), as its README suggests: rate_limiting_management waits when the budget runs
low; v3 paths through the connection's make_request, batches of 10 (the API's limit)."""
import sys

import bigcommerce

port, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000
api = bigcommerce.api.BigcommerceApi(client_id="bench", store_hash="sandbox", access_token="bench",
                                     rate_limiting_management={"min_requests_remaining": 1, "wait": True})
conn = api.connection
conn.api_path = "/stores/{}/v3/{}"
conn.host = "127.0.0.1:" + port
# The client only speaks https to api.bigcommerce.com; the sandbox is plain http on loopback.
conn.full_path = lambda url: "http://" + conn.host + conn.api_path.format(conn.store_hash, url)

for start in range(1, n + 1, 10):
    batch = [{"id": i, "price": i % 100 + 0.99} for i in range(start, min(start + 10, n + 1))]
    conn.make_request("PUT", "catalog/products", data=batch)
