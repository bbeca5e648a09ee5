import JSON
import StoreAPI

/// DigiCert CertCentral, generically: an order placed with `POST /order/certificate/{product}`
/// is kept and can be read and listed back (`{orders, page}`); the other operations answer
/// their success status. DigiCert's real behaviour (validation, issuance) comes later.
enum DigiCertRules {
    static let orders = "/services/v2/order/certificate"

    static let routes: [Route: Behaviour] = [
        "POST /services/v2/order/certificate/{product_id}": { s, r throws(APIError) in try create(&s, r) },
        "GET /services/v2/order/certificate/{order_id}": { s, r throws(APIError) in try get(&s, r) },
        "GET /services/v2/order/certificate": { s, r in list(&s, r) },
    ]

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
            var body = try s.objectBody(r)
            guard body["certificate"] != nil else {
                throw APIError.invalid("certificate is required", [("missing_field", "certificate is required")])
            }
            body["product_name_id"] = .string(r.itemID)
            body["status"] = "pending"
            let created = s.create(body, in: orders, template: orders, stringIDs: false)
            let id = created["id"] ?? .int(0)
            return .ok(.object(JSONObject([("id", id), ("requests", .array([.object(JSONObject([("id", id), ("status", "pending")]))]))])),
                       status: 201, applied: true)
    }

    static func get(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
            guard let order = s.collections[orders]?.items[r.itemID] else { throw APIError.notFound("Order \(r.itemID) not found") }
            return .ok(.object(order))
    }

    static func list(_ s: inout StoreState, _ r: SandboxRequest) -> Outcome {
            let all = s.collections[orders]?.all ?? []
            let offset = max(Int(r.query("offset") ?? "") ?? 0, 0)
            let limit = min(max(Int(r.query("limit") ?? "") ?? 1000, 1), 1000)
            let slice = all.dropFirst(offset).prefix(limit).map { JSON.object($0) }
            return .ok(.object(JSONObject([
                ("orders", .array(Array(slice))),
                ("page", .object(JSONObject([("total", .int(Int64(all.count))), ("limit", .int(Int64(limit))), ("offset", .int(Int64(offset)))]))),
            ])))
    }
}
