import JSON

/// The store a sandbox starts with: deterministic for a seed, scaled by `products`.
/// A channel and its site, categories, brands, products with variants, images and custom
/// fields, a theme, widget templates, subscribers, an order with transactions.
enum DemoStore {
    static func make(products count: Int, seed: UInt64) -> StoreState {
        var s = StoreState()
        var random = SeededRandom(seed: seed)
        let created = "2024-01-15T10:00:00+00:00"

        func add(_ path: String, _ template: String, _ fields: [(String, JSON)], stringID: Bool = false) -> JSON {
            var o = JSONObject(fields)
            if o["date_created"] == nil && template.hasPrefix("/v3/catalog") { o["date_created"] = .string(created) }
            if o["date_modified"] == nil && template.hasPrefix("/v3/catalog") { o["date_modified"] = .string(created) }
            let uuid: String? = stringID ? s.uuid() : nil
            return s.withCollection(path, template: template) { col -> JSON in
                let id: JSON = uuid.map { .string($0) } ?? .int(col.nextID)
                if uuid == nil { col.nextID += 1 }
                var item = JSONObject([("id", id)])
                for (k, v) in o { item[k] = v }
                col.insert(StoreState.key(id), item)
                return id
            }
        }

        // Channel 1 and its site.
        let channel = add("/v3/channels", "/v3/channels", [
            ("name", "Sandbox Storefront"), ("type", "storefront"), ("platform", "bigcommerce"), ("status", "active"),
            ("is_listable_from_ui", true), ("is_visible", true),
        ])
        _ = add("/v3/sites", "/v3/sites", [
            ("url", "https://sandbox.example.com"), ("channel_id", channel), ("is_checkout_url_customized", false),
            ("ssl_status", "dedicated"), ("urls", [["url": "https://sandbox.example.com", "type": "primary"]]),
        ])

        let categoryNames = ["Apparel", "Kitchen", "Garden", "Books", "Outdoor", "Office"]
        var categories: [JSON] = []
        for (i, name) in categoryNames.enumerated() {
            categories.append(add("/v3/catalog/categories", "/v3/catalog/categories", [
                ("parent_id", i < 4 ? 0 : categories[0]), ("name", .string(name)), ("description", ""), ("sort_order", .int(Int64(i))),
                ("is_visible", true), ("custom_url", ["url": .string("/\(name.lowercased())/"), "is_customized": false]),
            ]))
        }
        var brands: [JSON] = []
        for name in ["Common Good", "Sagaform", "OFS"] {
            brands.append(add("/v3/catalog/brands", "/v3/catalog/brands", [("name", .string(name)), ("page_title", .string(name))]))
        }

        let nouns = ["Tee", "Mug", "Planter", "Journal", "Lantern", "Notebook", "Apron", "Bowl", "Trowel", "Bottle"]
        let adjectives = ["Blue", "Sturdy", "Classic", "Tiny", "Bright", "Quiet", "Rustic", "Smooth"]
        for n in 1...max(count, 0) {
            let name = "\(adjectives[n % adjectives.count]) \(nouns[n % nouns.count]) \(n)"
            let price = Double(500 + Int(random.next() % 9500)) / 100
            let sale = n % 5 == 0 ? (price * 0.8 * 100).rounded() / 100 : 0
            var fields: [(String, JSON)] = [("name", .string(name)), ("type", n % 10 == 0 ? "digital" : "physical")]
            for (k, v) in CatalogRules.productDefaults { fields.append((k, v)) }
            fields += [
                ("custom_url", CatalogRules.customURL(name)), ("sku", .string("SKU-\(n)")),
                ("description", .string("<p>\(name), made for the sandbox.</p>")), ("weight", .double(Double(n % 7) + 0.5)),
                ("price", .double(price)), ("sale_price", .double(sale)), ("calculated_price", .double(sale > 0 ? sale : price)),
                ("categories", .array([categories[n % categories.count]])), ("brand_id", brands[n % brands.count]),
                ("inventory_level", .int(Int64(random.next() % 200))), ("is_visible", .bool(n % 9 != 0)),
                ("is_featured", .bool(n % 11 == 0)),
            ]
            let pid = add("/v3/catalog/products", "/v3/catalog/products", fields)
            let base = "/v3/catalog/products/\(StoreState.key(pid))"
            guard n <= 1000 else { continue } // sub-resources for the first thousand keep 100,000 cheap
            _ = add(base + "/images", "/v3/catalog/products/{}/images", [
                ("product_id", pid), ("is_thumbnail", true), ("sort_order", 0), ("description", .string(name)),
                ("image_file", .string("sandbox/\(n).jpg")), ("url_standard", .string("https://cdn.example.com/\(n)/standard.jpg")),
            ])
            _ = add(base + "/custom-fields", "/v3/catalog/products/{}/custom-fields", [("name", "Material"), ("value", n % 2 == 0 ? "Cotton" : "Steel")])
            if n % 3 == 0 {
                let option = add(base + "/options", "/v3/catalog/products/{}/options", [
                    ("product_id", pid), ("display_name", "Size"), ("type", "dropdown"), ("sort_order", 0),
                    ("option_values", [["id": 1, "label": "Small", "sort_order": 0], ["id": 2, "label": "Large", "sort_order": 1]]),
                ])
                for (valueID, label) in [(1, "S"), (2, "L")] {
                    _ = add(base + "/variants", "/v3/catalog/products/{}/variants", [
                        ("product_id", pid), ("sku", .string("SKU-\(n)-\(label)")), ("price", .double(price)),
                        ("inventory_level", .int(Int64(random.next() % 50))),
                        ("option_values", [["id": .int(Int64(valueID)), "option_id": option, "label": .string(label)]]),
                    ])
                }
            }
        }

        _ = add("/v3/themes", "/v3/themes", [("name", "Cornerstone"), ("is_private", false), ("is_active", true)], stringID: true)
        for (name, kind) in [("Banner", "custom"), ("Product carousel", "custom")] {
            _ = add("/v3/content/widget-templates", "/v3/content/widget-templates", [
                ("name", .string(name)), ("kind", .string(kind)), ("template", "<div>{{text}}</div>"), ("schema", []),
            ], stringID: true)
        }
        for (i, email) in ["ada@example.com", "grace@example.com", "alan@example.com"].enumerated() {
            _ = add("/v3/customers/subscribers", "/v3/customers/subscribers", [
                ("email", .string(email)), ("first_name", .string(String(email.prefix { $0 != "@" }).capitalized)),
                ("last_name", "Sandbox"), ("source", "storefront"), ("order_id", i == 0 ? 100 : .null), ("channel_id", channel),
            ])
        }
        _ = add("/v3/orders/100/transactions", "/v3/orders/{}/transactions", [
            ("event", "purchase"), ("method", "credit_card"), ("amount", 42.5), ("currency", "USD"), ("gateway", "sandbox"),
            ("status", "ok"), ("test", true), ("order_id", "100"),
        ])
        return s
    }
}

extension String {
    /// First letter upper-cased (no Foundation).
    var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
