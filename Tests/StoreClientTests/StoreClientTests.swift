import JSON
import StoreAPI
import Synchronization
import Testing
@testable import StoreClient
import StoreSandbox

/// A sandbox store on loopback, configured by `configure`, and a client of it.
func sandboxAndClient(token: String, _ configure: (inout SandboxConfiguration) -> Void) async throws -> (SandboxServer, StoreClient) {
    var config = SandboxConfiguration()
    config.token = token
    configure(&config)
    let server = try await SandboxServer.start(try Sandbox(configuration: config))
    let endpoint = try StoreEndpoint.bigCommerce(storeHash: "sandbox", token: Secret(token), apiURL: server.baseURL)
    return (server, try StoreClient(endpoint: endpoint))
}

/// The client against the real sandbox over loopback HTTP.
@Suite struct StoreClientAgainstTheSandbox {
    func sandbox(_ configure: (inout SandboxConfiguration) -> Void = { _ in }) async throws -> (SandboxServer, StoreClient) {
        try await sandboxAndClient(token: "client-test-token") { config in
            config.rateLimit = nil
            configure(&config)
        }
    }

    @Test("a GET returns the API's JSON; query filters travel percent-encoded")
    func get() async throws {
        let (server, client) = try await sandbox()
        defer { Task { await server.stop() } }
        let r = try await client.send(APIRequest(method: "GET", path: "/v3/catalog/products",
                                                 query: [("id:in", "1,2"), ("name:like", "Mug 1")]))
        #expect(r.status == 200)
        let body = try JSON.parse(r.body)
        #expect(body["data"]?.arrayValue?.map { $0["id"] } == [.int(1)])
        #expect(r.header("X-Rate-Limit-Requests-Quota") == nil) // rate limits off
    }

    @Test("an error answer becomes a StoreError with status, title, field errors, method and path")
    func errors() async throws {
        let (server, client) = try await sandbox()
        defer { Task { await server.stop() } }
        let body = Array(#"{"name":"Sturdy Mug 1","type":"physical","weight":1,"price":1}"#.utf8)
        do {
            _ = try await client.send(APIRequest(method: "POST", path: "/v3/catalog/products", body: body))
            Issue.record("expected a conflict")
        } catch {
            #expect(error.status == 409)
            #expect(error.errors.first?.0 == "name")
            #expect(error.description == "409 Conflict: name: The product name is a duplicate (POST /v3/catalog/products)")
            #expect(!error.retryable)
        }
    }

    @Test("the token never appears in an error, however the server answers")
    func redaction() async throws {
        let (server, _) = try await sandbox()
        defer { Task { await server.stop() } }
        let wrong = Secret("wrong-token-value")
        let client = try StoreClient(endpoint: StoreEndpoint(baseURL: server.baseURL, credential: wrong))
        do {
            _ = try await client.send(APIRequest(method: "GET", path: "/v3/catalog/products"))
            Issue.record("expected 401")
        } catch {
            #expect(error.status == 401)
            #expect(!"\(error)".contains("wrong-token-value"))
        }
        #expect("\(wrong)" == "***")
        #expect(String(reflecting: wrong) == "***")
    }

    @Test("a dropped connection after the change is reported as an unknown outcome, not retried for POST")
    func droppedAfterApply() async throws {
        let (server, client) = try await sandbox { $0.faults.dropAfterRate = 1 }
        defer { Task { await server.stop() } }
        do {
            _ = try await client.send(APIRequest(method: "POST", path: "/v3/catalog/brands", body: Array(#"{"name":"X"}"#.utf8)))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .outcomeUnknown)
            #expect(!error.retryable)
        }
        #expect(server.sandbox.log.last?.applied == true)
    }

    @Test("a server slower than the timeout is a timeout")
    func timeout() async throws {
        let (server, _) = try await sandbox { $0.faults.slowRate = 1; $0.faults.slowMs = 2000 }
        defer { Task { await server.stop() } }
        var once = StoreClient.RetryPolicy()
        once.maxAttempts = 1
        let client = try StoreClient(endpoint: StoreEndpoint(baseURL: server.baseURL, credential: Secret("client-test-token")), retry: once)
        do {
            _ = try await client.send(APIRequest(method: "GET", path: "/v3/catalog/brands", timeout: 0.3))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.retryable)
        }
    }

    @Test("plain http is refused except to loopback; TLS is the only other way")
    func plainHTTP() {
        #expect(throws: StoreEndpoint.Refused.self) {
            try StoreEndpoint(baseURL: "http://api.example.com/stores/x", credential: Secret("t"))
        }
        #expect(throws: StoreEndpoint.Refused.self) {
            try StoreEndpoint(baseURL: "ftp://127.0.0.1/", credential: Secret("t"))
        }
        #expect((try? StoreEndpoint(baseURL: "http://127.0.0.1:8900/stores/sandbox/", credential: Secret("t")))?.baseURL
            == "http://127.0.0.1:8900/stores/sandbox")
        #expect((try? StoreEndpoint(baseURL: "http://[::1]:1/x", credential: Secret("t"))) != nil)
        #expect((try? StoreEndpoint(baseURL: "http://localhost.evil.com/x", credential: Secret("t"))) == nil)
    }

    @Test("non-JSON and HTML error pages are described as such")
    func htmlErrors() {
        let e = StoreError.from(status: 502, body: Array("<html>bad gateway</html>".utf8), contentType: "text/html",
                                method: "GET", path: "/v3/x", requestID: nil)
        #expect(e.detail == "the server answered with an HTML page, not JSON")
        #expect(e.retryable)
        let d = StoreError.from(status: 400, body: Array(#"{"errors":[{"code":"invalid_csr","message":"The CSR is invalid"}]}"#.utf8),
                                contentType: "application/json", method: "POST", path: "/services/v2/order/certificate/ssl_plus", requestID: nil)
        #expect(d.errors.first?.0 == "invalid_csr")
    }
}

@Suite struct Politeness {
    func sandbox(_ configure: (inout SandboxConfiguration) -> Void) async throws -> (SandboxServer, StoreClient) {
        try await sandboxAndClient(token: "t", configure)
    }

    @Test("many tasks share one limiter: every request succeeds and none goes over quota")
    func limiter() async throws {
        let (server, client) = try await sandbox { $0.rateLimit = .init(quota: 5, windowMs: 1000) }
        defer { Task { await server.stop() } }
        let start = RateLimiter.now()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for id in 1...12 {
                group.addTask { try await client.send(APIRequest(method: "GET", path: "/v3/catalog/products/\(id)")).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        let elapsed = RateLimiter.now() - start
        let limited = server.sandbox.log.filter { $0.status == 429 }.count
        #expect(limited <= Int(elapsed.rounded(.up))) // at most one 429 a window
        #expect(elapsed >= 1.5) // 12 requests at 5 per second need three windows
    }

    @Test("after a 429 the client waits for the window and tries again")
    func recovers() async throws {
        let (server, client) = try await sandbox { $0.rateLimit = .init(quota: 2, windowMs: 800); $0.faults.stormRate = 0 }
        defer { Task { await server.stop() } }
        // Use the window up behind the client's back, so its next request meets a 429.
        for _ in 0..<2 {
            _ = try? await StoreClient(endpoint: client.endpoint).send(APIRequest(method: "GET", path: "/v3/catalog/brands"))
        }
        let r = try await client.send(APIRequest(method: "GET", path: "/v3/catalog/brands"))
        #expect(r.status == 200)
        #expect(server.sandbox.log.filter { $0.status == 429 }.count == 1)
    }

    @Test("5xx answers to GET are retried with backoff; a POST whose outcome is unknown is not")
    func retries() async throws {
        let (server, client) = try await sandbox { $0.rateLimit = nil; $0.faults.errorRate = 0.3; $0.seed = 3 }
        defer { Task { await server.stop() } }
        for id in 1...10 {
            let r = try await client.send(APIRequest(method: "GET", path: "/v3/catalog/products/\(id)"))
            #expect(r.status == 200)
        }
        #expect(server.sandbox.log.contains { $0.status >= 500 })
        server.sandbox.setFaults({ var f = SandboxConfiguration.Faults(); f.dropAfterRate = 1; return f }())
        do {
            _ = try await client.send(APIRequest(method: "POST", path: "/v3/catalog/brands", body: Array(#"{"name":"Once"}"#.utf8)))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .outcomeUnknown && error.attempts == 1)
        }
        #expect(server.sandbox.log.filter { $0.method == "POST" && $0.applied }.count == 1)
    }
}

@Suite struct RateLimiterRules {
    static func headers(left: Int, resetMs: Int, quota: Int = 10, windowMs: Int = 3000) -> [(String, String)] {
        [("X-Rate-Limit-Requests-Left", String(left)), ("X-Rate-Limit-Time-Reset-Ms", String(resetMs)),
         ("X-Rate-Limit-Requests-Quota", String(quota)), ("X-Rate-Limit-Time-Window-Ms", String(windowMs))]
    }

    /// Slots granted at once (without waiting) before the limiter holds the next caller back.
    static func immediate(_ limiter: RateLimiter, upTo n: Int) -> Int {
        let granted = Mutex(0)
        for _ in 0..<n { limiter.acquire { granted.withLock { $0 += 1 } } }
        return granted.withLock { $0 }
    }

    @Test("a late answer of the same window cannot raise the budget left")
    func outOfOrder() {
        let limiter = RateLimiter()
        limiter.acquire {}
        limiter.update(headers: Self.headers(left: 2, resetMs: 2000), status: 200)
        limiter.update(headers: Self.headers(left: 5, resetMs: 2010), status: 200) // sent earlier, arrived later
        #expect(Self.immediate(limiter, upTo: 5) == 2)
    }

    @Test("with no rate-limit headers nothing is held back")
    func unlimited() {
        let limiter = RateLimiter()
        limiter.acquire {}
        limiter.update(headers: [], status: 200)
        #expect(Self.immediate(limiter, upTo: 100) == 100)
    }

    @Test("a 429 empties the window until it resets")
    func tooMany() {
        let limiter = RateLimiter()
        limiter.acquire {}
        limiter.update(headers: Self.headers(left: 3, resetMs: 2000), status: 429)
        #expect(Self.immediate(limiter, upTo: 3) == 0)
    }
}

@Suite struct QueryEncoding {
    @Test("filter suffixes and comma lists stay readable; everything else reserved is escaped")
    func query() throws {
        let client = try StoreClient(endpoint: .bigCommerce(storeHash: "abc", token: Secret("t")))
        let url = client.url(APIRequest(method: "GET", path: "/v3/catalog/products", query: [
            ("id:in", "1,2,3"), ("name:like", "a b&c=d"), ("keyword", "café+50%"), ("sku", "x/y?z#w"), ("empty", ""),
        ]))
        #expect(url == "https://api.bigcommerce.com/stores/abc/v3/catalog/products"
            + "?id:in=1,2,3&name:like=a%20b%26c%3Dd&keyword=caf%C3%A9%2B50%25&sku=x%2Fy%3Fz%23w&empty=")
    }

    @Test("a path segment keeps only unreserved characters")
    func segment() {
        #expect(Percent.encodeSegment("a/b:c,d é") == "a%2Fb%3Ac%2Cd%20%C3%A9")
        #expect(Percent.encodeSegment("abc-1_.~") == "abc-1_.~")
    }
}
