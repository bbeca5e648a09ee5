import JSON
import StoreAPI

/// Widget templates, widgets and placements as the Widgets API keeps them: each is named by
/// its `uuid`; a widget must name an existing template, a placement an existing widget, a
/// template file of the theme and a region of that file; a template previews as HTML with the
/// widget's configuration filled in; widgets are found by `query`.
enum WidgetRules: ResourceFamily {
    static let template: EntityName = "widget_template"
    static let widget: EntityName = "widget"
    static let placement: EntityName = "placement"

    static let entities: [Entity] = [
        Entity(template, ids: .uuid, columns: [Column("name", .text), Column("kind", .text)]),
        // A template in use cannot be deleted; a widget's placements go with it.
        Entity(widget, ids: .uuid, columns: [Column("name", .text), Column("widget_template_uuid", .text)],
               references: [Reference("widget_template_uuid", to: template, onDelete: .refuse, refusedWith: 422)]),
        Entity(placement, ids: .uuid, columns: [Column("template_file", .text), Column("widget_uuid", .text)],
               references: [Reference("widget_uuid", to: widget, onDelete: .cascade, refusedWith: 422)]),
    ]

    static let views: [View] = [
        View("/v3/content/widget-templates", entity: template),
        // A widget shows its template, a placement its widget, as they are now (never as stored).
        View("/v3/content/widgets", entity: widget, shape: embedding("widget_template", by: "widget_template_uuid", shownAs: "/v3/content/widget-templates")),
        View("/v3/content/placements", entity: placement, shape: embedding("widget", by: "widget_uuid", shownAs: "/v3/content/widgets")),
    ]

    /// A body field that embeds the row another field names, shown through that row's view.
    private static func embedding(_ field: String, by idField: String, shownAs template: String) -> BodyShape {
        BodyShape(store: { body in
            var out = body
            out[field] = nil
            return out
        }, show: { row, s throws(APIError) in
            var out = row
            if let id = row[idField], let view = s.catalog.view(template: template), let embedded = try s.row(view.entity, id) {
                out[field] = .object(try view.shape.shown(embedded, s))
            }
            return out
        })
    }

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
            return try create(&s, r, body, in: template)
        }
        hooks.replace("POST /v3/content/widgets") { s, r throws(APIError) in
            var body = try s.objectBody(r)
            _ = try template(s, body["widget_template_uuid"])
            body["channel_id"] = body["channel_id"] ?? 1
            body["widget_configuration"] = body["widget_configuration"] ?? .object(JSONObject())
            return try create(&s, r, body, in: widget)
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
            return try create(&s, r, body, in: placement)
        }
        hooks.validate("PUT /v3/content/placements/{uuid}") { s, r throws(APIError) in
            guard var current = try s.row(placement, .string(r.itemID)) else { throw APIError.notFound("Placement not found") }
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
        hooks.replace("GET /v3/content/widgets/search") { s, r throws(APIError) in
            let needle = (r.query("query") ?? "").lowercased()
            let found = try s.rows(widget).filter { w in
                needle.isEmpty || ["name", "description"].contains { w[$0]?.stringValue?.lowercased().contains(needle) ?? false }
            }
            let shape = s.catalog.view(template: "/v3/content/widgets")!.shape
            return .ok(s.envelope(r, .array(try found.map { w throws(APIError) in .object(try shape.shown(w, s)) })))
        }
        hooks.replace("POST /v3/content/widget-templates/{uuid}/preview") { s, r throws(APIError) in
            let t = try template(s, .string(r.params["uuid"] ?? ""))
            let config = try s.objectBody(r)["widget_configuration"]?.objectValue ?? JSONObject()
            return .ok(s.envelope(r, .object(JSONObject([("html", .string(render(t["template"]?.stringValue ?? "", config)))]))))
        }
    }

    /// Created with `uuid` as the API names the id, and the dates it stamps.
    static func create(_ s: inout StoreState, _ r: SandboxRequest, _ body: JSONObject, in entity: EntityName) throws(APIError) -> Outcome {
        var item = try s.create(body, r)
        item["uuid"] = item["id"]
        if entity == template { item["current_version_uuid"] = .string(try s.uuid()) }
        item = try s.update(entity, item)
        return .ok(s.envelope(r, .object(try s.shown(item, r))), status: r.op.successStatus, applied: true)
    }

    static func template(_ s: StoreState, _ uuid: JSON?) throws(APIError) -> JSONObject {
        guard let id = uuid?.stringValue, let t = try s.row(template, .string(id)) else {
            throw APIError.invalid("The widget template does not exist", [("widget_template_uuid", "no widget template \(uuid.map(StoreState.key) ?? "(none)")")])
        }
        return t
    }

    static func checkPlacement(_ s: StoreState, _ p: JSONObject) throws(APIError) {
        var errors: [(String, String)] = []
        if let id = p["widget_uuid"]?.stringValue, try !s.exists(widget, .string(id)) {
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
