import JSON
import StoreAPI
import StoreCertificates

/// Carts as the Carts API keeps them: every line must name a product of the catalog (and a
/// variant of that product); lines are priced by the catalog's rules (list price, sale price,
/// bulk pricing) and the cart's amounts follow its lines; deleting the last line deletes the
/// cart; redirect URLs point at the channel's site (its checkout URL when it has its own), also
/// given by `include=redirect_urls`; a stale `version` is a 409.
enum CartRules: ResourceFamily {
    static let cart: EntityName = "cart"
    static let entities = [Entity(cart, ids: .uuid, events: Events("store/cart", type: "cart"), columns: [Column("customer_id", .int), Column("channel_id", .int)])]
    static let views = [View("/v3/carts", entity: cart)]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v3/carts") { s, r throws(APIError) in try create(&s, r) }
        hooks.replace("GET /v3/carts/{cartId}") { s, r throws(APIError) in
            let cart = try cart(s, r)
            return .ok(s.envelope(r, .object(try withIncludes(s, cart, r))))
        }
        hooks.replace("POST /v3/carts/{cartId}/items") { s, r throws(APIError) in
            var cart = try cart(s, r)
            let body = try s.objectBody(r)
            try checkVersion(cart, body)
            var items = physicalItems(cart)
            items += try lines(&s, body["line_items"]?.arrayValue ?? [])
            return try save(&s, &cart, items, r, status: 201)
        }
        hooks.replace("PUT /v3/carts/{cartId}/items/{itemId}") { s, r throws(APIError) in
            var cart = try cart(s, r)
            let body = try s.objectBody(r)
            try checkVersion(cart, body)
            var items = physicalItems(cart)
            guard let i = items.firstIndex(where: { $0["id"]?.stringValue == r.params["itemId"] }) else { throw APIError.notFound("Line item not found") }
            guard let line = body["line_item"]?.objectValue else {
                throw APIError.invalid("line_item is required", [("line_item", "give the item's quantity (and product_id, variant_id)")])
            }
            var merged = JSONObject([("product_id", items[i]["product_id"] ?? .null), ("variant_id", items[i]["variant_id"] ?? .null)])
            for (k, v) in line { merged[k] = v }
            var priced = try lines(&s, [.object(merged)])[0]
            priced["id"] = items[i]["id"]
            items[i] = priced
            return try save(&s, &cart, items, r, status: 200)
        }
        hooks.replace("DELETE /v3/carts/{cartId}/items/{itemId}") { s, r throws(APIError) in
            var cart = try cart(s, r)
            var items = physicalItems(cart)
            guard let i = items.firstIndex(where: { $0["id"]?.stringValue == r.params["itemId"] }) else { throw APIError.notFound("Line item not found") }
            items.remove(at: i)
            if items.isEmpty {
                // The last line gone, the cart goes too.
                try s.delete(Self.cart, cart["id"] ?? .null)
                return .ok(nil, status: 204, applied: true)
            }
            return try save(&s, &cart, items, r, status: 200)
        }
        hooks.replace("POST /v3/carts/{cartId}/redirect_urls") { s, r throws(APIError) in
            let cart = try cart(s, r)
            return .ok(s.envelope(r, .object(try redirectURLs(s, cart))), status: 201, applied: true)
        }
    }

    static func cart(_ s: StoreState, _ r: SandboxRequest) throws(APIError) -> JSONObject {
        let id = r.params["cartId"] ?? ""
        guard let cart = try s.row(cart, .string(id)) else { throw APIError.notFound("Cart \(id) not found") }
        return cart
    }

    static func physicalItems(_ cart: JSONObject) -> [JSONObject] {
        cart["line_items"]?["physical_items"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    static func checkVersion(_ cart: JSONObject, _ body: JSONObject) throws(APIError) {
        if let given = body["version"]?.intValue, given != cart["version"]?.intValue {
            throw APIError.conflict("The cart has changed (version \(cart["version"]?.intValue ?? 0), not \(given)); read it again")
        }
    }

    /// Each line, priced from the catalog; a line naming no product of the store is refused.
    static func lines(_ s: inout StoreState, _ given: [JSON]) throws(APIError) -> [JSONObject] {
        var out: [JSONObject] = []
        var errors: [(String, String)] = []
        for (i, entry) in given.enumerated() {
            guard let line = entry.objectValue else { errors.append(("line_items.\(i)", "must be an object")); continue }
            guard let pid = line["product_id"].map(StoreState.key), let product = try s.row(CatalogRules.product, .string(pid)) else {
                errors.append(("line_items.\(i).product_id", "product \(line["product_id"].map(StoreState.key) ?? "(none)") does not exist"))
                continue
            }
            let quantity = line["quantity"]?.intValue ?? 0
            guard (1...10_000).contains(quantity) else {
                errors.append(("line_items.\(i).quantity", "quantity must be from 1 to 10000"))
                continue
            }
            var variant: JSONObject?
            if let vid = line["variant_id"], vid != .null, vid != .int(0) {
                variant = try s.row(CatalogRules.variant, vid).flatMap { StoreState.key($0["product_id"] ?? .null) == pid ? $0 : nil }
                if variant == nil {
                    errors.append(("line_items.\(i).variant_id", "variant \(StoreState.key(vid)) is not a variant of product \(pid)"))
                    continue
                }
            }
            let list = variant?["price"]?.doubleValue ?? product["price"]?.doubleValue ?? 0
            var sale = try CatalogRules.calculatedPrice(s, product)
            if let v = variant {
                sale = v["sale_price"]?.doubleValue.flatMap { $0 > 0 ? min($0, list) : nil } ?? (v["price"]?.doubleValue ?? sale)
            }
            let q = Double(quantity)
            out.append(JSONObject([
                ("id", .string(try s.uuid())), ("parent_id", .null),
                ("variant_id", variant?["id"] ?? product["base_variant_id"] ?? .int(0)), ("product_id", product["id"] ?? .null),
                ("sku", variant?["sku"] ?? product["sku"] ?? ""), ("name", product["name"] ?? ""),
                ("url", .string("https://\(try storeHost(s))\(product["custom_url"]?["url"]?.stringValue ?? "/")")),
                ("quantity", .int(quantity)), ("is_taxable", true), ("image_url", ""), ("discounts", .array([])), ("coupons", .array([])),
                ("discount_amount", 0), ("coupon_amount", 0), ("list_price", .double(list)), ("sale_price", .double(sale)),
                ("extended_list_price", .double(round2(list * q))), ("extended_sale_price", .double(round2(sale * q))),
                ("is_require_shipping", true), ("options", line["option_selections"] ?? .array([])),
            ]))
        }
        if !errors.isEmpty { throw APIError.invalid("The cart's line items are invalid", errors) }
        return out
    }

    static func round2(_ d: Double) -> Double { (d * 100).rounded() / 100 }

    static func create(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        let items = try lines(&s, body["line_items"]?.arrayValue ?? [])
        guard !items.isEmpty || !(body["custom_items"]?.arrayValue ?? []).isEmpty else {
            throw APIError.invalid("A cart needs at least one line item", [("line_items", "give at least one {product_id, quantity}")])
        }
        if let customer = body["customer_id"]?.intValue, customer != 0, try !s.exists(CustomerRules.customer, .int(customer)) {
            throw APIError.invalid("The customer does not exist", [("customer_id", "customer \(customer) does not exist")])
        }
        let now = Clock.timestamp(Int(s.clock.now))
        var cart = JSONObject([
            ("customer_id", body["customer_id"] ?? 0), ("channel_id", body["channel_id"] ?? 1), ("email", ""),
            ("currency", body["currency"] ?? ["code": "USD"]), ("tax_included", false), ("coupons", .array([])), ("discounts", .array([])),
            ("created_time", .string(now)), ("updated_time", .string(now)), ("locale", body["locale"] ?? "en"), ("version", 0),
        ])
        cart = try s.insert(Self.cart, cart)
        return try save(&s, &cart, items, r, status: 201, bumpVersion: false)
    }

    /// The cart with `items` and the amounts they make; the answer as the operation gives it.
    static func save(_ s: inout StoreState, _ cart: inout JSONObject, _ items: [JSONObject], _ r: SandboxRequest, status: Int,
                     bumpVersion: Bool = true) throws(APIError) -> Outcome {
        let base = items.reduce(0.0) { $0 + ($1["extended_list_price"]?.doubleValue ?? 0) }
        let amount = items.reduce(0.0) { $0 + ($1["extended_sale_price"]?.doubleValue ?? 0) }
        cart["line_items"] = .object(JSONObject([("physical_items", .array(items.map { .object($0) })), ("digital_items", .array([])),
                                                 ("gift_certificates", .array([])), ("custom_items", .array([]))]))
        cart["base_amount"] = .double(round2(base))
        cart["discount_amount"] = .double(round2(base - amount))
        cart["cart_amount"] = .double(round2(amount))
        if bumpVersion { cart["version"] = .int((cart["version"]?.intValue ?? 0) + 1) }
        cart["updated_time"] = .string(Clock.timestamp(Int(s.clock.now)))
        cart = try s.update(Self.cart, cart)
        return .ok(s.envelope(r, .object(try withIncludes(s, cart, r))), status: status, applied: true)
    }

    static func withIncludes(_ s: StoreState, _ cart: JSONObject, _ r: SandboxRequest) throws(APIError) -> JSONObject {
        var out = cart
        if let include = r.query("include"), include.split(separator: ",").contains("redirect_urls") {
            out["redirect_urls"] = .object(try redirectURLs(s, cart))
        }
        return out
    }

    static func storeHost(_ s: StoreState, channel: JSON = ChannelRules.defaultChannel) throws(APIError) -> String {
        HostCoverage.normalized(try ChannelRules.site(of: channel, in: s)?["url"]?.stringValue ?? "sandbox.example.com")
    }

    /// The cart's page, its checkout and the embedded checkout, on the channel's site.
    static func redirectURLs(_ s: StoreState, _ cart: JSONObject) throws(APIError) -> JSONObject {
        let channel = cart["channel_id"] ?? ChannelRules.defaultChannel
        let site = try ChannelRules.site(of: channel, in: s)
        let host = try storeHost(s, channel: channel)
        let checkout = (site?["urls"]?.arrayValue?.first { $0["type"]?.stringValue == "checkout" }?["url"]?.stringValue)
            .map(HostCoverage.normalized) ?? host
        let id = StoreState.key(cart["id"] ?? "")
        let token = String(id.reversed().filter { $0 != "-" })
        return JSONObject([
            ("cart_url", .string("https://\(host)/cart.php?action=load&id=\(id)&token=\(token)")),
            ("checkout_url", .string("https://\(checkout)/cart.php?action=loadInCheckout&id=\(id)&token=\(token)")),
            ("embedded_checkout_url", .string("https://\(checkout)/cart.php?embedded=1&action=loadInCheckout&id=\(id)&token=\(token)")),
        ])
    }
}
