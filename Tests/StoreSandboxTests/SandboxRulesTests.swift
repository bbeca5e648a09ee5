import JSON
import StoreAPI
import Testing
@testable import StoreSandbox

/// The sandbox's rules called directly, without HTTP (the HTTP path is in Tests/cli).
@Suite struct RequestLogRules {
    func entry(_ sequence: Int, status: Int, applied: Bool, bytes: Int) -> RequestLog.Entry {
        var e = RequestLog.Entry(sequence: sequence, method: "POST", path: "/v3/catalog/products", query: "")
        (e.status, e.applied, e.bodyBytes) = (status, applied, bytes)
        e.body = ["name": "x"]
        return e
    }

    @Test("a body is kept only when the store applied the request in full")
    func keepsOnlyAppliedBodies() {
        var log = RequestLog()
        log.append(entry(1, status: 200, applied: true, bytes: 10))
        log.append(entry(2, status: 422, applied: false, bytes: 7_000_000))
        log.append(entry(3, status: 207, applied: true, bytes: 10))
        log.append(entry(4, status: 0, applied: true, bytes: 10)) // answer dropped after the change
        #expect(log.since(0).map { $0.body != nil } == [true, false, false, true])
        #expect(log.since(0)[1].bodyBytes == 7_000_000)
    }

    @Test("past its bounds the oldest entries go, and are counted")
    func bounded() {
        var log = RequestLog()
        for i in 1...(RequestLog.maxEntries + 10) { log.append(entry(i, status: 404, applied: false, bytes: 1)) }
        #expect(log.since(0).count == RequestLog.maxEntries)
        #expect(log.since(0).first?.sequence == 11 && log.dropped == 10)
        var bodies = RequestLog()
        let big = RequestLog.maxBodyBytes / 4
        for i in 1...6 { bodies.append(entry(i, status: 200, applied: true, bytes: big)) }
        #expect(bodies.since(0).map(\.sequence) == [3, 4, 5, 6] && bodies.dropped == 2)
    }

    @Test("secret query parameters are redacted as the entry is made")
    func redactsQueries() {
        let e = RequestLog.Entry(sequence: 1, method: "GET", path: "/v3/x", query: "limit=5&api_key=hunter2&token=t%20t")
        #expect(e.query == "limit=5&api_key=***&token=***")
    }
}

/// An object from pairs (JSONObject keeps their order).
func object(_ pairs: (String, JSON)...) -> JSONObject { JSONObject(pairs) }

@Suite struct UniquenessRules {
    @Test("a unique key is kept through inserts, updates and deletes; a row's own value is no duplicate")
    func uniqueKeys() throws {
        var state = StoreState()
        try state.transaction { s throws(APIError) in
            let mug = try s.insert(CatalogRules.brand, object(("name", "Mug Co")))
            let bowl = try s.insert(CatalogRules.brand, object(("name", "Bowl Co")))
            #expect(throws: APIError.self) { try s.insert(CatalogRules.brand, object(("name", "Mug Co"))) }
            var renamed = mug
            renamed["name"] = "Cup Co"
            try s.update(CatalogRules.brand, renamed)
            try s.insert(CatalogRules.brand, object(("name", "Mug Co")))
            try s.update(CatalogRules.brand, bowl)
            try s.delete(CatalogRules.brand, bowl["id"]!)
            try s.insert(CatalogRules.brand, object(("name", "Bowl Co")))
        }
    }

    @Test("a duplicate name or SKU is a conflict (409) naming the field; an empty SKU repeats freely")
    func duplicates() throws {
        var state = DemoStore.make(products: 3, seed: 1)
        try state.transaction { s throws(APIError) in
            let taken = try s.rows(CatalogRules.product)[0]
            var e: APIError?
            do throws(APIError) { _ = try CatalogRules.addProduct(&s, object(("name", taken["name"]!), ("type", "physical"))) } catch { e = error }
            #expect(e?.status == 409 && e?.errors.first?.0 == "name")
            e = nil
            do throws(APIError) { _ = try CatalogRules.addProduct(&s, object(("name", "New"), ("type", "physical"), ("sku", taken["sku"]!))) } catch { e = error }
            #expect(e?.status == 409 && e?.errors.first?.0 == "sku")
            _ = try CatalogRules.addProduct(&s, object(("name", "Unnamed 1"), ("type", "physical"), ("sku", "")))
            _ = try CatalogRules.addProduct(&s, object(("name", "Unnamed 2"), ("type", "physical"), ("sku", "")))
        }
    }
}

@Suite struct RequestBodyRules {
    @Test("a batch that answers 207 refuses its bad items one by one; any other body is refused whole")
    func perItem() throws {
        let trees = try #require(OperationCatalog.byRoute["POST /v3/catalog/trees/categories"])
        let entry = try #require(BodySchemaTable.entry(for: trees))
        let body: JSON = [["name": "Lamps", "tree_id": 1], ["tree_id": 1]]
        let schema = try #require(entry.schema)
        let checked = try RequestBodyCheck.check(body, entry, schema)
        #expect(checked.body.arrayValue?.count == 1 && checked.rejected.count == 1)
        let brands = try #require(OperationCatalog.byRoute["POST /v3/catalog/brands"])
        let brandEntry = try #require(BodySchemaTable.entry(for: brands))
        let brandSchema = try #require(brandEntry.schema)
        #expect(throws: APIError.self) { try RequestBodyCheck.check(["name": 5], brandEntry, brandSchema) }
    }

    @Test("fields a schema does not describe are dropped, or refused where it says additionalProperties: false")
    func unknownFields() throws {
        let brandOp = try #require(OperationCatalog.byRoute["POST /v3/catalog/brands"])
        let brands = try #require(BodySchemaTable.entry(for: brandOp))
        let brandSchema = try #require(brands.schema)
        let kept = try RequestBodyCheck.check(["name": "Acme", "privateKey": "x"], brands, brandSchema)
        #expect(kept.body["name"] == "Acme" && kept.body["privateKey"] == nil)
        let taxOp = try #require(OperationCatalog.byRoute["POST /v3/tax/classes"])
        let taxes = try #require(BodySchemaTable.entry(for: taxOp))
        let taxSchema = try #require(taxes.schema)
        #expect(throws: APIError.self) { try RequestBodyCheck.check([["name": "Books", "rate": 5]], taxes, taxSchema) }
    }
}

@Suite struct MultipartRules {
    func form(_ boundary: String, parts: [(String, String)]) -> [UInt8] {
        var text = ""
        for (name, value) in parts { text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n" }
        return Array((text + "--\(boundary)--\r\n").utf8)
    }

    @Test("the boundary is found wherever its prefix repeats in the data (a search that backs off right)")
    func overlappingPrefixes() {
        let boundary = "--ab--ab--abc"
        let body = form(boundary, parts: [("a", "--ab--ab--ab--ab--abX"), ("b", "x")])
        let parsed = MultipartForm(body, contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(parsed?.parts.map(\.name) == ["a", "b"])
        #expect(parsed.map { String(decoding: $0.parts[0].data, as: UTF8.self) } == "--ab--ab--ab--ab--abX")
        #expect(MultipartForm.find(Array("aab".utf8), in: Array("aaaab".utf8), from: 0) == 2)
    }

    @Test("a boundary over RFC 2046's 70 characters is refused")
    func longBoundary() {
        let boundary = String(repeating: "-", count: 71)
        #expect(MultipartForm(form(boundary, parts: [("a", "1")]), contentType: "multipart/form-data; boundary=\(boundary)") == nil)
    }

    @Test("a body of dashes with a boundary of dashes is read in one pass (8 MB: it took 74 s at 16,000 dashes)")
    func dashes() {
        let boundary = String(repeating: "-", count: 70)
        let body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n".utf8) + [UInt8](repeating: 0x2D, count: 8 << 20)
        // No closing delimiter: nil, after one pass over the 8 MB.
        #expect(MultipartForm(body, contentType: "multipart/form-data; boundary=\(boundary)") == nil)
    }
}
