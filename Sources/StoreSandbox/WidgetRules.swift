import JSON
import StoreAPI

/// Widget templates, widgets and placements as the Widgets API keeps them: each is named by
/// its `uuid`; a widget must name an existing template, a placement an existing widget, a
/// template file of the theme and a region of that file; a template previews as HTML with the
/// widget's configuration filled in; widgets are found by `query`.
enum WidgetRules: ResourceFamily {
    static let templates = "/v3/content/widget-templates"
    static let widgets = "/v3/content/widgets"
    static let placements = "/v3/content/placements"

    /// The regions of the Cornerstone theme's template files (what `GET /content/regions` lists).
    static let regions: [String: [String]] = [
        "pages/home": ["home_below_menu", "home_below_carousel", "home_below_featured_products", "home_below_new_products",
                       "home_below_top_products", "home_below_content"],
        "pages/product": ["product_below_price", "product_description", "product_below_content", "product_below_related_products"],
        "pages/category": ["category_header_banner", "category_below_header", "category_below_content"],
        "pages/brand": ["brand_below_header", "brand_below_content"],
        "pages/page": ["page_builder_content"],
        "pages/cart": ["cart_below_totals"],
        "pages/search": ["search_below_results"],
    ]

    static func register(_ hooks: inout Hooks) {
        hooks.replace("POST /v3/content/widget-templates") { s, r throws(APIError) in
            var body = try s.objectBody(r)
            body["kind"] = "custom"
            body["template_engine"] = "handlebars_v3"
            body["icon_name"] = body["icon_name"] ?? "default"
            body["channel_id"] = body["channel_id"] ?? 1
            body["schema"] = body["schema"] ?? .array([])
            return create(&s, r, body, in: templates)
        }
        hooks.replace("POST /v3/content/widgets") { s, r throws(APIError) in
            var body = try s.objectBody(r)
            body["widget_template"] = .object(try template(s, body["widget_template_uuid"]))
            body["channel_id"] = body["channel_id"] ?? 1
            body["widget_configuration"] = body["widget_configuration"] ?? .object(JSONObject())
            return create(&s, r, body, in: widgets)
        }
        hooks.validate("PUT /v3/content/widgets/{uuid}") { s, r throws(APIError) in
            if let given = r.body?["widget_template_uuid"] { _ = try template(s, given) }
        }
        hooks.replace("POST /v3/content/placements") { s, r throws(APIError) in
            var body = try s.objectBody(r)
            try checkPlacement(s, body)
            body["status"] = body["status"] ?? "inactive"
            body["sort_order"] = body["sort_order"] ?? 0
            body["channel_id"] = body["channel_id"] ?? 1
            if let widget = body["widget_uuid"]?.stringValue { body["widget"] = s.collections[widgets]?.items[widget].map(JSON.object) }
            return create(&s, r, body, in: placements)
        }
        hooks.validate("PUT /v3/content/placements/{uuid}") { s, r throws(APIError) in
            guard var current = s.collections[placements]?.items[r.itemID] else { throw APIError.notFound("Placement not found") }
            for (k, v) in try s.objectBody(r) { current[k] = v }
            try checkPlacement(s, current)
        }
        hooks.replace("GET /v3/content/regions") { s, r throws(APIError) in
            let file = r.query("template_file") ?? ""
            guard let names = regions[file] else {
                throw APIError.invalid("Unknown template file", [("template_file", "use one of \(regions.keys.sorted().joined(separator: ", "))")])
            }
            return .ok(s.envelope(r, .array(names.map { .object(JSONObject([("name", .string($0))])) })))
        }
        hooks.replace("GET /v3/content/widgets/search") { s, r in
            let needle = (r.query("query") ?? "").lowercased()
            let found = (s.collections[widgets]?.all ?? []).filter { w in
                needle.isEmpty || ["name", "description"].contains { w[$0]?.stringValue?.lowercased().contains(needle) ?? false }
            }
            return .ok(s.envelope(r, .array(found.map { .object($0) })))
        }
        hooks.replace("POST /v3/content/widget-templates/{uuid}/preview") { s, r throws(APIError) in
            let t = try template(s, .string(r.params["uuid"] ?? ""))
            let config = try s.objectBody(r)["widget_configuration"]?.objectValue ?? JSONObject()
            return .ok(s.envelope(r, .object(JSONObject([("html", .string(render(t["template"]?.stringValue ?? "", config)))]))))
        }
    }

    /// Created with `uuid` as the API names the id, and the dates it stamps.
    static func create(_ s: inout StoreState, _ r: SandboxRequest, _ body: JSONObject, in path: String) -> Outcome {
        var item = s.create(body, in: path, template: path, stringIDs: true)
        let id = StoreState.key(item["id"]!)
        item["uuid"] = .string(id)
        let now = Clock.timestamp(Int(s.clock.now))
        item["date_created"] = .string(now)
        item["date_modified"] = .string(now)
        if path == templates { item["current_version_uuid"] = .string(s.uuid()) }
        s.collections[path]!.insert(id, item)
        return .ok(s.envelope(r, .object(item)), status: r.op.successStatus, applied: true)
    }

    static func template(_ s: StoreState, _ uuid: JSON?) throws(APIError) -> JSONObject {
        guard let id = uuid?.stringValue, let t = s.collections[templates]?.items[id] else {
            throw APIError.invalid("The widget template does not exist", [("widget_template_uuid", "no widget template \(uuid.map(StoreState.key) ?? "(none)")")])
        }
        return t
    }

    static func checkPlacement(_ s: StoreState, _ p: JSONObject) throws(APIError) {
        var errors: [(String, String)] = []
        if let widget = p["widget_uuid"]?.stringValue, s.collections[widgets]?.items[widget] == nil {
            errors.append(("widget_uuid", "no widget \(widget)"))
        }
        let file = p["template_file"]?.stringValue ?? ""
        if let known = regions[file] {
            if let region = p["region"]?.stringValue {
                if !known.contains(region) { errors.append(("region", "\(file) has no region \(region); it has \(known.joined(separator: ", "))")) }
            } else {
                errors.append(("region", "a region of \(file) is required (\(known.joined(separator: ", ")))"))
            }
        } else {
            errors.append(("template_file", "no template file \(file); use one of \(regions.keys.sorted().joined(separator: ", "))"))
        }
        if !errors.isEmpty { throw APIError.invalid("The placement is invalid", errors) }
    }

    /// `{{name}}` replaced by the configuration's value (HTML-escaped), `{{{name}}}` unescaped.
    static func render(_ template: String, _ config: JSONObject) -> String {
        var out = "", rest = Substring(template)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let triple = rest[open.upperBound...].hasPrefix("{")
            let start = triple ? rest.index(after: open.upperBound) : open.upperBound
            guard let close = rest[start...].firstRange(of: triple ? "}}}" : "}}") else { out += rest[open.lowerBound...]; return out }
            let name = rest[start..<close.lowerBound].filter { !$0.isWhitespace }
            let value = config[String(name)].map { $0.stringValue ?? $0.text } ?? ""
            out += triple ? value : escape(value)
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
