import JSON
import StoreAPI

/// Where the catalog behaves like the real one rather than like any collection: products
/// (required fields, duplicates, defaults, calculated_price, the batch of 10), metafields
/// (unique namespace+key), variants (option values must exist), the summary, the
/// category tree and the store-wide variant list.
enum CatalogRules: ResourceFamily {
    static let products = "/v3/catalog/products"
    static let variants = "/v3/catalog/products/{}/variants"

    static func register(_ hooks: inout Hooks) {
        for (route, behaviour) in routes { hooks.replace(route, behaviour) }
        // A product's primary image (`include=primary_image`) is one image, not a list.
        for route: Route in ["GET /v3/catalog/products", "GET /v3/catalog/products/{product_id}"] {
            hooks.decorate(route) { s, r, outcome in
                guard r.query("include")?.split(separator: ",").contains("primary_image") == true,
                      case .object(var envelope)? = outcome.body else { return }
                func withImage(_ item: JSON) -> JSON {
                    guard case .object(var p) = item, let id = p["id"] else { return item }
                    let images = s.collections["\(products)/\(StoreState.key(id))/images"]?.all ?? []
                    // No image, no field: the schema has no null for it.
                    p["primary_image"] = (images.first { $0["is_thumbnail"] == .bool(true) } ?? images.first).map { .object($0) }
                    return .object(p)
                }
                switch envelope["data"] {
                case .array(let items)?: envelope["data"] = .array(items.map(withImage))
                case let item?: envelope["data"] = withImage(item)
                case nil: return
                }
                outcome.body = .object(envelope)
            }
        }
    }

    /// By route; nil from a handler: the generic behaviour follows.
    static let routes: [Route: Behaviour] = [
        "POST /v3/catalog/products": { s, r throws(APIError) in try createProduct(&s, r) },
        "PUT /v3/catalog/products/{product_id}": { s, r throws(APIError) in try updateProduct(&s, r) },
        "PUT /v3/catalog/products": { s, r throws(APIError) in try updateProducts(&s, r) },
        "POST /v3/catalog/products/{product_id}/variants": { s, r throws(APIError) in try createVariant(&s, r) },
        "PUT /v3/catalog/products/{product_id}/modifiers/{modifier_id}": { s, r throws(APIError) in
            try requireValueLabels(try s.objectBody(r))
            return nil
        },
        "POST /v3/catalog/products/{product_id}/modifiers": { s, r throws(APIError) in
            let body = try s.objectBody(r)
            try requireValueLabels(body)
            try s.checkParents(r)
            let created = s.create(body, in: r.path, template: r.collectionTemplate, stringIDs: false)
            return .ok(s.envelope(r, .object(created)), status: r.op.successStatus, applied: true)
        },
        "GET /v3/catalog/variants": { s, r in s.list(r, items: s.all(template: variants).map(\.1)) },
        "PUT /v3/catalog/variants": { s, r throws(APIError) in try updateVariants(&s, r) },
        "GET /v3/catalog/summary": { s, r in .ok(s.envelope(r, summary(s))) },
        "GET /v3/catalog/categories/tree": { s, r in .ok(s.envelope(r, tree(s))) },
    ]

    // MARK: Products

    static func validateProduct(_ body: JSONObject, creating: Bool) throws(APIError) {
        var errors: [(String, String)] = []
        let required: [(String, String)] = [("name", "string"), ("type", "string"), ("weight", "number"), ("price", "number")]
        for (field, type) in required {
            guard let v = body[field] else {
                if creating { errors.append((field, "\(field) is a required field")) }
                continue
            }
            let ok = type == "string" ? v.stringValue != nil : v.doubleValue != nil
            if !ok { errors.append((field, "\(field) must be a \(type), got \(v.typeName)")) }
        }
        if let name = body["name"]?.stringValue, name.isEmpty || name.count > 250 {
            errors.append(("name", "name must be 1 to 250 characters"))
        }
        if let type = body["type"]?.stringValue, type != "physical" && type != "digital" {
            errors.append(("type", "type must be physical or digital"))
        }
        for field in ["price", "sale_price", "cost_price", "retail_price", "weight"] {
            if let d = body[field]?.doubleValue, d < 0 { errors.append((field, "\(field) must not be negative")) }
        }
        if !errors.isEmpty { throw APIError.invalid("The request payload is invalid", errors) }
    }

    static func checkDuplicates(_ s: StoreState, _ body: JSONObject, except id: String?) throws(APIError) {
        guard let col = s.collections[products] else { return }
        if let name = body["name"]?.stringValue, col.ids("name", name).contains(where: { $0 != id }) {
            throw APIError.conflict("The product name is a duplicate", [("name", "The product name is a duplicate")])
        }
        if let sku = body["sku"]?.stringValue, !sku.isEmpty, col.ids("sku", sku).contains(where: { $0 != id }) {
            throw APIError.conflict("The product sku is a duplicate", [("sku", "The product sku is a duplicate")])
        }
    }

    static let productDefaults: [(String, JSON)] = [
        ("sku", ""), ("description", ""), ("weight", 0), ("width", 0), ("depth", 0), ("height", 0), ("price", 0),
        ("cost_price", 0), ("retail_price", 0), ("sale_price", 0), ("map_price", 0), ("tax_class_id", 0),
        ("categories", []), ("brand_id", 0), ("inventory_level", 0), ("inventory_warning_level", 0),
        ("inventory_tracking", "none"), ("is_free_shipping", false), ("is_visible", true), ("is_featured", false),
        ("related_products", [-1]), ("warranty", ""), ("bin_picking_number", ""), ("layout_file", ""), ("upc", ""),
        ("mpn", ""), ("gtin", ""), ("search_keywords", ""), ("availability", "available"), ("availability_description", ""),
        ("condition", "New"), ("is_condition_shown", false), ("order_quantity_minimum", 0), ("order_quantity_maximum", 0),
        ("page_title", ""), ("meta_keywords", []), ("meta_description", ""), ("view_count", 0), ("sort_order", 0),
        ("total_sold", 0), ("reviews_rating_sum", 0), ("reviews_count", 0),
    ]

    /// `/blue-mug-1/`, as the store makes a product's URL from its name.
    static func customURL(_ name: String) -> JSON {
        let slug = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        return ["url": .string("/\(slug)/"), "is_customized": false]
    }

    static func calculatedPrice(_ s: StoreState, _ p: JSONObject) -> Double {
        let price = p["price"]?.doubleValue ?? 0
        var calculated = price
        if let sale = p["sale_price"]?.doubleValue, sale > 0 { calculated = min(calculated, sale) }
        // A bulk rule that starts at one item applies to every purchase.
        if let id = p["id"], let rules = s.collections["\(products)/\(StoreState.key(id))/bulk-pricing-rules"]?.all {
            for rule in rules where (rule["quantity_min"]?.intValue ?? 0) <= 1 {
                let amount = rule["amount"]?.doubleValue ?? 0
                switch rule["type"]?.stringValue {
                case "percent": calculated = min(calculated, price * (1 - amount / 100))
                case "fixed": calculated = min(calculated, amount)
                case "price": calculated = min(calculated, max(price - amount, 0))
                default: break
                }
            }
        }
        // Prices near the largest double must not round to infinity (JSON has no such number).
        let rounded = (calculated * 100).rounded() / 100
        return rounded.isFinite ? rounded : calculated
    }

    static func createProduct(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        try validateProduct(body, creating: true)
        try checkDuplicates(s, body, except: nil)
        var full = JSONObject()
        for k in ["name", "type"] { full[k] = body[k] }
        for (k, v) in productDefaults { full[k] = v }
        full["custom_url"] = customURL(body["name"]?.stringValue ?? "product")
        for (k, v) in body where k != "variants" && k != "images" && k != "custom_fields" { full[k] = v }
        var created = s.create(full, in: products, template: PathShape.blank(products), stringIDs: false)
        created["calculated_price"] = .double(calculatedPrice(s, created))
        let id = StoreState.key(created["id"]!)
        for (field, sub) in [("images", "images"), ("custom_fields", "custom-fields"), ("variants", "variants")] {
            guard case .array(let items)? = body[field] else { continue }
            for case .object(let item) in items {
                var item = item
                item["product_id"] = created["id"]
                _ = s.create(item, in: "\(products)/\(id)/\(sub)", template: "/v3/catalog/products/{}/\(sub)", stringIDs: false)
            }
        }
        s.collections[products]!.insert(id, created)
        return .ok(s.envelope(r, .object(s.project(created, r))), status: r.op.successStatus, applied: true)
    }

    static func updateProduct(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        guard var product = s.collections[products]?.items[r.itemID] else {
            throw APIError.notFound("A product with id \(r.itemID) was not found")
        }
        let body = try s.objectBody(r)
        try validateProduct(body, creating: false)
        try checkDuplicates(s, body, except: r.itemID)
        for (k, v) in body where k != "id" && k != "calculated_price" { product[k] = v }
        product["calculated_price"] = .double(calculatedPrice(s, product))
        StoreState.touch(&product)
        s.collections[products]!.insert(r.itemID, product)
        return .ok(s.envelope(r, .object(product)), status: r.op.successStatus, applied: true)
    }

    static func updateProducts(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let items = try s.arrayBody(r)
        if let limit = r.op.batchLimit, items.count > limit {
            throw APIError(status: 413, title: "The batch is limited to \(limit) products; this one has \(items.count)")
        }
        var updated: [JSON] = []
        var failures = r.rejected
        for item in items {
            guard let idValue = item["id"], let id = idValue.intValue.map(String.init) else {
                failures.append(["status": 422, "title": "Each product needs an id", "errors": ["id": "id is a required field"]])
                continue
            }
            guard var product = s.collections[products]?.items[id] else {
                failures.append(.object(JSONObject([("id", idValue), ("status", 404), ("title", .string("A product with id \(id) was not found"))])))
                continue
            }
            do {
                try validateProduct(item, creating: false)
                try checkDuplicates(s, item, except: id)
            } catch {
                var failure = error.body(version: "v3").objectValue ?? JSONObject()
                failure["id"] = idValue
                failures.append(.object(failure))
                continue
            }
            for (k, v) in item where k != "id" && k != "calculated_price" { product[k] = v }
            product["calculated_price"] = .double(calculatedPrice(s, product))
            StoreState.touch(&product)
            s.collections[products]!.insert(id, product)
            updated.append(.object(product))
        }
        return s.batchOutcome(r, updated, failures)
    }

    /// Every option value needs a label (the answer's schema requires one; the request's omits it).
    static func requireValueLabels(_ body: JSONObject) throws(APIError) {
        guard case .array(let values)? = body["option_values"] else { return }
        for (i, v) in values.enumerated() where v["label"]?.stringValue == nil {
            throw APIError.invalid("The request payload is invalid", [("option_values.\(i).label", "label is a required field")])
        }
    }

    // MARK: Variants and metafields

    /// The store-wide variant batch: each item names its variant by id alone (ids are store-wide).
    static func updateVariants(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let items = try s.arrayBody(r)
        if let limit = r.op.batchLimit, items.count > limit {
            throw APIError(status: 413, title: "The batch is limited to \(limit) variants; this one has \(items.count)")
        }
        var owner: [String: String] = [:]
        for path in s.byTemplate[variants] ?? [] { for id in s.collections[path]?.order ?? [] { owner[id] = path } }
        var updated: [JSON] = [], failures = r.rejected
        for item in items {
            guard let idValue = item["id"], let id = idValue.intValue.map(String.init) else {
                failures.append(["status": 422, "title": "Each variant needs an id", "errors": ["id": "id is a required field"]])
                continue
            }
            guard let path = owner[id], var variant = s.collections[path]?.items[id] else {
                failures.append(.object(JSONObject([("id", idValue), ("status", 404), ("title", .string("A variant with id \(id) was not found"))])))
                continue
            }
            for (k, v) in item where k != "id" && k != "product_id" { variant[k] = v }
            StoreState.touch(&variant)
            s.collections[path]!.insert(id, variant)
            updated.append(.object(variant))
        }
        return s.batchOutcome(r, updated, failures)
    }

    static func createVariant(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome? {
        let body = try s.objectBody(r)
        guard let pid = r.params["product_id"], s.collections[products]?.items[pid] != nil else {
            throw APIError.notFound("A product with id \(r.params["product_id"] ?? "?") was not found")
        }
        let options = s.collections["\(products)/\(pid)/options"]?.items ?? [:]
        if case .array(let values)? = body["option_values"] {
            for case .object(let v) in values {
                let optionID = v["option_id"].map(StoreState.key) ?? ""
                let valueID = v["id"]?.intValue
                let known = options[optionID]?["option_values"]?.arrayValue?.contains { $0["id"]?.intValue == valueID } ?? false
                if !known {
                    throw APIError.invalid("The variant's option values must exist on the product", [
                        ("option_values", "option \(optionID) has no value \(valueID.map(String.init) ?? "?") on product \(pid)"),
                    ])
                }
            }
        }
        var full = body
        full["product_id"] = .int(Int64(pid) ?? 0)
        let created = s.create(full, in: r.path, template: r.collectionTemplate, stringIDs: false)
        return .ok(s.envelope(r, .object(created)), status: r.op.successStatus, applied: true)
    }

    // MARK: Computed resources

    static func summary(_ s: StoreState) -> JSON {
        let variants = s.all(template: "/v3/catalog/products/{}/variants").map(\.1)
        let all = s.collections[products]?.all ?? []
        let prices = variants.compactMap { $0["price"]?.doubleValue ?? $0["calculated_price"]?.doubleValue }
            + all.compactMap { $0["price"]?.doubleValue }
        let inventory = all.reduce(0) { $0 + ($1["inventory_level"]?.intValue ?? 0) }
        let value = all.reduce(0.0) { $0 + Double($1["inventory_level"]?.intValue ?? 0) * ($1["price"]?.doubleValue ?? 0) }
        let dates = all.compactMap { $0["date_created"]?.stringValue }.sorted()
        let category = s.collections["/v3/catalog/categories"]?.all.first
        var out = JSONObject()
        out["inventory_count"] = .int(inventory)
        out["variant_count"] = .int(Int64(variants.count))
        out["inventory_value"] = .double((value * 100).rounded() / 100)
        // The official schema types the lowest price as a decimal string and the others as numbers.
        out["highest_variant_price"] = .double(prices.max() ?? 0)
        out["lowest_variant_price"] = .string(Amount.decimal(prices.min() ?? 0))
        let average = prices.isEmpty ? 0 : prices.reduce(0, +) / Double(prices.count)
        out["average_variant_price"] = .double((average * 100).rounded() / 100)
        // Fields with nothing to say are left out: the schema has no null for them.
        out["oldest_variant_date"] = dates.first.map { .string($0) }
        out["newest_variant_date"] = dates.last.map { .string($0) }
        out["primary_category_id"] = category?["id"]
        out["primary_category_name"] = category?["name"]
        return .object(out)
    }


    static func tree(_ s: StoreState) -> JSON {
        let categories = s.collections["/v3/catalog/categories"]?.all ?? []
        func children(of parent: Int64, depth: Int) -> [JSON] {
            guard depth < 50 else { return [] }
            return categories.filter { ($0["parent_id"]?.intValue ?? 0) == parent }.map { c in
                let id = c["id"]?.intValue ?? 0
                return .object(JSONObject([
                    ("id", .int(id)), ("parent_id", .int(parent)), ("depth", .int(Int64(depth))),
                    ("path", .array([.int(id)])), ("name", c["name"] ?? ""), ("is_visible", c["is_visible"] ?? true),
                    ("children", .array(children(of: id, depth: depth + 1))),
                ]))
            }
        }
        return .array(children(of: 0, depth: 1))
    }
}
