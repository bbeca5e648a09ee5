import JSON
import StoreAPI

/// Price lists (price_lists.v3.yml): a list's records name variants — by `variant_id` or by
/// `sku`, one record per variant and currency — and are upserted by them; a record goes with
/// its variant; assignments say which customer group (and channel) a list prices for.
enum PriceListRules: ResourceFamily {
    static let list: EntityName = "price_list"
    static let record: EntityName = "price_list_record"
    static let assignment: EntityName = "price_list_assignment"

    static let entities: [Entity] = [
        Entity(list, columns: [Column("name", .text)], unique: [UniqueKey("name", status: 422)]),
        Entity(record, parent: Parent(entity: list, field: "price_list_id"),
               columns: [Column("variant_id", .int), Column("sku", .text), Column("currency", .text)],
               unique: [UniqueKey("variant_id", "currency", perParent: true, ignoringCase: true, status: 422)],
               references: [Reference("variant_id", to: CatalogRules.variant, onDelete: .cascade, refusedWith: 422)]),
        Entity(assignment, parent: Parent(entity: list, field: "price_list_id"), columns: [Column("customer_group_id", .int), Column("channel_id", .int)],
               references: [Reference("customer_group_id", to: CustomerRules.group, onDelete: .cascade, refusedWith: 422),
                            Reference("channel_id", to: ChannelRules.channel, onDelete: .cascade, refusedWith: 422)]),
    ]

    static let views: [View] = [
        View("/v3/pricelists", entity: list),
        View("/v3/pricelists/{}/records", "/v3/pricelists/records", "/v3/pricelists/{}/records/{}", entity: record),
        View("/v3/pricelists/{}/assignments", entity: assignment),
    ]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v3/pricelists/{price_list_id}/records") { s, r throws(APIError) in
            let owner = try priceList(s, r.params["price_list_id"])
            return try s.eachItem(r, try items(r)) { s, item throws(APIError) in try upsert(&s, item, in: owner, creating: false) }
        }
        hooks.replace("PUT /v3/pricelists/{price_list_id}/records") { s, r throws(APIError) in
            let owner = try priceList(s, r.params["price_list_id"])
            return try s.eachItem(r, try items(r)) { s, item throws(APIError) in try upsert(&s, item, in: owner, creating: false) }
        }
        // The store-wide POST "will error out if any record in the batch already exists"; PUT upserts.
        for (route, creating) in [("POST /v3/pricelists/records", true), ("PUT /v3/pricelists/records", false)] {
            hooks.replace(Route(stringLiteral: route)) { s, r throws(APIError) in
                try s.eachItem(r, try s.arrayBody(r)) { s, item throws(APIError) in
                    guard let owner = item["price_list_id"] else { throw APIError.invalid("Each record needs a price_list_id", [("price_list_id", "required")]) }
                    return try upsert(&s, item, in: try priceList(s, StoreState.key(owner)), creating: creating)
                }
            }
        }
        hooks.replace("GET /v3/pricelists/{price_list_id}/records/{variant_id}") { s, r throws(APIError) in
            let owner = try priceList(s, r.params["price_list_id"])
            let found = try s.rows(record, where: "variant_id", is: .string(r.params["variant_id"] ?? ""), parent: owner)
            return .ok(s.envelope(r, .array(found.map { .object($0) })))
        }
        hooks.replace("GET /v3/pricelists/{price_list_id}/records/{variant_id}/{currency_code}") { s, r throws(APIError) in
            .ok(s.envelope(r, .object(try one(s, r))))
        }
        hooks.replace("PUT /v3/pricelists/{price_list_id}/records/{variant_id}/{currency_code}") { s, r throws(APIError) in
            let owner = try priceList(s, r.params["price_list_id"])
            var item = try s.objectBody(r)
            item["variant_id"] = .string(r.params["variant_id"] ?? "")
            item["currency"] = .string(r.params["currency_code"] ?? "")
            return .ok(s.envelope(r, .object(try upsert(&s, item, in: owner, creating: false))), applied: true)
        }
        hooks.replace("DELETE /v3/pricelists/{price_list_id}/records/{variant_id}/{currency_code}") { s, r throws(APIError) in
            try s.delete(record, try one(s, r)["id"] ?? .null)
            return .ok(nil, status: 204, applied: true)
        }
        hooks.replace("PUT /v3/pricelists/{price_list_id}/assignments") { s, r throws(APIError) in
            let owner = try priceList(s, r.params["price_list_id"])
            var body = try s.objectBody(r)
            body["price_list_id"] = owner
            let same = try s.rows(assignment, parent: owner).first {
                ($0["customer_group_id"] ?? .null) == (body["customer_group_id"] ?? .null) && ($0["channel_id"] ?? .null) == (body["channel_id"] ?? .null)
            }
            let made = if let same { same } else { try s.insert(assignment, body, parent: owner) }
            return .ok(s.envelope(r, .object(made)), applied: same == nil)
        }
    }

    static func priceList(_ s: StoreState, _ id: String?) throws(APIError) -> JSON {
        guard let row = try s.row(list, .string(id ?? "")), let key = row["id"] else { throw APIError.notFound("Price list \(id ?? "?") was not found") }
        return key
    }

    static func items(_ r: SandboxRequest) throws(APIError) -> [JSONObject] {
        guard case .array(let a)? = r.body else { throw APIError.invalid("The request body must be a JSON array", [("body", "expected an array")]) }
        return a.compactMap(\.objectValue)
    }

    static func one(_ s: StoreState, _ r: SandboxRequest) throws(APIError) -> JSONObject {
        let owner = try priceList(s, r.params["price_list_id"])
        let currency = (r.params["currency_code"] ?? "").lowercased()
        guard let found = try s.rows(record, where: "variant_id", is: .string(r.params["variant_id"] ?? ""), parent: owner)
            .first(where: { $0["currency"]?.stringValue?.lowercased() == currency }) else {
            throw APIError.notFound("No record for variant \(r.params["variant_id"] ?? "?") in \(currency)")
        }
        return found
    }

    /// The record for the item's variant (by `variant_id` or `sku`) and currency: made, or
    /// changed where it exists (unless `creating`, which refuses a second).
    static func upsert(_ s: inout StoreState, _ item: JSONObject, in owner: JSON, creating: Bool) throws(APIError) -> JSONObject {
        guard let currency = item["currency"]?.stringValue, !currency.isEmpty else {
            throw APIError.invalid("Each record needs a currency", [("currency", "required")])
        }
        let variant: JSONObject?
        if let id = item["variant_id"], !Reference.namesNothing(id) {
            variant = try s.row(CatalogRules.variant, id)
        } else if let sku = item["sku"]?.stringValue, !sku.isEmpty {
            variant = try s.rows(CatalogRules.variant, where: "sku", is: .string(sku)).first
        } else {
            throw APIError.invalid("Each record needs a variant_id or a sku", [("variant_id", "give variant_id or sku")])
        }
        guard let variant, let variantID = variant["id"] else {
            let named = item["variant_id"].map { "variant \(StoreState.key($0))" } ?? "sku \(item["sku"]?.stringValue ?? "")"
            throw APIError.invalid("The record names no variant of the catalog", [(item["variant_id"] != nil ? "variant_id" : "sku", "no \(named)")])
        }
        var fields = item
        fields["variant_id"] = variantID
        fields["product_id"] = variant["product_id"]
        fields["sku"] = variant["sku"]
        fields["currency"] = .string(currency.lowercased())
        fields["price_list_id"] = nil
        let existing = try s.rows(record, where: "variant_id", is: variantID, parent: owner).first {
            $0["currency"]?.stringValue?.lowercased() == currency.lowercased()
        }
        if var existing {
            guard !creating else {
                throw APIError.invalid("The price list already has a record for variant \(StoreState.key(variantID)) in \(currency)",
                                       [("variant_id", "a record exists; use PUT to change it")])
            }
            for (k, v) in fields { existing[k] = v }
            existing["calculated_price"] = existing["sale_price"].flatMap { $0.doubleValue.map { $0 > 0 ? JSON.double($0) : nil } ?? nil } ?? existing["price"]
            s.touch(&existing, s.entity(record))
            return try s.update(record, existing)
        }
        fields["calculated_price"] = fields["sale_price"].flatMap { $0.doubleValue.map { $0 > 0 ? JSON.double($0) : nil } ?? nil } ?? fields["price"]
        s.touch(&fields, created: true, s.entity(record))
        return try s.insert(record, fields, parent: owner)
    }
}

/// The store's currencies (currencies.v2.yml): one of them its default (the store's own).
enum CurrencyRules: ResourceFamily {
    static let currency: EntityName = "currency"
    static let entities = [Entity(currency, columns: [Column("currency_code", .text), Column("is_default", .bool)],
                                  unique: [UniqueKey("currency_code", ignoringCase: true)])]
    static let views = [View("/v2/currencies", entity: currency)]

    static func register(_ hooks: inout Hooks) {
        hooks.validate("DELETE /v2/currencies/{id}") { s, r throws(APIError) in
            if try s.row(currency, .string(r.itemID))?["is_default"] == .bool(true) {
                throw APIError(status: 409, title: "The store's default currency cannot be deleted")
            }
        }
    }
}
