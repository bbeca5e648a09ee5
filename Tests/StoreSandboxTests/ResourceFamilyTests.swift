import JSON
import StoreAPI
import StoreCertificates
import Testing
@testable import StoreSandbox

/// Calls one operation on a store, as the HTTP path would after its checks.
func call(_ state: inout StoreState, _ route: Route, path: String, body: JSON? = nil, query: [(String, String)] = []) throws -> Outcome {
    let op = try #require(OperationCatalog.byRoute[route])
    let (_, params) = try #require(OperationCatalog.match(method: route.method, path: path))
    let request = SandboxRequest(op: op, params: params, path: path, query: query, body: body)
    return try state.transaction { s throws(APIError) in try s.handle(request) }
}

func refusal(_ state: inout StoreState, _ route: Route, path: String, body: JSON? = nil) throws -> APIError {
    do {
        _ = try call(&state, route, path: path, body: body)
    } catch let error as APIError {
        return error
    }
    Issue.record("\(route) was accepted")
    return APIError(status: 0, title: "")
}

@Suite struct HookRules {
    @Test("every hook names a route of the catalog and no route is replaced twice")
    func verified() {
        #expect(OperationCatalog.unknown(Hooks.all.routes).isEmpty)
        Hooks.verify()
    }

    @Test("path parameters are named by the matched operation's own template")
    func parameterNames() throws {
        let (op, params) = try #require(OperationCatalog.match(method: .POST, path: "/services/v2/order/certificate/ssl_securesite"))
        #expect(op.path == "/services/v2/order/certificate/{product_id}" && params["product_id"] == "ssl_securesite")
    }
}

@Suite struct CertificateRules {
    @Test("host coverage follows RFC 6125: a wildcard is one whole leftmost label")
    func coverage() {
        #expect(HostCoverage.covers(names: ["*.example.com"], commonName: nil, host: "Shop.Example.com"))
        #expect(!HostCoverage.covers(names: ["*.example.com"], commonName: nil, host: "a.b.example.com"))
        #expect(!HostCoverage.covers(names: ["*.example.com"], commonName: nil, host: "example.com"))
        #expect(!HostCoverage.covers(names: ["*.com"], commonName: nil, host: "example.com"))
        #expect(HostCoverage.covers(names: [], commonName: "shop.example.com", host: "https://shop.example.com:443/x"))
        #expect(!HostCoverage.covers(names: ["www.example.com"], commonName: "shop.example.com", host: "shop.example.com"))
    }

    @Test("the sandbox CA issues for the CSR's key; the chain verifies link by link")
    func issuance() throws {
        let ca = try CertificateAuthority.make(name: "Test CA", now: 1_800_000_000)
        let key = try KeyPair.make(.ecdsa(curve: "P-384"))
        let csr = try SigningRequest(pem: try SigningRequest.make(keyPEM: key, subject: .init(commonName: "shop.example.com"), dnsNames: []))
        #expect(csr.dnsNames == ["shop.example.com"])
        let pem = try ca.issue(csr: csr, commonName: "shop.example.com", dnsNames: ["www.example.com"], organization: nil,
                               now: 1_800_000_000, days: 30, hash: "sha384")
        let leaf = try CertificateFacts(pem: pem), intermediate = try CertificateFacts(pem: ca.intermediatePEM)
        let root = try CertificateFacts(pem: ca.rootPEM)
        let otherKey = try KeyPair.make(.ecdsa(curve: "P-256"))
        #expect(leaf.matches(keyPEM: key) && !leaf.matches(keyPEM: otherKey))
        #expect(leaf.notAfter - leaf.notBefore == 30 * 86_400 && leaf.signatureAlgorithm == "ecdsa-with-SHA384")
        #expect(leaf.dnsNames == ["shop.example.com", "www.example.com"] && leaf.keyType == "ecdsa-p384" && !leaf.isCA)
        #expect(leaf.isSigned(by: intermediate) && intermediate.isSigned(by: root) && !leaf.isSigned(by: root))
    }

    @Test("a certificate is refused, by field, when its key, host or dates are wrong; the key is never shown")
    func install() throws {
        var state = DemoStore.make(products: 1, seed: 1)
        let ca = try CertificateAuthority.make(name: "Test CA", now: state.clock.now)
        let key = try KeyPair.make(.ecdsa(curve: "P-256"))
        let csr = try SigningRequest(pem: try SigningRequest.make(keyPEM: key, subject: .init(commonName: "sandbox.example.com"), dnsNames: []))
        let good = try ca.issue(csr: csr, commonName: "sandbox.example.com", dnsNames: [], organization: nil, now: state.clock.now - 60, days: 10, hash: "sha256")
        let wrongHost = try ca.issue(csr: csr, commonName: "other.example.com", dnsNames: [], organization: nil, now: state.clock.now - 60, days: 10, hash: "sha256")
        let route: Route = "PUT /v3/sites/{site_id}/certificate"
        func body(_ pem: String, _ key: String) -> JSON { ["certificate": ["certificate": .string(pem), "private_key": .string(key)]] }
        var e = try refusal(&state, route, path: "/v3/sites/1/certificate", body: body(good, try KeyPair.make(.ecdsa(curve: "P-256"))))
        #expect(e.status == 422 && e.errors.map(\.0) == ["certificate.private_key"])
        e = try refusal(&state, route, path: "/v3/sites/1/certificate", body: body(wrongHost, key))
        #expect(e.errors.first?.1.contains("does not cover sandbox.example.com") == true)
        _ = try call(&state, route, path: "/v3/sites/1/certificate", body: body(good, key))
        state.clock.offsetMs += 11 * 86_400_000
        e = try refusal(&state, route, path: "/v3/sites/1/certificate", body: body(good, key))
        #expect(e.errors.first?.1.contains("expired") == true)
        let shown = try call(&state, "GET /v3/sites/{site_id}/certificate", path: "/v3/sites/1/certificate")
        #expect(shown.body?["data"]?["status"] == "dedicated" && !(shown.body?.text.contains("PRIVATE KEY") ?? true))
    }
}

@Suite struct StoreFamilyRules {
    @Test("a carrier without its required fields is 400 with the fields named; one with them is 204 and keeps no secret")
    func carriers() throws {
        var state = StoreState()
        let route: Route = "POST /v2/shipping/carrier/connection"
        let e = try refusal(&state, route, path: "/v2/shipping/carrier/connection", body: ["carrier_id": "auspost", "connection": ["auth_key": "k"]])
        #expect(e.status == 400 && e.body(version: "v2") == [["status": 400, "message": "Required fields missing [test_mode]"]])
        let ok = try call(&state, route, path: "/v2/shipping/carrier/connection", body: ["carrier_id": "auspost", "connection": ["auth_key": "k", "test_mode": false]])
        let snapshot = try state.transaction { s throws(APIError) in try s.snapshot() }
        #expect(ok.status == 204 && !snapshot.text.contains("\"k\"") && snapshot["entities"]?["carrier_connection"]?.arrayValue?.count == 1)
    }

    @Test("a checkout URL must share the storefront's main domain")
    func checkoutDomain() {
        #expect(ChannelRules.mainDomain("shop.example.com") == "example.com")
        #expect(ChannelRules.mainDomain("shop.example.co.uk") == "example.co.uk")
        #expect(ChannelRules.mainDomain("example.com") == "example.com")
    }

    @Test("a zip the sandbox writes reads back, stored or deflated")
    func zips() throws {
        let zip = ZipWriter.stored([("config.json", Array("{\"a\":1}".utf8)), ("templates/x.html", [])])
        let archive = try #require(ZipArchive(zip))
        #expect(archive.names == ["config.json", "templates/x.html"] && archive.read("config.json") == Array("{\"a\":1}".utf8))
        #expect(ZipArchive(Array("PK\u{3}\u{4}not a zip".utf8)) == nil)
        #expect(Base64.decode(Base64.encode(zip)) == zip)
    }

    @Test("theme jobs move QUEUED, WORKING, COMPLETED as the store's clock passes")
    func themeJobs() throws {
        var state = StoreState()
        let zip = ZipWriter.stored([("config.json", Array("{\"name\":\"T\",\"variations\":[{\"name\":\"Light\"}]}".utf8)),
                                    ("schema.json", Array("[]".utf8)), ("templates/pages/home.html", [])])
        let job = try state.transaction { s throws(APIError) in
            let job = try ThemeRules.queue(&s, JSONObject([("upload_name", "T")]))
            try s.insert(ThemeRules.file, JSONObject([("zip", .string(Base64.encode(zip)))]), id: job)
            return job
        }
        func status() throws -> String? {
            try state.transaction { s throws(APIError) in try s.row(ThemeRules.themeJob, job)?["status"]?.stringValue }
        }
        #expect(try status() == "QUEUED")
        for expected in ["WORKING", "COMPLETED"] {
            state.clock.offsetMs += Int64(state.timing.themeJobMs)
            try state.transaction { s throws(APIError) in try s.runDueJobs() }
            #expect(try status() == expected)
        }
        let themes = try state.transaction { s throws(APIError) in try s.rows(ThemeRules.theme) }
        #expect(themes.first?["variations"]?.arrayValue?.count == 1)
    }
}
