import JSON
import StoreAPI

/// How answers are made, for every view: the body read as the operation takes it, the data in
/// the envelope and shape the official file gives, fields projected, sub-resources included,
/// page and cursor metadata.
extension StoreState {
    func objectBody(_ r: SandboxRequest) throws(APIError) -> JSONObject {
        guard let body = r.body else { return JSONObject() }
        guard case .object(let o) = body else {
            throw APIError.invalid("The request body must be a JSON object", [("body", "expected an object, got \(body.typeName)")])
        }
        return o
    }

    func arrayBody(_ r: SandboxRequest) throws(APIError) -> [JSONObject] {
        guard case .array(let a)? = r.body else {
            throw APIError.invalid("The request body must be a JSON array", [("body", "expected an array")])
        }
        var out: [JSONObject] = []
        for (i, v) in a.enumerated() {
            guard case .object(let o) = v else { throw APIError.invalid("Each item must be an object", [("\(i)", "expected an object")]) }
            out.append(o)
        }
        return out
    }

    func notFound(_ r: SandboxRequest) -> APIError { APIError.notFound("The requested resource was not found.") }

    /// Stamps a change with the store's clock, in the entity's date style.
    func touch(_ o: inout JSONObject, created: Bool = false, _ entity: Entity) {
        let now = entity.dates.format(clock.now)
        if created && o["date_created"] == nil { o["date_created"] = .string(now) }
        if created || o["date_modified"] != nil { o["date_modified"] = .string(now) }
    }

    /// The fields the answer of `op` must have and `object` lacks, as their types' zero values.
    static func fillRequired(_ object: inout JSONObject, for op: Operation) {
        guard let defaults = BodySchemaTable.entry(for: op)?.defaults else { return }
        for (k, v) in defaults where object[k] == nil { object[k] = v }
    }

    /// A store-wide singleton nobody has set (`/v3/settings/catalog`), as its GET answers: the
    /// official schema's fields with values of their types. One under a parent
    /// (`/v3/sites/{site_id}/certificate`) exists only once it is set.
    static func unsetSingleton(_ op: Operation) -> JSON? {
        guard op.pathParameters.isEmpty, let get = OperationCatalog.byRoute[Route(.GET, op.path)],
              let defaults = BodySchemaTable.entry(for: get)?.defaults else { return nil }
        return .object(defaults)
    }

    // MARK: Envelopes

    /// The data as an array or an object, as the official file says the operation answers.
    func shaped(_ r: SandboxRequest, _ data: JSON) -> JSON {
        switch (BodySchemaTable.entry(for: r.op)?.answerShape, data) {
        case ("array"?, .object): .array([data])
        case ("object"?, .array(let items)): items.first ?? .object(JSONObject())
        default: data
        }
    }

    /// v3 answers `{data, meta}`; v2 and DigiCert answer the value itself.
    func envelope(_ r: SandboxRequest, _ data: JSON, meta: JSONObject = JSONObject()) -> JSON {
        let data = shaped(r, data)
        if r.isV2 || r.op.version == "digicert" || BodySchemaTable.entry(for: r.op)?.bareAnswer == true { return data }
        return .object(JSONObject([("data", data), ("meta", .object(meta))]))
    }

    func pageRequest(_ r: SandboxRequest) -> (limit: Int, page: Int) {
        // A page past any store (page=4611686018427387904) is an empty one, never an overflow.
        (min(max(Int(r.query("limit") ?? "") ?? 50, 1), 250), min(max(Int(r.query("page") ?? "") ?? 1, 1), 1 << 40))
    }

    func pagination(total: Int, count: Int, limit: Int, page: Int) -> JSON {
        let totalPages = max((total + limit - 1) / limit, 1)
        var links = JSONObject()
        if page > 1 { links["previous"] = .string("?page=\(page - 1)&limit=\(limit)") }
        links["current"] = .string("?page=\(page)&limit=\(limit)")
        if page < totalPages { links["next"] = .string("?page=\(page + 1)&limit=\(limit)") }
        return .object(JSONObject([
            ("total", .int(Int64(total))), ("count", .int(Int64(count))), ("per_page", .int(Int64(limit))),
            ("current_page", .int(Int64(page))), ("total_pages", .int(Int64(totalPages))), ("links", .object(links)),
        ]))
    }

    /// `meta.cursor_pagination`, as the files define it: the page's cursors and links to the pages beside it.
    func cursorPagination(count: Int, limit: Int, start: String?, end: String?, more: Bool, hasPrevious: Bool) -> JSON {
        var links = JSONObject()
        if hasPrevious, let start { links["previous"] = .string("?limit=\(limit)&before=\(Percent.encode(start))") }
        if let start { links["current"] = .string("?limit=\(limit)&after=\(Percent.encode(start))") }
        if more, let end { links["next"] = .string("?limit=\(limit)&after=\(Percent.encode(end))") }
        var o = JSONObject([("count", .int(Int64(count))), ("per_page", .int(Int64(limit)))])
        if let start { o["start_cursor"] = .string(start) }
        if let end { o["end_cursor"] = .string(end) }
        o["links"] = .object(links)
        return .object(o)
    }

    // MARK: Projection

    /// `include_fields` and `exclude_fields` (the id always stays), then `include` of sub-resources.
    func project(_ item: JSONObject, _ r: SandboxRequest) throws(APIError) -> JSONObject {
        var out = item
        if let fields = r.query("include_fields") {
            let required = BodySchemaTable.entry(for: r.op)?.requiredInAnswer ?? []
            let keep = Set(fields.split(separator: ",").map(String.init) + ["id"] + required)
            out = JSONObject(item.filter { keep.contains($0.key) }.map { ($0.key, $0.value) })
        }
        if let fields = r.query("exclude_fields") {
            let required = Set(BodySchemaTable.entry(for: r.op)?.requiredInAnswer ?? [])
            for f in fields.split(separator: ",") where f != "id" && !required.contains(String(f)) { out[String(f)] = nil }
        }
        if let include = r.query("include"), let id = item["id"] {
            for name in include.split(separator: ",").map(String.init) {
                out[name] = .array(try included(name, of: id, r).map { .object($0) })
            }
        }
        return out
    }

    /// The rows of the sub-resource `name` (`images`, `custom_fields`, `addresses`) of the row
    /// `id`, as their own route shows them: nested (`/products/{}/images`) or store-wide
    /// (`/customers/addresses`), so long as the entity hangs on this one.
    func included(_ name: String, of id: JSON, _ r: SandboxRequest) throws(APIError) -> [JSONObject] {
        let segment = String(name.map { $0 == "_" ? "-" : $0 })
        let base = r.collectionTemplate
        for template in [base + "/{}/" + segment, base + "/{}/" + name, base + "/" + segment, base + "/" + name] {
            guard let sub = catalog.view(template: template), entity(sub.entity).parent?.entity == r.entityName else { continue }
            return try rows(sub.entity, parent: id).map { row throws(APIError) in try sub.shape.shown(row, self) }
        }
        return []
    }
}

extension Percent {
    /// Percent-encodes all but unreserved characters (RFC 3986).
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
