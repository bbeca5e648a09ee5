#if canImport(Glibc)
import Glibc
#endif
import JSON
import StoreAPI

/// Orders as the real API keeps them (orders.v2.oas2.yml, orders.v3.yml): one order behind v2
/// and v3's sub-resources; an order is made from its products and addresses, which become its
/// sub-resources (`/v2/orders/{id}/products`, `/shipping_addresses`) and are pointed at, not
/// embedded; its status follows `status_id`; its totals follow its lines. Deleting an order
/// deletes what hangs on it; its lines keep the ids of products deleted since.
enum OrderRules: ResourceFamily {
    static let order: EntityName = "order"
    static let line: EntityName = "order_product"
    static let shippingAddress: EntityName = "order_shipping_address"
    static let status: EntityName = "order_status"

    static let entities: [Entity] = [
        Entity(order, ids: .counted(first: 100), events: Events("store/order", type: "order", deleted: "archived", more: { change in
            guard let status = Events.changed(change, "status_id") else { return [] }
            return [("store/order/statusUpdated", JSONObject([("status", .object(JSONObject([
                ("previous_status_id", status.before ?? 0), ("new_status_id", status.after ?? 0),
            ])))]))]
        }), columns: [
            Column("customer_id", .int), Column("status_id", .int), Column("date_created", .time), Column("date_modified", .time),
            Column("channel_id", .int), Column("total_inc_tax", .real),
        ], dates: .rfc2822),
        Entity(line, parent: Parent(entity: order, field: "order_id"), columns: [Column("product_id", .int)], dates: .rfc2822),
        Entity(shippingAddress, parent: Parent(entity: order, field: "order_id"), dates: .rfc2822),
        Entity(status, dates: .rfc2822),
    ]

    static let views: [View] = [
        View("/v2/orders", "/v3/orders", entity: order),
        View("/v2/orders/{}/products", entity: line),
        View("/v2/orders/{}/shipping_addresses", entity: shippingAddress),
        View("/v2/order_statuses", entity: status),
    ]

    /// An order's shipments fire `store/shipment/*`, naming their order.
    static func refine(_ entity: inout Entity, template: String) {
        guard template == "/v2/orders/{}/shipments" else { return }
        entity.events = Events("store/shipment", type: "shipment", data: { change in
            JSONObject([("orderId", (change.after ?? change.before)?["order_id"] ?? .null)])
        })
        entity.parent?.field = "order_id"
    }

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v2/orders") { s, r throws(APIError) in try create(&s, r) }
        hooks.replace("PUT /v2/orders/{order_id}") { s, r throws(APIError) in try update(&s, r) }
        // The store's clock, as `GET /v2/time` tells it (seconds since the epoch).
        hooks.replace("GET /v2/time") { s, _ in .ok(.object(JSONObject([("time", .int(s.clock.now))]))) }
    }

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        var body = try s.objectBody(r)
        guard case .array(let lines)? = body["products"], !lines.isEmpty else {
            throw APIError(status: 400, title: "The order needs products", errors: [("products", "give at least one product line")])
        }
        var products: [JSONObject] = []
        for (i, entry) in lines.enumerated() {
            guard case .object(var item) = entry else { throw APIError(status: 400, title: "products.\(i) must be an object") }
            if let q = item["quantity"], !(q.intValue.map { (1...1_000_000).contains($0) } ?? false) {
                throw APIError(status: 400, title: "products.\(i).quantity must be a whole number from 1 to 1000000")
            }
            if let id = item["product_id"] {
                guard let product = try s.row(CatalogRules.product, id) else {
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
        try setStatus(s, &body)
        var subtotal = 0.0, count: Int64 = 0
        for p in products {
            let quantity = p["quantity"]?.intValue ?? 1
            subtotal += (p["price_inc_tax"]?.doubleValue ?? Double(p["price_inc_tax"]?.stringValue ?? "") ?? 0) * Double(quantity)
            count += quantity
        }
        for (k, v) in [("subtotal_inc_tax", Amount.money(subtotal)), ("subtotal_ex_tax", Amount.money(subtotal)),
                       ("total_inc_tax", Amount.money(subtotal)), ("total_ex_tax", Amount.money(subtotal)),
                       ("items_total", .int(count)), ("items_shipped", 0), ("shipping_address_count", .int(Int64(addresses.count))),
                       ("is_deleted", false), ("currency_code", "USD")] where body[k] == nil {
            body[k] = v
        }
        var made = try s.create(body, r)
        let id = made["id"]!
        for p in products { try s.insert(line, p, parent: id) }
        for a in addresses { try s.insert(shippingAddress, a, parent: id) }
        made = try s.update(order, withLinks(made))
        return .ok(.object(made), status: r.op.successStatus, applied: true)
    }

    /// An order points at its products, shipping addresses and coupons.
    static func withLinks(_ order: JSONObject) -> JSONObject {
        var out = order
        let base = "/v2/orders/\(StoreState.key(order["id"] ?? .null))"
        for sub in ["products", "shipping_addresses", "coupons"] {
            out[sub] = ["url": .string("https://api.bigcommerce.com/stores/sandbox\(base)/\(sub)"), "resource": .string("\(base)/\(sub)")]
        }
        return out
    }

    static func update(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        guard let current = try s.row(order, .string(r.itemID)) else { throw APIError.notFound("Order \(r.itemID) not found") }
        var body = try s.objectBody(r)
        // Lines and addresses are their own resources; an update of the order leaves them be.
        body["products"] = nil
        body["shipping_addresses"] = nil
        try setStatus(s, &body)
        let updated = try s.change(current, with: body, r)
        return .ok(.object(updated), status: r.op.successStatus, applied: true)
    }

    /// `status` is the name of `status_id` (from `/v2/order_statuses`).
    static func setStatus(_ s: StoreState, _ body: inout JSONObject) throws(APIError) {
        guard let id = body["status_id"] else { return }
        body["status"] = try s.row(status, id)?["name"] ?? body["status"]
    }
}
