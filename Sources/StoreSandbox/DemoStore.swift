import JSON

/// The store a sandbox starts with: deterministic for a seed, scaled by `products`.
/// A channel and its site, categories, brands, products with variants, images and custom
/// fields, a theme, widget templates, subscribers and customers, orders with their products,
/// addresses, shipments, coupons and transactions, the store's information and a price list.
enum DemoStore {
    static func make(products count: Int, seed: UInt64) -> StoreState {
        var demo = DemoBuilder(random: SeededRandom(seed: seed))
        let channel = demo.channel()
        let products = demo.catalog(products: count)
        demo.content()
        let customers = demo.customers(channel: channel)
        demo.orders(channel: channel, customers: customers, products: products)
        demo.storeInformation(channel: channel)
        demo.geography()
        demo.priceList(products: products)
        return demo.state
    }
}

/// Builds the demo store room by room; each stage returns what later stages refer to.
struct DemoBuilder {
    var state = StoreState()
    var random: SeededRandom
    static let created = "2024-01-15T10:00:00+00:00"

    init(random: SeededRandom) { self.random = random }

    /// Adds an item to the collection at `path` (an instance of `template`); returns its id.
    @discardableResult
    mutating func add(_ path: String, _ template: String, _ fields: [(String, JSON)], stringID: Bool = false) -> JSON {
        var o = JSONObject(fields)
        if o["date_created"] == nil && template.hasPrefix("/v3/catalog") { o["date_created"] = .string(Self.created) }
        if o["date_modified"] == nil && template.hasPrefix("/v3/catalog") { o["date_modified"] = .string(Self.created) }
        let id: JSON = stringID ? .string(state.uuid()) : .int(state.takeID(path: path, template: template))
        return state.withCollection(path, template: template) { col -> JSON in
            var item = JSONObject([("id", id)])
            for (k, v) in o { item[k] = v }
            col.insert(StoreState.key(id), item)
            return id
        }
    }

    /// The countries the store ships to (BigCommerce's ids), with their states.
    mutating func geography() {
        let countries: [(Int64, String, String, String, [(String, String)])] = [
            (13, "Australia", "AU", "AUS", [("New South Wales", "NSW"), ("Victoria", "VIC")]),
            (38, "Canada", "CA", "CAN", [("Ontario", "ON"), ("Quebec", "QC")]),
            (225, "United Kingdom", "GB", "GBR", [("England", "ENG"), ("Scotland", "SCT")]),
            (226, "United States", "US", "USA", [("California", "CA"), ("New York", "NY"), ("Virginia", "VA")]),
        ]
        var stateID: Int64 = 1
        for (id, name, iso2, iso3, states) in countries {
            let path = "/v2/countries/\(id)/states"
            state.withCollection("/v2/countries", template: "/v2/countries") { col in
                col.insert(String(id), JSONObject([("id", .int(id)), ("country", .string(name)), ("country_iso2", .string(iso2)),
                                                   ("country_iso3", .string(iso3)),
                                                   ("states", ["url": .string("https://api.bigcommerce.com/stores/sandbox\(path)"), "resource": .string(path)])]))
                col.nextID = 250
            }
            state.withCollection(path, template: "/v2/countries/{}/states") { col in
                for (stateName, abbreviation) in states {
                    col.insert(String(stateID), JSONObject([("id", .int(stateID)), ("state", .string(stateName)),
                                                            ("state_abbreviation", .string(abbreviation)), ("country_id", .int(id))]))
                    stateID += 1
                }
                col.nextID = stateID
            }
        }
    }

    /// Channel 1 and its site.
    mutating func channel() -> JSON {
        let channel = add("/v3/channels", "/v3/channels", [
            ("name", "Sandbox Storefront"), ("type", "storefront"), ("platform", "bigcommerce"), ("status", "active"),
            ("is_listable_from_ui", true), ("is_visible", true),
        ])
        // Its category tree (a store starts with one for its storefront).
        add("/v3/catalog/trees", "/v3/catalog/trees", [("name", "Sandbox Storefront"), ("channels", [channel])])
        add("/v3/sites", "/v3/sites", [
            ("url", "https://sandbox.example.com"), ("channel_id", channel), ("is_checkout_url_customized", false),
            ("ssl_status", "dedicated"), ("urls", [["url": "https://sandbox.example.com", "type": "primary"]]),
        ])
        return channel
    }

    /// Categories, brands, and `count` products (sub-resources for the first thousand);
    /// returns the first few products, for orders and price lists.
    mutating func catalog(products count: Int) -> [(id: JSON, name: String, sku: String, price: Double)] {
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

        var first: [(id: JSON, name: String, sku: String, price: Double)] = []
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
            if first.count < 5 { first.append((pid, name, "SKU-\(n)", price)) }
            let base = "/v3/catalog/products/\(StoreState.key(pid))"
            guard n <= 1000 else { continue } // sub-resources for the first thousand keep 100,000 cheap
            add(base + "/images", "/v3/catalog/products/{}/images", [
                ("product_id", pid), ("is_thumbnail", true), ("sort_order", 0), ("description", .string(name)),
                ("image_file", .string("sandbox/\(n).jpg")), ("url_standard", .string("https://cdn.example.com/\(n)/standard.jpg")),
            ])
            add(base + "/custom-fields", "/v3/catalog/products/{}/custom-fields", [("name", "Material"), ("value", n % 2 == 0 ? "Cotton" : "Steel")])
            if n % 3 == 0 {
                let option = add(base + "/options", "/v3/catalog/products/{}/options", [
                    ("product_id", pid), ("display_name", "Size"), ("type", "dropdown"), ("sort_order", 0),
                    ("option_values", [["id": 1, "label": "Small", "sort_order": 0], ["id": 2, "label": "Large", "sort_order": 1]]),
                ])
                for (valueID, label) in [(1, "S"), (2, "L")] {
                    add(base + "/variants", "/v3/catalog/products/{}/variants", [
                        ("product_id", pid), ("sku", .string("SKU-\(n)-\(label)")), ("price", .double(price)),
                        ("inventory_level", .int(Int64(random.next() % 50))),
                        ("option_values", [["id": .int(Int64(valueID)), "option_id": option, "label": .string(label)]]),
                    ])
                }
            }
        }

        return first
    }

    /// A theme (Cornerstone, its Light variation active) and widget templates.
    mutating func content() {
        var variations: [JSON] = []
        for (name, external) in [("Light", "light"), ("Bold", "bold"), ("Warm", "warm")] {
            variations.append(.object(JSONObject([("uuid", .string(state.uuid())), ("name", .string(name)), ("external_id", .string(external)),
                                                  ("description", .string("Cornerstone \(name)"))])))
        }
        let theme = ThemeRules.addTheme(&state, name: "Cornerstone", variations: variations, isPrivate: false)
        ThemeRules.activate(&state, theme: theme, variation: variations[0]["uuid"] ?? .null, on: ThemeRules.defaultChannel)
        for (name, kind) in [("Banner", "custom"), ("Product carousel", "custom")] {
            add("/v3/content/widget-templates", "/v3/content/widget-templates", [
                ("name", .string(name)), ("kind", .string(kind)), ("template", "<div>{{text}}</div>"), ("schema", []),
            ], stringID: true)
        }
    }
}

extension String {
    /// First letter upper-cased (no Foundation).
    var capitalized: String { prefix(1).uppercased() + dropFirst() }
}
