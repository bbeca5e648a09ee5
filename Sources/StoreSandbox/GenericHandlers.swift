import JSON
import StoreAPI

/// How any operation behaves when nothing more specific is known: collections create,
/// read, update, delete and paginate; singletons are read and replaced; actions answer
/// their success status. So no operation of the catalog is a dead end.
extension StoreState {
    mutating func handleGenerically(_ r: SandboxRequest) throws(APIError) -> Outcome {
        try checkParents(r)
        switch r.op.kind {
        case .list: return list(r, collection: collections[r.collectionPath] ?? ResourceCollection())
        case .listAll: return list(r, items: all(template: r.collectionTemplate).map(\.1))
        case .get:
            guard let item = collections[r.collectionPath]?.items[r.itemID] else { throw notFound(r) }
            return .ok(envelope(r, .object(project(item, r))))
        case .create where r.op.arrayBody:
            // A collection created in batches (`POST /v3/customers` takes an array).
            let stringIDs = r.facts.stringIDs
            let created = try arrayBody(r).map { JSON.object(create($0, in: r.collectionPath, template: r.collectionTemplate, stringIDs: stringIDs, op: r.op)) }
            return batchOutcome(r, created, r.rejected)
        case .create:
            let body = try objectBody(r)
            let created = create(body, in: r.collectionPath, template: r.collectionTemplate, stringIDs: r.facts.stringIDs, op: r.op)
            return .ok(envelope(r, .object(created)), status: r.op.successStatus, applied: true)
        case .count:
            // `/v2/orders/count`: the list beside it, filtered the same way (a store-wide list,
            // `/v2/countries/states`, counts every country's).
            var items = collections[PathShape.parent(r.path)]?.all ?? []
            if let list = OperationCatalog.byRoute[Route(.GET, PathShape.parent(r.op.path))], list.kind == .listAll {
                items = all(template: PathShape.blank(PathShape.parent(list.path)) + "/{}/" + PathShape.last(list.path)).map(\.1)
            }
            items = items.filter { Filters.matches($0, r.query) }
            return .ok(.object(JSONObject([("count", .int(Int64(items.count)))])))
        case .update:
            guard var item = collections[r.collectionPath]?.items[r.itemID] else { throw notFound(r) }
            for (k, v) in try objectBody(r) where k != "id" { item[k] = v }
            Self.touch(&item, v2: r.isV2)
            withCollection(r.collectionPath, template: r.collectionTemplate) { $0.insert(r.itemID, item) }
            return .ok(envelope(r, .object(item)), status: r.op.successStatus, applied: true)
        case .delete:
            guard withCollection(r.collectionPath, template: r.collectionTemplate, { $0.remove(r.itemID) }) != nil else {
                throw notFound(r)
            }
            return .ok(nil, status: 204, applied: true)
        case .createMany:
            // Each item names what it hangs on (a metafield's `resource_id`, a category's `tree_id`,
            // as the nested form's path names it); one whose owner does not exist fails alone.
            var created: [JSON] = [], failures = r.rejected
            let owners = String(r.collectionTemplate.prefix { $0 != "{" }.dropLast())
            let ownerField = r.facts.ownerField
            let stringIDs = r.facts.stringIDs
            for item in try arrayBody(r) {
                let field = item["resource_id"] != nil ? "resource_id" : ownerField
                guard let parent = item[field].map(StoreState.key), !parent.isEmpty else {
                    failures.append(.object(JSONObject([("status", 422), ("title", .string("Each item needs a \(field)")),
                                                        ("errors", .object(JSONObject([(field, "required")])))])))
                    continue
                }
                if let known = collections[owners], known.items[parent] == nil {
                    failures.append(.object(JSONObject([("status", 422), ("title", .string("No \(StoreState.singular(PathShape.last(owners))) with id \(parent)")),
                                                        ("errors", .object(JSONObject([(field, "does not exist")]))), (field, item[field]!)])))
                    continue
                }
                let path = r.collectionTemplate.replacingFirstBlank(with: parent)
                created.append(.object(create(item, in: path, template: r.collectionTemplate, stringIDs: stringIDs, op: r.op)))
            }
            return batchOutcome(r, created, failures)
        case .updateMany:
            return try updateMany(r)
        case .deleteMany:
            return try deleteMany(r)
        case .singletonGet:
            // Settings and the like always exist: until set, they read as the official schema's shape.
            guard let value = singletons[r.path] ?? StoreState.unsetSingleton(r.op) else { throw APIError.notFound() }
            return .ok(envelope(r, Redaction.redact(value)))
        case .singletonCreate, .singletonUpsert:
            var value = r.body ?? .object(JSONObject())
            if r.op.kind == .singletonUpsert, case .object(let new) = value,
               case .object(var merged)? = singletons[r.path] ?? StoreState.unsetSingleton(r.op) {
                for (k, v) in new { merged[k] = v }
                value = .object(merged)
            }
            singletons[r.path] = value
            return .ok(r.op.successStatus == 204 ? nil : envelope(r, Redaction.redact(value)), status: r.op.successStatus, applied: true)
        case .singletonDelete:
            guard singletons.removeValue(forKey: r.path) != nil else { throw APIError.notFound() }
            return .ok(nil, status: 204, applied: true)
        case .action:
            let status = r.op.successStatus
            return .ok(status == 204 ? nil : envelope(r, r.op.method == .GET ? .array([]) : .object(JSONObject())),
                       status: status, applied: r.op.method != .GET)
        }
    }

    // MARK: Pieces

    func notFound(_ r: SandboxRequest) -> APIError {
        APIError.notFound("The requested resource was not found.")
    }

    /// Every parent in the path must exist where the API can read it (`/catalog/products/9/images`
    /// needs product 9). A v3 sub-resource of a resource only v2 reads (`/v3/orders/100/transactions`)
    /// needs the v2 one.
    func checkParents(_ r: SandboxRequest) throws(APIError) {
        let segs = r.path.split(separator: "/").map(String.init)
        let tsegs = r.op.path.split(separator: "/").map(String.init)
        guard segs.count == tsegs.count else { return }
        let lastIsItem = r.op.kind == .get || r.op.kind == .update || r.op.kind == .delete
        let end = lastIsItem ? segs.count - 1 : segs.count
        for i in 0..<end where tsegs[i].hasPrefix("{") {
            var concrete = Array(segs[0..<i])
            let shape = PathShape.blank("/" + tsegs[0..<i].joined(separator: "/"))
            if !StoreState.readableCollections.contains(shape) {
                guard shape.hasPrefix("/v3/"), StoreState.readableCollections.contains("/v2/" + shape.dropFirst(4)) else { continue }
                concrete[0] = "v2"
            }
            if collections["/" + concrete.joined(separator: "/")]?.items[segs[i]] == nil { throw APIError.notFound() }
        }
    }

    /// The collections (blank templates) whose items the API reads: by a GET of an item or of the list.
    static let readableCollections: Set<String> = Set(OperationCatalog.all.compactMap { op in
        guard op.method == .GET else { return nil }
        switch op.kind {
        case .get: return PathShape.parent(PathShape.blank(op.path))
        case .list: return PathShape.blank(op.path)
        default: return nil
        }
    })

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

    /// A store-wide singleton nobody has set (`/v3/settings/catalog`), as its GET answers: the
    /// official schema's fields with values of their types. One under a parent
    /// (`/v3/sites/{site_id}/certificate`) exists only once it is set.
    static func unsetSingleton(_ op: Operation) -> JSON? {
        guard op.pathParameters.isEmpty, let get = OperationCatalog.byRoute[Route(.GET, op.path)],
              let defaults = BodySchemaTable.entry(for: get)?.defaults else { return nil }
        return .object(defaults)
    }

    /// The fields the answer of `op` must have and `object` lacks, as their types' zero values.
    static func fillRequired(_ object: inout JSONObject, for op: Operation) {
        guard let defaults = BodySchemaTable.entry(for: op)?.defaults else { return }
        for (k, v) in defaults where object[k] == nil { object[k] = v }
    }

    /// Creates an item; `op`'s answer schema says which fields it must have.
    mutating func create(_ body: JSONObject, in path: String, template: String, stringIDs: Bool, op: Operation? = nil) -> JSONObject {
        var object = JSONObject()
        let id: JSON = stringIDs ? .string(self.uuid()) : .int(takeID(path: path, template: template))
        withCollection(path, template: template) { col in
            object["id"] = id
            for (k, v) in body where k != "id" { object[k] = v }
            Self.touch(&object, created: true, v2: template.hasPrefix("/v2/"))
            if let op { Self.fillRequired(&object, for: op) }
            col.insert(id.stringValue ?? String(id.intValue!), object)
        }
        return object
    }

    /// Stamps a change: RFC 3339 dates for v3, RFC 2822 for v2 (as each version writes them).
    static func touch(_ o: inout JSONObject, created: Bool = false, v2: Bool = false) {
        let now = v2 ? Clock.rfc2822() : Clock.timestamp()
        if created && o["date_created"] == nil { o["date_created"] = .string(now) }
        if created || o["date_modified"] != nil { o["date_modified"] = .string(now) }
    }

    mutating func updateMany(_ r: SandboxRequest) throws(APIError) -> Outcome {
        let items = try arrayBody(r)
        if let limit = r.op.batchLimit, items.count > limit {
            throw APIError(status: 413, title: "The batch is limited to \(limit) items; this one has \(items.count)")
        }
        var updated: [JSON] = []
        var failures = r.rejected
        let paths = r.isStoreWideBatch ? (byTemplate[r.collectionTemplate] ?? []).sorted() : [r.collectionPath]
        for item in items {
            guard let idValue = item["id"], let id = idValue.intValue.map(String.init) ?? idValue.stringValue else {
                failures.append(["status": 422, "title": "Each item needs an id", "errors": ["id": "required"]])
                continue
            }
            guard let path = paths.first(where: { collections[$0]?.items[id] != nil }), var current = collections[path]?.items[id] else {
                failures.append(.object(JSONObject([("id", idValue), ("status", 404), ("title", "Not found")])))
                continue
            }
            for (k, v) in item where k != "id" { current[k] = v }
            Self.touch(&current, v2: r.isV2)
            collections[path]!.insert(id, current)
            updated.append(.object(current))
        }
        return batchOutcome(r, updated, failures)
    }

    /// What a batch answers: its data (207 with the failures beside it when some failed), or,
    /// when every item failed, the first failure as the operation's error answer.
    func batchOutcome(_ r: SandboxRequest, _ done: [JSON], _ failures: [JSON]) -> Outcome {
        let total = done.count + failures.count
        let meta: JSON = ["total": .int(Int64(total)), "success": .int(Int64(done.count)), "failed": .int(Int64(failures.count))]
        let entry = BodySchemaTable.entry(for: r.op)
        let data = shaped(r, .array(done))
        if failures.isEmpty && (entry?.bareAnswer == true || r.isV2) {
            return .ok(data, status: r.op.successStatus, applied: !done.isEmpty)
        }
        if failures.isEmpty {
            return .ok(.object(JSONObject([("data", data), ("meta", meta)])), status: r.op.successStatus, applied: !done.isEmpty)
        }
        if done.isEmpty, let first = failures.first, let status = first["status"]?.intValue {
            var error = APIError(status: Int(status), title: first["title"]?.stringValue ?? "The batch failed",
                                 errors: first["errors"]?.objectValue?.map { ($0.key, $0.value.stringValue ?? $0.value.text) } ?? [])
            error.shape = entry?.errorShape ?? .flat
            return .ok(error.body(version: r.op.version), status: Int(status), applied: false)
        }
        return .ok(.object(JSONObject([("data", data), ("errors", .array(failures)), ("meta", meta)])),
                   status: 207, applied: true)
    }

    mutating func deleteMany(_ r: SandboxRequest) throws(APIError) -> Outcome {
        var ids = Set<String>()
        if let list = r.query("id:in") { ids.formUnion(list.split(separator: ",").map(String.init)) }
        if case .array(let a)? = r.body { for v in a { if let i = v.intValue { ids.insert(String(i)) } else if let s = v.stringValue { ids.insert(s) } } }
        let filters = r.query.filter { !StoreState.paging.contains($0.0) }
        let paths = r.isStoreWideBatch ? (byTemplate[r.collectionTemplate] ?? []).sorted() : [r.collectionPath]
        if filters.isEmpty && ids.isEmpty {
            // Where the operation takes no filter at all (`DELETE /v2/orders`), it deletes everything.
            let takesNoFilter = r.op.queryParameters.isEmpty && !r.op.deleteHasBody
            guard takesNoFilter || Hooks.all.unfilteredDeletes.contains(r.op.route) else {
                throw APIError.invalid("A filter is required to delete many", [("filter", "give id:in or another filter")])
            }
        }
        var removed = 0
        for path in paths {
            guard let col = collections[path] else { continue }
            let victims = ids.isEmpty ? col.all.filter { Filters.matches($0, filters) }.compactMap { $0["id"].map(StoreState.key) }
                : col.order.filter(ids.contains)
            for id in victims where collections[path]!.remove(id) != nil { removed += 1 }
        }
        return .ok(nil, status: 204, applied: removed > 0)
    }

    /// `categories` → `category`, `brands` → `brand`: what a collection's items are called.
    static func singular(_ plural: String) -> String {
        if plural.hasSuffix("ies") { return plural.dropLast(3) + "y" }
        return plural.hasSuffix("s") ? String(plural.dropLast()) : plural
    }

    static func key(_ id: JSON) -> String { id.intValue.map(String.init) ?? id.stringValue ?? "" }

    static let paging: Set<String> = ["page", "limit", "include", "include_fields", "exclude_fields", "sort", "direction"]

    // MARK: Lists

    /// A list straight from a collection: without filters or sorting only the page is read.
    func list(_ r: SandboxRequest, collection: ResourceCollection) -> Outcome {
        let plain = !r.query.contains { !Filters.skipped.contains($0.0) } && r.query("sort") == nil && r.query("direction") == nil
        guard plain, r.op.pagination == .page else { return list(r, items: collection.all) }
        let (limit, page) = pageRequest(r)
        let start = min((page - 1) * limit, collection.order.count)
        let ids = collection.order[start..<min(start + limit, collection.order.count)]
        return .ok(envelope(r, .array(ids.map { .object(project(collection.items[$0]!, r)) }),
                            pagination: pagination(total: collection.order.count, count: ids.count, limit: limit, page: page)))
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

    func list(_ r: SandboxRequest, items: [JSONObject]) -> Outcome {
        var items = items.filter { Filters.matches($0, r.query) }
        if let sortQuery = r.query("sort") {
            // v3 says `sort=name&direction=desc`; v2 `sort=name:desc`.
            let parts = sortQuery.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let sort = parts.first ?? ""
            let desc = (parts.count > 1 ? parts[1] : r.query("direction")) == "desc"
            items.sort { a, b in
                let less = Filters.less(a[sort], b[sort])
                return desc ? Filters.less(b[sort], a[sort]) : less
            }
        } else if r.query("direction") == "desc" {
            items.reverse()
        }
        guard r.op.pagination == .page else {
            return .ok(envelope(r, .array(items.map { .object(project($0, r)) }), pagination: nil))
        }
        let (limit, page) = pageRequest(r)
        let start = min((page - 1) * limit, items.count)
        let slice = items[start..<min(start + limit, items.count)]
        return .ok(envelope(r, .array(slice.map { .object(project($0, r)) }),
                            pagination: pagination(total: items.count, count: slice.count, limit: limit, page: page)))
    }

    /// `include_fields` and `exclude_fields` (the id always stays), then `include` of sub-resources.
    func project(_ item: JSONObject, _ r: SandboxRequest) -> JSONObject {
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
            let collection = r.op.kind == .get ? r.collectionPath : r.path
            let base = collection + "/" + StoreState.key(id)
            for name in include.split(separator: ",") {
                let sub = String(name)
                let segment = String(sub.map { $0 == "_" ? "-" : $0 })
                if collections[base + "/" + segment] == nil, let shared = collections[collection + "/" + segment] {
                    // A store-wide sub-collection (`/v3/customers/addresses`) holds each owner's
                    // items by the owner's id (`customer_id`).
                    let owner = String(PathShape.last(collection).dropLast()) + "_id"
                    out[sub] = .array(shared.all.filter { $0[owner] == id }.map { .object($0) })
                } else if let col = collections[base + "/" + segment] {
                    out[sub] = .array(col.all.map { .object($0) })
                } else {
                    out[sub] = .array([])
                }
            }
        }
        return out
    }

    /// The data as an array or an object, as the official file says the operation answers.
    func shaped(_ r: SandboxRequest, _ data: JSON) -> JSON {
        switch (BodySchemaTable.entry(for: r.op)?.answerShape, data) {
        case ("array"?, .object): .array([data])
        case ("object"?, .array(let items)): items.first ?? .object(JSONObject())
        default: data
        }
    }

    /// v3 answers `{data, meta}`; v2 answers the value itself.
    func envelope(_ r: SandboxRequest, _ data: JSON, pagination: JSON? = nil) -> JSON {
        let data = shaped(r, data)
        if r.isV2 || r.op.version == "digicert" || BodySchemaTable.entry(for: r.op)?.bareAnswer == true { return data }
        var meta = JSONObject()
        if let pagination { meta["pagination"] = pagination }
        return .object(JSONObject([("data", data), ("meta", .object(meta))]))
    }
}

extension String {
    func replacingFirstBlank(with value: String) -> String {
        guard let r = firstRange(of: "{}") else { return self }
        var s = self
        s.replaceSubrange(r, with: value)
        return s
    }
}
