import JSON
import StoreAPI

/// The Pricing API (`POST /v3/pricing/products`): what each item costs on a channel, in a
/// currency, for a customer group, from the catalog's prices (the variant's where one is named)
/// and the price list assigned to that group and channel. Reads only: nothing is created.
/// The sandbox has no tax rates, so tax-inclusive and -exclusive prices are the price entered.
enum PricingRules: ResourceFamily {
    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v3/pricing/products") { s, r throws(APIError) in try prices(s, r) }
    }

    static func prices(_ s: StoreState, _ r: SandboxRequest) throws(APIError) -> Outcome {
        let body = try s.objectBody(r)
        var errors: [(String, String)] = []
        let channel = body["channel_id"].map(StoreState.key) ?? ""
        if try !s.exists(ChannelRules.channel, .string(channel)) {
            errors.append(("channel_id", "channel \(channel.isEmpty ? "(none)" : channel) does not exist"))
        }
        let currency = body["currency_code"]?.stringValue?.uppercased() ?? ""
        let known = try currencies(s)
        if !known.contains(currency) {
            errors.append(("currency_code", "\(currency.isEmpty ? "(none)" : currency) is not a currency of the store (\(known.sorted().joined(separator: ", ")))"))
        }
        var group = body["customer_group_id"]?.intValue
        if let customer = body["customer_id"]?.intValue, customer != 0 {
            if let c = try s.row(CustomerRules.customer, .int(customer)) {
                group = group ?? c["customer_group_id"]?.intValue
            } else {
                errors.append(("customer_id", "customer \(customer) does not exist"))
            }
        }
        let list = try priceList(s, group: group ?? 0, channel: channel)
        var out: [JSON] = []
        for (i, entry) in (body["items"]?.arrayValue ?? []).enumerated() {
            guard let item = entry.objectValue, let pid = item["product_id"].map(StoreState.key),
                  let product = try s.row(CatalogRules.product, .string(pid)) else {
                errors.append(("items.\(i).product_id", "product \(entry["product_id"].map(StoreState.key) ?? "(none)") does not exist"))
                continue
            }
            var variant: JSONObject?
            if let vid = item["variant_id"], vid != .null {
                let key = vid.doubleValue.map { String(Int64($0)) } ?? StoreState.key(vid)
                variant = try s.row(CatalogRules.variant, .string(key)).flatMap { StoreState.key($0["product_id"] ?? .null) == pid ? $0 : nil }
                if variant == nil {
                    errors.append(("items.\(i).variant_id", "variant \(key) is not a variant of product \(pid)"))
                    continue
                }
            }
            out.append(.object(try priced(s, product, variant, item, list: list, currency: currency)))
        }
        if !errors.isEmpty { throw APIError.invalid("The pricing request is invalid", errors) }
        return .ok(.object(JSONObject([("data", .array(out)), ("meta", .object(JSONObject()))])))
    }

    /// The store's default currency and those it has added.
    static func currencies(_ s: StoreState) throws(APIError) -> Set<String> {
        var codes: Set<String> = [try s.singleton("/v2/store")?["currency"]?.stringValue ?? "USD"]
        for c in try s.rows(CurrencyRules.currency) {
            if let code = c["currency_code"]?.stringValue { codes.insert(code.uppercased()) }
        }
        return codes
    }

    /// The price list assigned to the customer group on the channel (or on every channel).
    static func priceList(_ s: StoreState, group: Int64, channel: String) throws(APIError) -> JSON? {
        let assignments = try s.rows(PriceListRules.assignment)
        func assigned(_ a: JSONObject, channelWide: Bool) -> Bool {
            (a["customer_group_id"]?.intValue ?? 0) == group
                && (channelWide ? a["channel_id"] == nil || a["channel_id"] == .null : a["channel_id"].map(StoreState.key) == channel)
        }
        let match = assignments.first { assigned($0, channelWide: false) } ?? assignments.first { assigned($0, channelWide: true) }
        return match?["price_list_id"]
    }

    static func priced(_ s: StoreState, _ product: JSONObject, _ variant: JSONObject?, _ item: JSONObject,
                       list: JSON?, currency: String) throws(APIError) -> JSONObject {
        var price = variant?["price"]?.doubleValue ?? product["price"]?.doubleValue ?? 0
        var sale = variant?["sale_price"]?.doubleValue ?? product["sale_price"]?.doubleValue ?? 0
        let retail = variant?["retail_price"]?.doubleValue ?? product["retail_price"]?.doubleValue ?? 0
        let map = variant?["map_price"]?.doubleValue ?? product["map_price"]?.doubleValue ?? 0
        if let list, let vid = variant?["id"] ?? product["base_variant_id"],
           let record = try s.rows(PriceListRules.record, parent: list).first(where: {
               StoreState.key($0["variant_id"] ?? .null) == StoreState.key(vid) && $0["currency"]?.stringValue?.uppercased() == currency
           }) {
            price = record["price"]?.doubleValue ?? price
            sale = record["sale_price"]?.doubleValue ?? sale
        }
        var calculated = sale > 0 ? min(price, sale) : price
        if variant == nil { calculated = min(calculated, try CatalogRules.calculatedPrice(s, product.merging(price: price, sale: sale))) }
        var reference = JSONObject([("product_id", product["id"] ?? .null)])
        if let v = variant?["id"] { reference["variant_id"] = v }
        reference["options"] = item["options"] ?? .array([])
        var out = reference
        out["reference_request"] = .object(reference)
        out["price"] = amount(price)
        if sale > 0 { out["sale_price"] = amount(sale) }
        if retail > 0 {
            out["retail_price"] = amount(retail)
            out["saved"] = amount(max(retail - calculated, 0))
            out["retail_price_range"] = range(retail, retail)
        }
        if map > 0 { out["minimum_advertised_price"] = amount(map) }
        out["calculated_price"] = amount(calculated)
        out["price_range"] = range(calculated, calculated)
        out["bulk_pricing"] = .array(try s.rows(CatalogRules.bulkPricingRule, parent: product["id"] ?? .null).map { rule in
            .object(JSONObject([
                ("minimum", rule["quantity_min"] ?? 0), ("maximum", rule["quantity_max"] ?? 0),
                ("discount_amount", rule["amount"] ?? 0), ("discount_type", rule["type"] ?? "price"),
            ]))
        })
        return out
    }

    /// A price as the API gives every one: as entered, and with and without tax.
    static func amount(_ value: Double) -> JSON {
        let v = JSON.double((value * 100).rounded() / 100)
        return .object(JSONObject([("as_entered", v), ("entered_inclusive", false), ("tax_exclusive", v), ("tax_inclusive", v)]))
    }

    static func range(_ low: Double, _ high: Double) -> JSON { .object(JSONObject([("minimum", amount(low)), ("maximum", amount(high))])) }
}

private extension JSONObject {
    func merging(price: Double, sale: Double) -> JSONObject {
        var p = self
        p["price"] = .double(price)
        p["sale_price"] = .double(sale)
        return p
    }
}
