#if canImport(Glibc)
import Glibc
#endif
import JSON
import StoreAPI

/// Orders (v2) as the real API keeps them, and the store's clock: an order is made from its
/// products and addresses, which become its sub-resources (`/v2/orders/{id}/products`, `/shipping_addresses`) and are
/// pointed at, not embedded; its status follows `status_id`; its totals follow its lines.
enum OrderRules: ResourceFamily {
    static let orders = "/v2/orders"

    static func register(_ hooks: inout Hooks) {
        for (route, behaviour) in routes { hooks.replace(route, behaviour) }
    }

    static let routes: [Route: Behaviour] = [
        "POST /v2/orders": { s, r throws(APIError) in try create(&s, r) },
        "PUT /v2/orders/{order_id}": { s, r throws(APIError) in try update(&s, r) },
        // The store's clock, as `GET /v2/time` tells it (seconds since the epoch).
        "GET /v2/time": { _, _ in .ok(.object(JSONObject([("time", .int(Int64(time(nil))))]))) },
    ]

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var body = try s.objectBody(r)
        guard case .array(let lines)? = body["products"], !lines.isEmpty else {
            throw APIError(status: 400, title: "The order needs products", errors: [("products", "give at least one product line")])
        }
        var products: [JSONObject] = []
        for (i, line) in lines.enumerated() {
            guard case .object(var item) = line else { throw APIError(status: 400, title: "products.\(i) must be an object") }
            if let q = item["quantity"], !(q.intValue.map { (1...1_000_000).contains($0) } ?? false) {
                throw APIError(status: 400, title: "products.\(i).quantity must be a whole number from 1 to 1000000")
            }
            if let id = item["product_id"] {
                guard let product = s.collections["/v3/catalog/products"]?.items[StoreState.key(id)] else {
                    throw APIError(status: 400, title: "products.\(i): no product with id \(StoreState.key(id))")
                }
                for k in ["name", "sku"] where item[k] == nil { item[k] = product[k] }
                if item["price_inc_tax"] == nil { item["price_inc_tax"] = product["calculated_price"] ?? product["price"] }
            } else if item["name"] == nil {
                throw APIError(status: 400, title: "products.\(i) needs a product_id, or a name and a price for a custom product")
            }
            products.append(item)
        }
        let addresses: [JSONObject] = body["shipping_addresses"]?.arrayValue?.compactMap(\.objectValue) ?? []
        body["products"] = nil
        body["shipping_addresses"] = nil
        if body["status_id"] == nil { body["status_id"] = 1 }
        setStatus(s, &body)
        var subtotal = 0.0, count: Int64 = 0
        for p in products {
            let quantity = p["quantity"]?.intValue ?? 1
            subtotal += (p["price_inc_tax"]?.doubleValue ?? Double(p["price_inc_tax"]?.stringValue ?? "") ?? 0) * Double(quantity)
            count += quantity
        }
        for (k, v) in [("subtotal_inc_tax", Amount.money(subtotal)), ("subtotal_ex_tax", Amount.money(subtotal)),
                       ("total_inc_tax", Amount.money(subtotal)), ("total_ex_tax", Amount.money(subtotal)),
                       ("items_total", .int(count)), ("items_shipped", 0), ("shipping_address_count", .int(Int64(addresses.count))),
                       ("is_deleted", false), ("currency_code", "USD"), ("date_created", .string(Clock.rfc2822()))] where body[k] == nil {
            body[k] = v
        }
        var order = s.create(body, in: orders, template: orders, stringIDs: false, op: r.op)
        let id = StoreState.key(order["id"]!)
        let base = "\(orders)/\(id)"
        for var p in products {
            p["order_id"] = order["id"]
            _ = s.create(p, in: base + "/products", template: orders + "/{}/products", stringIDs: false)
        }
        for var a in addresses {
            a["order_id"] = order["id"]
            _ = s.create(a, in: base + "/shipping_addresses", template: orders + "/{}/shipping_addresses", stringIDs: false)
        }
        for sub in ["products", "shipping_addresses", "coupons"] {
            order[sub] = ["url": .string("https://api.bigcommerce.com/stores/sandbox\(base)/\(sub)"), "resource": .string("\(base)/\(sub)")]
        }
        s.collections[orders]!.insert(id, order)
        return .ok(.object(order), status: r.op.successStatus, applied: true)
    }

    static func update(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        guard var order = s.collections[orders]?.items[r.itemID] else { throw APIError.notFound("Order \(r.itemID) not found") }
        var body = try s.objectBody(r)
        // Lines and addresses are their own resources; an update of the order leaves them be.
        body["products"] = nil
        body["shipping_addresses"] = nil
        setStatus(s, &body)
        for (k, v) in body where k != "id" { order[k] = v }
        order["date_modified"] = .string(Clock.rfc2822())
        s.collections[orders]!.insert(r.itemID, order)
        return .ok(.object(order), status: r.op.successStatus, applied: true)
    }

    /// `status` is the name of `status_id` (from `/v2/order_statuses`).
    static func setStatus(_ s: StoreState, _ body: inout JSONObject) {
        guard let id = body["status_id"] else { return }
        body["status"] = s.collections["/v2/order_statuses"]?.items[StoreState.key(id)]?["name"] ?? body["status"]
    }
}
