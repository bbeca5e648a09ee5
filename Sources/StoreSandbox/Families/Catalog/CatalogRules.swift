import JSON
import StoreAPI

/// Where the catalog behaves like the real one rather than like any collection: products
/// (required fields, defaults, calculated_price, the batch of 10, a base variant for every
/// simple product that mirrors it), variants (option values must exist; the store-wide batch
/// updates and creates), the summary and the category trees.
enum CatalogRules: ResourceFamily {
    static func register(_ hooks: inout Hooks) {
        for (route, behaviour) in routes { hooks.replace(route, behaviour) }
        // A product's primary image (`include=primary_image`) is one image, not a list.
        for route: Route in ["GET /v3/catalog/products", "GET /v3/catalog/products/{product_id}"] {
            hooks.decorate(route) { s, r, outcome throws(APIError) in
                guard r.query("include")?.split(separator: ",").contains("primary_image") == true,
                      case .object(var envelope)? = outcome.body else { return }
                func withImage(_ item: JSON) throws(APIError) -> JSON {
                    guard case .object(var p) = item, let id = p["id"] else { return item }
                    let images = try s.rows(image, parent: id)
                    // No image, no field: the schema has no null for it.
                    p["primary_image"] = (images.first { $0["is_thumbnail"] == .bool(true) } ?? images.first).map { .object($0) }
                    return .object(p)
                }
                switch envelope["data"] {
                case .array(let items)?: envelope["data"] = .array(try items.map { item throws(APIError) in try withImage(item) })
                case let item?: envelope["data"] = try withImage(item)
                case nil: return
                }
                outcome.body = .object(envelope)
            }
        }
        // A variant's field written null inherits its product's (a price, a UPC, a bin number).
        hooks.validate("PUT /v3/catalog/products/{product_id}/variants/{variant_id}") { s, r throws(APIError) in
            r.body = try inheriting(s, r.body, product: .string(r.params["product_id"] ?? ""))
        }
        hooks.validate("POST /v3/catalog/products/{product_id}/variants") { s, r throws(APIError) in
            r.body = try inheriting(s, r.body, product: .string(r.params["product_id"] ?? ""))
        }
        hooks.validate("PUT /v3/catalog/variants") { s, r throws(APIError) in
            guard case .array(let items)? = r.body else { return }
            var out: [JSON] = []
            for item in items {
                var owner = item["product_id"]
                if owner == nil, let id = item["id"] { owner = try s.row(variant, id)?["product_id"] }
                if let owner { out.append(try inheriting(s, item, product: owner) ?? item) } else { out.append(item) }
            }
            r.body = .array(out)
        }
        // A base variant changed through its own route changes its product.
        hooks.decorate("PUT /v3/catalog/products/{product_id}/variants/{variant_id}") { s, r, outcome throws(APIError) in
            if outcome.applied, let variant = try s.row(variant, .string(r.itemID)) { try mirrorOnProduct(&s, variant) }
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
            try requireValueLabels(try s.objectBody(r))
            return nil
        },
        "PUT /v3/catalog/variants": { s, r throws(APIError) in try updateVariants(&s, r) },
        "GET /v3/catalog/summary": { s, r throws(APIError) in .ok(s.envelope(r, try summary(s))) },
        "GET /v3/catalog/categories/tree": { s, r throws(APIError) in .ok(s.envelope(r, try categoryTree(s, defaultTree))) },
        "GET /v3/catalog/trees/{tree_id}/categories": { s, r throws(APIError) in
            let id = JSON.string(r.params["tree_id"] ?? "")
            guard try s.exists(tree, id) else { throw APIError.notFound("Category tree \(StoreState.key(id)) was not found") }
            return .ok(s.envelope(r, try categoryTree(s, id)))
        },
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

    static func calculatedPrice(_ s: StoreState, _ p: JSONObject) throws(APIError) -> Double {
        let price = p["price"]?.doubleValue ?? 0
        var calculated = price
        if let sale = p["sale_price"]?.doubleValue, sale > 0 { calculated = min(calculated, sale) }
        // A bulk rule that starts at one item applies to every purchase.
        if let id = p["id"] {
            for rule in try s.rows(bulkPricingRule, parent: id) where (rule["quantity_min"]?.intValue ?? 0) <= 1 {
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

    /// A new product (the demo store's too): defaults, its URL, its calculated price, its base
    /// variant (or the variants given), images and custom fields.
    static func addProduct(_ s: inout StoreState, _ body: JSONObject) throws(APIError) -> JSONObject {
        var full = JSONObject()
        for k in ["name", "type"] { full[k] = body[k] }
        for (k, v) in productDefaults { full[k] = v }
        full["custom_url"] = customURL(body["name"]?.stringValue ?? "product")
        for (k, v) in body where !["variants", "images", "custom_fields", "id", "base_variant_id", "calculated_price"].contains(k) { full[k] = v }
        if full["date_created"] == nil { s.touch(&full, created: true, s.entity(product)) }
        full["calculated_price"] = .double(try calculatedPrice(s, full))
        let given = body["variants"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let simple = !given.contains { !($0["option_values"]?.arrayValue ?? []).isEmpty }
        // A simple product's base variant is made right after it: its id is known now.
        if simple { full["base_variant_id"] = .int(try s.nextID(variant)) }
        let created = try s.insert(product, full)
        let id = created["id"]!
        for (field, sub) in [("images", "images"), ("custom_fields", "custom-fields")] {
            guard case .array(let items)? = body[field], let view = s.catalog.view(template: "/v3/catalog/products/{}/\(sub)") else { continue }
            for case .object(let item) in items { try s.insert(view.entity, item, parent: id) }
        }
        if simple {
            var base = given.first ?? JSONObject()
            for field in mirrored where base[field] == nil { base[field] = created[field] }
            base["option_values"] = .array([])
            try addVariant(&s, base, to: id, id: created["base_variant_id"])
        } else {
            for v in given { try addVariant(&s, v, to: id) }
        }
        return created
    }

    static func createProduct(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        try validateProduct(body, creating: true)
        let created = try addProduct(&s, body)
        return .ok(s.envelope(r, .object(try s.project(created, r))), status: r.op.successStatus, applied: true)
    }

    /// The product with `changes` written over it, its base variant following.
    static func changeProduct(_ s: inout StoreState, _ current: JSONObject, _ changes: JSONObject) throws(APIError) -> JSONObject {
        var product = current
        for (k, v) in changes where !["id", "calculated_price", "base_variant_id", "variants", "images", "custom_fields"].contains(k) { product[k] = v }
        product["calculated_price"] = .double(try calculatedPrice(s, product))
        s.touch(&product, s.entity(CatalogRules.product))
        product = try s.update(CatalogRules.product, product)
        try mirrorOnBaseVariant(&s, product)
        return product
    }

    static func updateProduct(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        guard let current = try s.row(product, .string(r.itemID)) else {
            throw APIError.notFound("A product with id \(r.itemID) was not found")
        }
        let body = try s.objectBody(r)
        try validateProduct(body, creating: false)
        let updated = try changeProduct(&s, current, body)
        return .ok(s.envelope(r, .object(updated)), status: r.op.successStatus, applied: true)
    }

    static func updateProducts(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        try s.eachItem(r, try s.arrayBody(r)) { s, item throws(APIError) in
            guard let idValue = item["id"], idValue.intValue != nil else {
                throw APIError.invalid("Each product needs an id", [("id", "id is a required field")])
            }
            guard let current = try s.row(product, idValue) else { throw APIError.notFound("A product with id \(StoreState.key(idValue)) was not found") }
            try validateProduct(item, creating: false)
            return try changeProduct(&s, current, item)
        }
    }

    /// Every option value needs a label (the answer's schema requires one; the request's omits it).
    static func requireValueLabels(_ body: JSONObject) throws(APIError) {
        guard case .array(let values)? = body["option_values"] else { return }
        for (i, v) in values.enumerated() where v["label"]?.stringValue == nil {
            throw APIError.invalid("The request payload is invalid", [("option_values.\(i).label", "label is a required field")])
        }
    }

    // MARK: Variants

    /// The fields a simple product and its base variant share: a change to one is a change to both.
    static let mirrored = ["sku", "price", "cost_price", "sale_price", "retail_price", "map_price", "weight", "width", "height", "depth",
                           "is_free_shipping", "inventory_level", "inventory_warning_level", "upc", "mpn", "gtin", "bin_picking_number"]

    /// The body with each field written null given the product's value (the variant inherits
    /// it), or left out where the product has none (the variant keeps its own).
    static func inheriting(_ s: StoreState, _ body: JSON?, product pid: JSON) throws(APIError) -> JSON? {
        guard case .object(var o)? = body, o.contains(where: { $0.value == .null }) else { return body }
        let owner = try s.row(product, pid)
        for (field, value) in o where value == .null { o[field] = owner?[field].flatMap { $0 == .null ? nil : $0 } }
        return .object(o)
    }

    static func mirrorOnBaseVariant(_ s: inout StoreState, _ product: JSONObject) throws(APIError) {
        guard let id = product["base_variant_id"], var base = try s.row(variant, id) else { return }
        for field in mirrored { base[field] = product[field] }
        base["calculated_price"] = product["calculated_price"]
        try s.update(variant, base)
    }

    /// A simple product follows its base variant; a complex one's stock is its variants' together.
    static func mirrorOnProduct(_ s: inout StoreState, _ variant: JSONObject) throws(APIError) {
        guard let pid = variant["product_id"], var owner = try s.row(product, pid) else { return }
        if owner["base_variant_id"] == variant["id"] {
            for field in mirrored where variant[field] != nil && variant[field] != .null { owner[field] = variant[field] }
            owner["calculated_price"] = .double(try calculatedPrice(s, owner))
        } else if owner["base_variant_id"] == nil {
            owner["inventory_level"] = .int(try s.rows(Self.variant, parent: pid).reduce(0) { $0 + ($1["inventory_level"]?.intValue ?? 0) })
        } else {
            return
        }
        try s.update(product, owner)
    }

    /// A variant of the product: its option values must be values of the product's options.
    @discardableResult
    static func addVariant(_ s: inout StoreState, _ body: JSONObject, to pid: JSON, id: JSON? = nil) throws(APIError) -> JSONObject {
        let options = try s.rows(option, parent: pid)
        for case .object(let v) in body["option_values"]?.arrayValue ?? [] {
            let optionID = v["option_id"].map(StoreState.key) ?? ""
            let valueID = v["id"]?.intValue
            let known = options.first { StoreState.key($0["id"] ?? .null) == optionID }?["option_values"]?.arrayValue?
                .contains { $0["id"]?.intValue == valueID } ?? false
            if !known {
                throw APIError.invalid("The variant's option values must exist on the product", [
                    ("option_values", "option \(optionID) has no value \(valueID.map(String.init) ?? "?") on product \(StoreState.key(pid))"),
                ])
            }
        }
        var full = body
        full["id"] = nil
        if full["calculated_price"] == nil, let price = full["sale_price"]?.doubleValue.flatMap({ $0 > 0 ? $0 : nil }) ?? full["price"]?.doubleValue {
            full["calculated_price"] = .double(price)
        }
        return try s.insert(variant, full, parent: pid, id: id)
    }

    static func createVariant(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome? {
        let body = try s.objectBody(r)
        let pid = JSON.string(r.params["product_id"] ?? "")
        guard let owner = try s.row(product, pid) else {
            throw APIError.notFound("A product with id \(r.params["product_id"] ?? "?") was not found")
        }
        let created = try addVariant(&s, body, to: owner["id"]!)
        if !(body["option_values"]?.arrayValue ?? []).isEmpty { try makeComplex(&s, owner["id"]!) }
        return .ok(s.envelope(r, .object(created)), status: r.op.successStatus, applied: true)
    }

    /// A variant with options makes the product complex: it no longer has a base variant.
    static func makeComplex(_ s: inout StoreState, _ pid: JSON) throws(APIError) {
        guard var owner = try s.row(product, pid), let base = owner["base_variant_id"] else { return }
        try s.delete(variant, base)
        owner["base_variant_id"] = nil
        try s.update(product, owner)
    }

    /// The store-wide variant batch: an item with an `id` updates that variant (ids are
    /// store-wide); one with `product_id`, `sku` and `option_values` makes a new one
    /// (product-variants_catalog.v3.yml, `PUT /catalog/variants`).
    static func updateVariants(_ s: inout StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        try s.eachItem(r, try s.arrayBody(r)) { s, item throws(APIError) in
            guard let id = item["id"], !Reference.namesNothing(id) else {
                guard let pid = item["product_id"], item["sku"] != nil, item["option_values"] != nil else {
                    throw APIError.invalid("Each variant needs an id, or a product_id, sku and option_values to make one",
                                           [("id", "id is a required field")])
                }
                guard try s.exists(product, pid) else { throw APIError.notFound("A product with id \(StoreState.key(pid)) was not found") }
                return try addVariant(&s, item, to: pid)
            }
            guard var current = try s.row(variant, id) else { throw APIError.notFound("A variant with id \(StoreState.key(id)) was not found") }
            for (k, v) in item where k != "id" && k != "product_id" { current[k] = v }
            s.touch(&current, s.entity(variant))
            let updated = try s.update(variant, current)
            try mirrorOnProduct(&s, updated)
            return updated
        }
    }

    // MARK: Computed resources

    static func summary(_ s: StoreState) throws(APIError) -> JSON {
        let variants = try s.rows(variant)
        let all = try s.rows(product)
        let prices = variants.compactMap { $0["price"]?.doubleValue ?? $0["calculated_price"]?.doubleValue }
        let inventory = variants.reduce(0) { $0 + ($1["inventory_level"]?.intValue ?? 0) }
        let value = variants.reduce(0.0) { $0 + Double($1["inventory_level"]?.intValue ?? 0) * ($1["price"]?.doubleValue ?? 0) }
        let dates = all.compactMap { $0["date_created"]?.stringValue }.sorted()
        let category = try s.rows(category, parent: defaultTree).first
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

    /// A tree's categories as nested nodes (`CategoryNode`), each with its path from the root.
    static func categoryTree(_ s: StoreState, _ treeID: JSON) throws(APIError) -> JSON {
        let categories = try s.rows(category, parent: treeID)
        func children(of parent: Int64, path: [JSON], depth: Int) -> [JSON] {
            guard depth < 50 else { return [] }
            return categories.filter { ($0["parent_id"]?.intValue ?? 0) == parent }.map { c in
                let id = c["id"]?.intValue ?? 0
                let here = path + [.int(id)]
                var node = JSONObject([
                    ("id", .int(id)), ("parent_id", .int(parent)), ("depth", .int(Int64(depth))),
                    ("path", .array(here)), ("name", c["name"] ?? ""), ("is_visible", c["is_visible"] ?? true),
                ])
                if let url = c["custom_url"]?["url"] { node["url"] = url }
                node["children"] = .array(children(of: id, path: here, depth: depth + 1))
                return .object(node)
            }
        }
        return .array(children(of: 0, path: [], depth: 1))
    }
}
