import JSON

/// The store a sandbox starts with: deterministic for a seed, scaled by `products`.
/// A channel and its site, categories, brands, products with variants, images and custom
/// fields, a theme, widget templates, subscribers and customers, orders with their products,
/// addresses, shipments, coupons and transactions, the store's information, its currency and
/// a price list. Written in one transaction, outside the change log.
enum DemoStore {
    static func make(products count: Int, seed: UInt64, into database: StoreDatabase = .inMemory()) -> StoreState {
        var state = StoreState(database: database)
        state.logsChanges = false
        do {
            try state.transaction { s throws(APIError) in
                var demo = DemoBuilder(state: s, random: SeededRandom(seed: seed))
                let channel = try demo.channel()
                try InventoryRules.seed(&demo.state)
                let products = try demo.catalog(products: count)
                try demo.content()
                let customers = try demo.customers(channel: channel)
                try demo.orders(channel: channel, customers: customers, products: products)
                try demo.storeInformation(channel: channel)
                try demo.geography()
                try demo.priceList(products: products)
                s = demo.state
                try s.sql { db in try StoreDatabase.markSeeded(db) }
            }
        } catch {
            // The demo store is the same every time: a failure here is a bug in it.
            fatalError("the sandbox's demo store could not be made: \(error.status) \(error.title) \(error.errors)")
        }
        state.logsChanges = true
        return state
    }
}

/// Builds the demo store room by room; each stage returns what later stages refer to.
struct DemoBuilder {
    var state: StoreState
    var random: SeededRandom
    static let created = "2024-01-15T10:00:00+00:00"

    /// Adds a row of `entity` (under `parent`); returns its id. Catalog rows are dated like the rest of the demo.
    @discardableResult
    mutating func add(_ entity: EntityName, parent: JSON? = nil, _ fields: [(String, JSON)], id: JSON? = nil) throws(APIError) -> JSON {
        var o = JSONObject(fields)
        if o["date_created"] == nil && state.entity(entity).dates == .rfc3339 { o["date_created"] = .string(Self.created) }
        if o["date_modified"] == nil && state.entity(entity).dates == .rfc3339 { o["date_modified"] = .string(Self.created) }
        return try state.insert(entity, o, parent: parent, id: id)["id"] ?? .null
    }

    /// A row of the collection a route template shows (for resources no family declares).
    @discardableResult
    mutating func add(template: String, parent: JSON? = nil, _ fields: [(String, JSON)], id: JSON? = nil) throws(APIError) -> JSON {
        guard let view = state.catalog.view(template: template) else { throw APIError(status: 500, title: "no view for \(template)") }
        return try add(view.entity, parent: parent, fields, id: id)
    }

    /// The countries the store ships to (BigCommerce's ids), with their states.
    mutating func geography() throws(APIError) {
        let countries: [(Int64, String, String, String, [(String, String)])] = [
            (13, "Australia", "AU", "AUS", [("New South Wales", "NSW"), ("Victoria", "VIC")]),
            (38, "Canada", "CA", "CAN", [("Ontario", "ON"), ("Quebec", "QC")]),
            (225, "United Kingdom", "GB", "GBR", [("England", "ENG"), ("Scotland", "SCT")]),
            (226, "United States", "US", "USA", [("California", "CA"), ("New York", "NY"), ("Virginia", "VA")]),
        ]
        var stateID: Int64 = 1
        for (id, name, iso2, iso3, states) in countries {
            let path = "/v2/countries/\(id)/states"
            try add(template: "/v2/countries", [("country", .string(name)), ("country_iso2", .string(iso2)), ("country_iso3", .string(iso3)),
                                                 ("states", ["url": .string("https://api.bigcommerce.com/stores/sandbox\(path)"), "resource": .string(path)])],
                    id: .int(id))
            for (stateName, abbreviation) in states {
                try add(template: "/v2/countries/{}/states", parent: .int(id), [("state", .string(stateName)), ("state_abbreviation", .string(abbreviation)),
                                                                                ("country_id", .int(id))], id: .int(stateID))
                stateID += 1
            }
        }
    }

    /// Channel 1 and its site.
    mutating func channel() throws(APIError) -> JSON {
        let channel = try add(ChannelRules.channel, [
            ("name", "Sandbox Storefront"), ("type", "storefront"), ("platform", "bigcommerce"), ("status", "active"),
            ("is_listable_from_ui", true), ("is_visible", true),
        ])
        // Its category tree (a store starts with one for its storefront).
        try add(CatalogRules.tree, [("name", "Sandbox Storefront"), ("channels", [channel])])
        try add(SiteRules.site, [
            ("url", "https://sandbox.example.com"), ("channel_id", channel), ("is_checkout_url_customized", false),
            ("ssl_status", "dedicated"), ("urls", [["url": "https://sandbox.example.com", "type": "primary"]]),
        ])
        return channel
    }

    typealias DemoProduct = (id: JSON, variant: JSON, name: String, sku: String, price: Double)

    /// Categories, brands, and `count` products (sub-resources for the first thousand);
    /// returns the first few simple products, for orders and price lists.
    mutating func catalog(products count: Int) throws(APIError) -> [DemoProduct] {
        let categoryNames = ["Apparel", "Kitchen", "Garden", "Books", "Outdoor", "Office"]
        var categories: [JSON] = []
        for (i, name) in categoryNames.enumerated() {
            categories.append(try add(CatalogRules.category, parent: CatalogRules.defaultTree, [
                ("parent_id", i < 4 ? 0 : categories[0]), ("name", .string(name)), ("description", ""), ("sort_order", .int(Int64(i))),
                ("is_visible", true), ("custom_url", ["url": .string("/\(name.lowercased())/"), "is_customized": false]),
            ]))
        }
        var brands: [JSON] = []
        for name in ["Common Good", "Sagaform", "OFS"] {
            brands.append(try add(CatalogRules.brand, [("name", .string(name)), ("page_title", .string(name))]))
        }

        var first: [DemoProduct] = []
        let nouns = ["Tee", "Mug", "Planter", "Journal", "Lantern", "Notebook", "Apron", "Bowl", "Trowel", "Bottle"]
        let adjectives = ["Blue", "Sturdy", "Classic", "Tiny", "Bright", "Quiet", "Rustic", "Smooth"]
        for n in 1...max(count, 0) {
            let name = "\(adjectives[n % adjectives.count]) \(nouns[n % nouns.count]) \(n)"
            let price = Double(500 + Int(random.next() % 9500)) / 100
            let sale = n % 5 == 0 ? (price * 0.8 * 100).rounded() / 100 : 0
            let product = try CatalogRules.addProduct(&state, JSONObject([
                ("name", .string(name)), ("type", n % 10 == 0 ? "digital" : "physical"), ("sku", .string("SKU-\(n)")),
                ("description", .string("<p>\(name), made for the sandbox.</p>")), ("weight", .double(Double(n % 7) + 0.5)),
                ("price", .double(price)), ("sale_price", sale > 0 ? .double(sale) : 0),
                ("categories", .array([categories[n % categories.count]])), ("brand_id", brands[n % brands.count]),
                ("inventory_level", .int(Int64(random.next() % 200))), ("is_visible", .bool(n % 9 != 0)),
                ("is_featured", .bool(n % 11 == 0)), ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
                ("inventory_tracking", n % 3 == 0 ? "variant" : "product"),
            ]))
            let pid = product["id"]!
            if first.count < 5, n % 3 != 0, let variant = product["base_variant_id"] { first.append((pid, variant, name, "SKU-\(n)", price)) }
            guard n <= 1000 else { continue } // sub-resources for the first thousand keep 100,000 cheap
            try add(CatalogRules.image, parent: pid, [
                ("is_thumbnail", true), ("sort_order", 0), ("description", .string(name)),
                ("image_file", .string("sandbox/\(n).jpg")), ("url_standard", .string("https://cdn.example.com/\(n)/standard.jpg")),
            ])
            try add(template: "/v3/catalog/products/{}/custom-fields", parent: pid, [("name", "Material"), ("value", n % 2 == 0 ? "Cotton" : "Steel")])
            if n % 3 == 0 {
                // Sizes: the product becomes complex, its variants each a size.
                let option = try add(CatalogRules.option, parent: pid, [
                    ("display_name", "Size"), ("type", "dropdown"), ("sort_order", 0),
                    ("option_values", [["id": 1, "label": "Small", "sort_order": 0], ["id": 2, "label": "Large", "sort_order": 1]]),
                ])
                for (valueID, label) in [(1, "S"), (2, "L")] {
                    try CatalogRules.addVariant(&state, JSONObject([
                        ("sku", .string("SKU-\(n)-\(label)")), ("price", .double(price)), ("inventory_level", .int(Int64(random.next() % 50))),
                        ("option_values", [["id": .int(Int64(valueID)), "option_id": option, "label": .string(label)]]),
                    ]), to: pid)
                }
                try CatalogRules.makeComplex(&state, pid)
            }
        }
        return first
    }

    /// A theme (Cornerstone, its Light variation active) and widget templates.
    mutating func content() throws(APIError) {
        var variations: [JSON] = []
        for (name, external) in [("Light", "light"), ("Bold", "bold"), ("Warm", "warm")] {
            variations.append(.object(JSONObject([("uuid", .string(try state.uuid())), ("name", .string(name)), ("external_id", .string(external)),
                                                  ("description", .string("Cornerstone \(name)"))])))
        }
        let theme = try ThemeRules.addTheme(&state, name: "Cornerstone", variations: variations, isPrivate: false)
        try ThemeRules.activate(&state, theme: theme, variation: variations[0]["uuid"] ?? .null, on: ChannelRules.defaultChannel)
        for (name, kind) in [("Banner", "custom"), ("Product carousel", "custom")] {
            let id = try add(WidgetRules.template, [
                ("name", .string(name)), ("kind", .string(kind)), ("template", "<div>{{text}}</div>"), ("schema", []),
            ])
            var row = try state.row(WidgetRules.template, id)!
            row["uuid"] = id
            try state.update(WidgetRules.template, row)
        }
    }
}
