import JSON

/// The demo store's people and what they bought: customers (v3, with addresses and
/// attributes) and their subscriptions, orders (v2, with products, shipping addresses,
/// shipments, coupons; v3 transactions), the store's information and a price list.
extension DemoBuilder {
    typealias Person = (id: JSON, first: String, last: String, email: String)

    mutating func customers(channel: JSON) throws(APIError) -> [Person] {
        // The groups every store has: retail (the default) and wholesale.
        try add(CustomerRules.group, [("name", "Retail"), ("is_default", true), ("category_access", ["type": "all"]), ("discount_rules", [])])
        try add(CustomerRules.group, [("name", "Wholesale"), ("is_default", false), ("category_access", ["type": "all"]), ("discount_rules", [])])
        let tier = try add(CustomerRules.attribute, [
            ("name", "Loyalty tier"), ("type", "string"), ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
        ])
        var people: [Person] = []
        let names = [("Ada", "Lovelace", "London", "EC1A 1BB", "GB"), ("Grace", "Hopper", "Arlington", "22201", "US"),
                     ("Alan", "Turing", "Manchester", "M1 1AE", "GB")]
        for (i, (first, last, city, zip, country)) in names.enumerated() {
            let email = "\(first.lowercased())@example.com"
            let id = try add(CustomerRules.customer, [
                ("email", .string(email)), ("first_name", .string(first)), ("last_name", .string(last)), ("company", ""),
                ("phone", .string("555-010\(i)")), ("notes", ""), ("tax_exempt_category", ""), ("customer_group_id", 0),
                ("registration_ip_address", "127.0.0.1"),
                ("accepts_product_review_abandoned_cart_emails", true), ("origin_channel_id", channel), ("channel_ids", [channel]),
                ("authentication", ["force_password_reset": false]),
                ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
            ])
            try add(CustomerRules.address, parent: id, [
                ("first_name", .string(first)), ("last_name", .string(last)), ("company", ""),
                ("address1", .string("\(i + 1) Analytical Row")), ("address2", ""), ("city", .string(city)),
                ("state_or_province", country == "US" ? "Virginia" : "England"), ("postal_code", .string(zip)),
                ("country", country == "US" ? "United States" : "United Kingdom"), ("country_code", .string(country)),
                ("phone", .string("555-010\(i)")), ("address_type", "residential"),
            ])
            try add(CustomerRules.attributeValue, parent: id, [
                ("attribute_id", tier), ("attribute_value", i == 0 ? "gold" : "silver"),
                ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
            ])
            try add(SubscriberRules.subscriber, [
                ("email", .string(email)), ("first_name", .string(first)), ("last_name", "Sandbox"), ("source", "storefront"),
                ("order_id", i == 0 ? 100 : .null), ("channel_id", channel),
                ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
            ])
            people.append((id, first, last, email))
        }
        return people
    }

    /// Orders 100, 101 and 102: awaiting fulfilment (with a coupon and a payment), shipped
    /// (with its shipment), and completed.
    mutating func orders(channel: JSON, customers: [Person], products: [DemoProduct]) throws(APIError) {
        let statuses: [(Int64, String)] = [
            (0, "Incomplete"), (1, "Pending"), (2, "Shipped"), (3, "Partially Shipped"), (4, "Refunded"), (5, "Cancelled"),
            (6, "Declined"), (7, "Awaiting Payment"), (8, "Awaiting Pickup"), (9, "Awaiting Shipment"), (10, "Completed"),
            (11, "Awaiting Fulfillment"), (12, "Manual Verification Required"), (13, "Disputed"), (14, "Partially Refunded"),
        ]
        for (id, name) in statuses {
            try add(OrderRules.status, [("name", .string(name)), ("system_label", .string(name)), ("custom_label", .string(name)),
                                        ("system_description", .string(name)), ("order", .int(id))], id: .int(id))
        }
        let plan: [(status: Int64, quantity: Int64, shipped: Bool, coupon: Bool)] = [(11, 2, false, true), (2, 1, true, false), (10, 3, true, false)]
        for (i, order) in plan.enumerated() where !products.isEmpty {
            let who = customers[i % customers.count]
            let product = products[i % products.count]
            let status = statuses.first { $0.0 == order.status }!.1
            let date = "Mon, 1\(i + 5) Jan 2024 10:00:00 +0000"
            let subtotal = product.price * Double(order.quantity)
            let discount = order.coupon ? 5.0 : 0
            let total = subtotal - discount + 5
            let address: [(String, JSON)] = [
                ("first_name", .string(who.first)), ("last_name", .string(who.last)), ("company", ""), ("street_1", .string("\(i + 1) Analytical Row")),
                ("street_2", ""), ("city", "London"), ("state", "England"), ("zip", "EC1A 1BB"), ("country", "United Kingdom"),
                ("country_iso2", "GB"), ("phone", "555-0100"), ("email", .string(who.email)),
            ]
            let id = try add(OrderRules.order, [
                ("customer_id", who.id), ("date_created", .string(date)), ("date_modified", .string(date)),
                ("date_shipped", order.shipped ? .string(date) : ""), ("status_id", .int(order.status)), ("status", .string(status)),
                ("subtotal_ex_tax", Amount.money(subtotal)), ("subtotal_inc_tax", Amount.money(subtotal)), ("subtotal_tax", "0.0000"),
                ("base_shipping_cost", "5.0000"), ("shipping_cost_ex_tax", "5.0000"), ("shipping_cost_inc_tax", "5.0000"),
                ("total_ex_tax", Amount.money(total)), ("total_inc_tax", Amount.money(total)), ("total_tax", "0.0000"),
                ("items_total", .int(order.quantity)), ("items_shipped", .int(order.shipped ? order.quantity : 0)),
                ("payment_method", "Credit Card"), ("payment_status", "captured"), ("refunded_amount", "0.0000"),
                ("currency_code", "USD"), ("default_currency_code", "USD"), ("coupon_discount", Amount.money(discount)),
                ("discount_amount", "0.0000"), ("shipping_address_count", 1), ("is_deleted", false), ("order_is_digital", false),
                ("channel_id", channel), ("customer_message", ""), ("staff_notes", ""), ("order_source", "www"),
                ("billing_address", .object(JSONObject(address))), ("external_source", ""), ("ip_address", "127.0.0.1"),
            ])
            // v2 points at an order's sub-resources rather than embedding them.
            try state.update(OrderRules.order, OrderRules.withLinks(try state.row(OrderRules.order, id)!))
            let line = try add(OrderRules.line, parent: id, [
                ("product_id", product.id), ("variant_id", product.variant), ("name", .string(product.name)), ("sku", .string(product.sku)),
                ("type", "physical"), ("quantity", .int(order.quantity)), ("base_price", Amount.money(product.price)),
                ("price_ex_tax", Amount.money(product.price)), ("price_inc_tax", Amount.money(product.price)),
                ("total_ex_tax", Amount.money(subtotal)), ("total_inc_tax", Amount.money(subtotal)),
                ("quantity_shipped", .int(order.shipped ? order.quantity : 0)), ("is_refunded", false), ("product_options", []),
            ])
            let addressID = try add(OrderRules.shippingAddress, parent: id, address + [
                ("items_total", .int(order.quantity)), ("items_shipped", .int(order.shipped ? order.quantity : 0)),
                ("shipping_method", "Flat Rate"), ("base_cost", "5.0000"), ("cost_ex_tax", "5.0000"), ("cost_inc_tax", "5.0000"),
            ])
            if order.coupon {
                try add(template: "/v2/orders/{}/coupons", parent: id, [
                    ("coupon_id", 1), ("order_id", id), ("code", "WELCOME5"), ("amount", 5), ("type", 0), ("discount", 5.0),
                ])
            }
            // Every demo order was paid for: its purchase (and, once shipped, its capture).
            for event in order.shipped ? ["authorization", "capture"] : ["purchase"] {
                try add(template: "/v3/orders/{}/transactions", parent: id, [
                    ("event", .string(event)), ("method", "credit_card"), ("amount", .double(total)), ("currency", "USD"),
                    ("gateway", "sandbox"), ("status", "ok"), ("test", true), ("order_id", .string(StoreState.key(id))),
                ])
            }
            if order.shipped {
                try add(template: "/v2/orders/{}/shipments", parent: id, [
                    ("order_id", id), ("customer_id", who.id), ("order_address_id", addressID), ("date_created", .string(date)),
                    ("tracking_number", .string("1Z999AA1012345678\(i)")), ("shipping_method", "Flat Rate"), ("shipping_provider", "ups"),
                    ("tracking_carrier", "ups"), ("comments", ""),
                    ("items", [["order_product_id": line, "product_id": product.id, "quantity": .int(order.quantity)]]),
                ])
            }
        }
    }

    /// `GET /v2/store`: what the store says about itself.
    mutating func storeInformation(channel: JSON) throws(APIError) {
        // The store's default currency, as every store has one.
        try add(CurrencyRules.currency, [
            ("is_default", true), ("name", "US Dollar"), ("currency_code", "USD"), ("currency_exchange_rate", "1.0000000000"),
            ("token_location", "left"), ("token", "$"), ("decimal_token", "."), ("thousands_token", ","), ("decimal_places", 2),
            ("country_iso2", "US"), ("enabled", true), ("auto_update", false), ("is_transactional", true),
            ("last_updated", .string(Self.created)),
        ])
        try state.setSingleton("/v2/store", .object(JSONObject([
            ("id", "sandbox"), ("domain", "sandbox.example.com"), ("secure_url", "https://sandbox.example.com"),
            ("control_panel_base_url", "https://store-sandbox.mybigcommerce.com"), ("status", "live"), ("name", "Sandbox Store"),
            ("first_name", "Sandy"), ("last_name", "Box"), ("address", "1 Analytical Row, London"), ("country", "United Kingdom"),
            ("country_code", "GB"), ("phone", "555-0100"), ("admin_email", "admin@sandbox.example.com"),
            ("order_email", "orders@sandbox.example.com"), ("timezone", ["name": "Europe/London", "raw_offset": 0, "dst_offset": 0,
                                                                          "dst_correction": false, "date_format": ["display": "jS M Y"]]),
            ("language", "en"), ("currency", "USD"), ("currency_symbol", "$"), ("decimal_separator", "."), ("thousands_separator", ","),
            ("decimal_places", 2), ("currency_symbol_location", "left"), ("weight_units", "kg"), ("dimension_units", "Centimeters"),
            ("dimension_decimal_places", 2), ("dimension_decimal_token", "."), ("dimension_thousands_token", ","),
            ("plan_name", "Standard"), ("plan_level", "Standard"), ("plan_is_trial", false), ("industry", "Retail"),
            ("is_price_entered_with_tax", false), ("store_id", 1), ("default_channel_id", channel), ("default_site_id", 1),
            ("active_comparison_modules", []), ("features", ["stencil_enabled": true, "sitewidehttps_enabled": true,
                                                             "facebook_catalog_id": "", "checkout_type": "optimized"]),
        ])))
    }

    /// Price list 1, "Wholesale", with a record for the base variant of each of the first products (USD).
    mutating func priceList(products: [DemoProduct]) throws(APIError) {
        let list = try add(PriceListRules.list, [
            ("name", "Wholesale"), ("active", true), ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
        ])
        for product in products {
            let price = (product.price * 0.8 * 100).rounded() / 100
            try add(PriceListRules.record, parent: list, [
                ("product_id", product.id), ("variant_id", product.variant), ("sku", .string(product.sku)),
                ("currency", "usd"), ("price", .double(price)), ("calculated_price", .double(price)),
                ("date_created", .string(Self.created)), ("date_modified", .string(Self.created)),
            ])
        }
    }
}
