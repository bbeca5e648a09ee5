import GRDB
import JSON
import StoreAPI

/// The Inventory API (inventory.v3.yml, locations.v3.yml) over the catalog: an inventory item is
/// a variant of a product that tracks inventory; its level at each location is what the
/// catalog's `inventory_level` adds up. The default location (1, every store has it) holds what
/// the other locations do not, so a store that never used locations reads the same through
/// both APIs; adjustments (absolute, relative) move levels and the catalog follows; an unknown
/// location, SKU, variant or product is refused by item.
enum InventoryRules: ResourceFamily {
    static let location: EntityName = "inventory_location"
    /// An item's level at a location other than the default one.
    static let level: EntityName = "inventory_level"
    static let defaultLocation: Int64 = 1

    static let entities: [Entity] = [
        Entity(location, columns: [Column("code", .text), Column("enabled", .bool)], unique: [UniqueKey("code", status: 422)]),
        Entity(level, parent: Parent(entity: CatalogRules.variant, field: "variant_id"), columns: [Column("location_id", .int)],
               unique: [UniqueKey("location_id", perParent: true)],
               references: [Reference("location_id", to: location, onDelete: .cascade, refusedWith: 422)]),
    ]

    static let views = [View("/v3/inventory/locations", entity: location)]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("GET /v3/inventory/items") { s, r throws(APIError) in try items(s, r, at: nil) }
        hooks.replace("GET /v3/inventory/locations/{location_id}/items") { s, r throws(APIError) in
            let id = JSON.string(r.params["location_id"] ?? "")
            guard try s.exists(location, id) else { throw APIError.notFound("Location \(StoreState.key(id)) was not found") }
            return try items(s, r, at: s.normalized(s.entity(location), id).intValue)
        }
        hooks.replace("PUT /v3/inventory/adjustments/absolute") { s, r throws(APIError) in try adjust(&s, r, relative: false) }
        hooks.replace("POST /v3/inventory/adjustments/relative") { s, r throws(APIError) in try adjust(&s, r, relative: true) }
        hooks.replace("PUT /v3/inventory/locations/{location_id}/items") { s, r throws(APIError) in try settings(&s, r) }
        hooks.replace("POST /v3/inventory/locations") { s, r throws(APIError) in
            for item in try s.arrayBody(r) {
                var fields = item
                fields["enabled"] = fields["enabled"] ?? true
                fields["type_id"] = fields["type_id"] ?? "PHYSICAL"
                let now = Clock.timestamp(Int(s.clock.now))
                (fields["created_at"], fields["updated_at"]) = (.string(now), .string(now))
                try s.insert(location, fields)
            }
            return .ok(.object(JSONObject([("transaction_id", .string(try s.uuid()))])), applied: true)
        }
        hooks.validate("DELETE /v3/inventory/locations") { s, r throws(APIError) in
            let ids = (r.query("location_id:in") ?? "").split(separator: ",")
            if ids.contains(where: { Int64($0) == defaultLocation }) { throw APIError.invalid("The default location cannot be deleted", [("location_id:in", "1 is the default location")]) }
        }
    }

    /// The store's default location, as every store has it.
    static func seed(_ s: inout StoreState) throws(APIError) {
        try s.insert(location, JSONObject([
            ("code", "BC-LOCATION-1"), ("label", "Default location"), ("description", "The store's default location"),
            ("managed_by_external_source", false), ("type_id", "PHYSICAL"), ("enabled", true), ("time_zone", "Etc/UTC"),
            ("created_at", "2024-01-15T10:00:00Z"), ("updated_at", "2024-01-15T10:00:00Z"),
        ]), id: .int(defaultLocation))
    }

    // MARK: Levels

    /// The variant's level at each location: the other locations' rows, and the default's remainder.
    static func levels(_ s: StoreState, _ variant: JSONObject) throws(APIError) -> [(location: Int64, row: JSONObject)] {
        let others = try s.rows(level, parent: variant["id"] ?? .null)
        let held = others.reduce(0) { $0 + ($1["total_inventory_onhand"]?.intValue ?? 0) }
        let remainder = (variant["inventory_level"]?.intValue ?? 0) - held
        var out = [(defaultLocation, JSONObject([("total_inventory_onhand", .int(remainder)), ("safety_stock", 0), ("is_in_stock", .bool(remainder > 0)),
                                                 ("warning_level", variant["inventory_warning_level"] ?? 0),
                                                 ("bin_picking_number", variant["bin_picking_number"] ?? "")]))]
        for row in others { out.append((row["location_id"]?.intValue ?? 0, row)) }
        return out
    }

    /// The inventory items (variants of products that track inventory), at every location or one.
    static func items(_ s: StoreState, _ r: SandboxRequest, at only: Int64?) throws(APIError) -> Outcome {
        var query = RowQuery()
        for (name, field) in [("sku:in", "sku"), ("variant_id:in", "id"), ("product_id:in", "product_id")] {
            if let value = r.query(name) { query.filters.append(RowQuery.Filter(field: field, op: .in, value: value)) }
        }
        query.extra.append(("parent IN (SELECT id FROM \(StoreDatabase.table(CatalogRules.product)) WHERE f_inventory_tracking != 'none')", []))
        let (limit, page) = s.pageRequest(r)
        query.page = .offset(limit: limit, offset: (page - 1) * limit)
        let found = try s.rows(CatalogRules.variant, query)
        let wanted = r.query("location_id:in").map { Set($0.split(separator: ",").compactMap { Int64($0) }) }
        let locations = try s.rows(location)
        var data: [JSON] = []
        for variant in found.items {
            let identity = JSONObject([("sku", variant["sku"] ?? ""), ("variant_id", variant["id"] ?? .null), ("product_id", variant["product_id"] ?? .null)])
            let at = try levels(s, variant).filter { only == nil || $0.location == only }.filter { wanted?.contains($0.location) ?? true }
            func settings(_ row: JSONObject) -> JSON {
                .object(JSONObject([("safety_stock", row["safety_stock"] ?? 0), ("is_in_stock", row["is_in_stock"] ?? true),
                                    ("warning_level", row["warning_level"] ?? 0), ("bin_picking_number", row["bin_picking_number"] ?? "")]))
            }
            func available(_ row: JSONObject) -> Int64 { max((row["total_inventory_onhand"]?.intValue ?? 0) - (row["safety_stock"]?.intValue ?? 0), 0) }
            if let only, let (_, row) = at.first {
                _ = only
                data.append(.object(JSONObject([("identity", .object(identity)), ("available_to_sell", .int(available(row))),
                                                ("total_inventory_onhand", row["total_inventory_onhand"] ?? 0), ("settings", settings(row))])))
            } else if only == nil {
                let entries: [JSON] = at.map { id, row in
                    let place = locations.first { $0["id"]?.intValue == id }
                    return .object(JSONObject([("location_id", .int(id)), ("location_code", place?["code"] ?? ""), ("location_name", place?["label"] ?? ""),
                                               ("available_to_sell", .int(available(row))), ("total_inventory_onhand", row["total_inventory_onhand"] ?? 0),
                                               ("location_enabled", place?["enabled"] ?? true), ("settings", settings(row))]))
                }
                // sku_id: "null if the item is a base variant" (and the schema has no null: left out).
                var identity = identity
                if try s.row(CatalogRules.product, variant["product_id"] ?? .null)?["base_variant_id"] != variant["id"] { identity["sku_id"] = variant["id"] }
                data.append(.object(JSONObject([("identity", .object(identity)), ("locations", .array(entries))])))
            }
        }
        let meta = JSONObject([("pagination", s.pagination(total: found.total ?? data.count, count: found.items.count, limit: limit, page: page))])
        return .ok(.object(JSONObject([("data", .array(data)), ("meta", .object(meta))])))
    }

    /// The variant an adjustment or setting names: by `variant_id`, `sku`, or a simple product's `product_id`.
    static func variant(_ s: StoreState, _ item: JSONObject) throws(APIError) -> JSONObject {
        if let id = item["variant_id"] {
            guard let v = try s.row(CatalogRules.variant, id) else { throw APIError.invalid("No such variant", [("variant_id", "no variant \(StoreState.key(id))")]) }
            return v
        }
        if let sku = item["sku"]?.stringValue {
            guard let v = try s.rows(CatalogRules.variant, where: "sku", is: .string(sku)).first else {
                throw APIError.invalid("No such SKU", [("sku", "no variant has SKU \(sku)")])
            }
            return v
        }
        if let pid = item["product_id"] {
            guard let product = try s.row(CatalogRules.product, pid) else { throw APIError.invalid("No such product", [("product_id", "no product \(StoreState.key(pid))")]) }
            guard let base = product["base_variant_id"], let v = try s.row(CatalogRules.variant, base) else {
                throw APIError.invalid("The product has variants; name one", [("product_id", "product \(StoreState.key(pid)) has options: give variant_id or sku")])
            }
            return v
        }
        throw APIError.invalid("Each item needs a sku, variant_id or product_id", [("items", "identify the item")])
    }

    /// Absolute (set) or relative (add) adjustments; every item is checked before any applies.
    static func adjust(_ s: inout StoreState, _ r: SandboxRequest, relative: Bool) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        let items = body["items"]?.arrayValue?.compactMap(\.objectValue) ?? []
        guard !items.isEmpty else { throw APIError.invalid("No items to adjust", [("items", "give at least one item")]) }
        var planned: [(variant: JSONObject, location: Int64, quantity: Int64)] = []
        var errors: [(String, String)] = []
        for (i, item) in items.enumerated() {
            do throws(APIError) {
                let place = item["location_id"]?.intValue ?? defaultLocation
                guard try s.exists(location, .int(place)) else { throw APIError.invalid("No such location", [("location_id", "no location \(place)")]) }
                guard let quantity = item["quantity"]?.intValue, relative || quantity >= 0, abs(quantity) <= 1_000_000_000 else {
                    throw APIError.invalid("Bad quantity", [("quantity", relative ? "a whole number" : "a whole number, not negative")])
                }
                planned.append((try variant(s, item), place, quantity))
            } catch {
                errors += error.errors.map { ("items.\(i).\($0.0)", $0.1) }
            }
        }
        if !errors.isEmpty { throw APIError.invalid("The adjustment names items the store does not have", errors) }
        for (v, place, quantity) in planned {
            guard let current = try s.row(CatalogRules.variant, v["id"] ?? .null) else { continue }
            let before = try levels(s, current).first { $0.location == place }?.row["total_inventory_onhand"]?.intValue ?? 0
            let after = relative ? before + quantity : quantity
            try setLevel(&s, current, at: place, to: after)
        }
        return .ok(.object(JSONObject([("transaction_id", .string(try s.uuid()))])), applied: true)
    }

    /// The variant's level at the location, the catalog's `inventory_level` following.
    static func setLevel(_ s: inout StoreState, _ variant: JSONObject, at place: Int64, to quantity: Int64) throws(APIError) {
        let others = try s.rows(level, parent: variant["id"] ?? .null)
        let held = others.reduce(0) { $0 + ($1["total_inventory_onhand"]?.intValue ?? 0) }
        let remainder = (variant["inventory_level"]?.intValue ?? 0) - held
        var total: Int64
        if place == defaultLocation {
            total = held + quantity
        } else if var row = others.first(where: { $0["location_id"]?.intValue == place }) {
            total = remainder + held - (row["total_inventory_onhand"]?.intValue ?? 0) + quantity
            row["total_inventory_onhand"] = .int(quantity)
            try s.update(level, row)
        } else {
            total = remainder + held + quantity
            try s.insert(level, JSONObject([("location_id", .int(place)), ("total_inventory_onhand", .int(quantity)), ("safety_stock", 0),
                                            ("is_in_stock", true), ("warning_level", 0), ("bin_picking_number", "")]), parent: variant["id"])
        }
        var updated = variant
        updated["inventory_level"] = .int(total)
        updated = try s.update(CatalogRules.variant, updated)
        try CatalogRules.mirrorOnProduct(&s, updated)
    }

    /// Settings (safety stock, warning level, bin) for items at a location.
    static func settings(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let place = JSON.string(r.params["location_id"] ?? "")
        guard let placeID = try s.row(location, place)?["id"]?.intValue else { throw APIError.invalid("No such location", [("location_id", "no location \(StoreState.key(place))")]) }
        for entry in try s.objectBody(r)["settings"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            let v = try variant(s, entry["identity"]?.objectValue ?? JSONObject())
            if placeID == defaultLocation {
                var updated = v
                if let w = entry["warning_level"] { updated["inventory_warning_level"] = w }
                if let b = entry["bin_picking_number"] { updated["bin_picking_number"] = b }
                try s.update(CatalogRules.variant, updated)
                continue
            }
            if try !s.rows(level, parent: v["id"] ?? .null).contains(where: { $0["location_id"]?.intValue == placeID }) {
                try setLevel(&s, v, at: placeID, to: 0)
            }
            guard var row = try s.rows(level, parent: v["id"] ?? .null).first(where: { $0["location_id"]?.intValue == placeID }) else { continue }
            for k in ["safety_stock", "is_in_stock", "warning_level", "bin_picking_number"] { if let value = entry[k] { row[k] = value } }
            try s.update(level, row)
        }
        return .ok(.object(JSONObject([("transaction_id", .string(try s.uuid()))])), applied: true)
    }
}
