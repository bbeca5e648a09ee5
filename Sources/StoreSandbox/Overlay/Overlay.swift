import GRDB
import JSON
import StoreAPI

/// A sandbox over a real store (`run --plan`): what a script reads comes from the real store
/// and is imported here, so each later read sees the script's own writes (a list shows what it
/// made, changed and deleted; a get of a deleted row is 404); what it writes is applied here
/// only, through the same views, rules and checks as any sandbox write, so a write the store
/// would refuse is refused with the same error. The change log then is the plan.
extension Sandbox {
    func handleOverlaid(_ r: SandboxRequest, _ upstream: any Upstream) async -> Outcome {
        do throws(APIError) {
            if r.op.method == .GET { return try await read(r, upstream) }
            try await importWhatWriteReads(r, upstream)
            let outcome = handle(r)
            if outcome.applied { recordPlanned(r, outcome) }
            return outcome
        } catch {
            return Outcome(status: error.status, body: error.body(version: r.op.version), applied: false)
        }
    }

    // MARK: Reads

    private func read(_ r: SandboxRequest, _ upstream: any Upstream) async throws(APIError) -> Outcome {
        // Under a row the plan made (its variants, a DigiCert order's certificate) the real
        // store has nothing: the overlay alone answers.
        if try namesPlannedRow(r) { return handle(r) }
        // A route a family serves over a row of a view (a channel's site): that row, here.
        if try await importRouteReads(r, upstream) {
            try await importPathRows(r, upstream)
            return handle(r)
        }
        switch r.op.kind {
        case .get:
            try await importItem(r.path, version: String(r.op.version), upstream)
            return handle(r)
        case .list, .listAll:
            let answer = try await fetch(r.path, r.query, r.op.version, upstream)
            guard answer.status == 200, let body = answer.body else { return Outcome(status: answer.status, body: answer.body, applied: false) }
            return try merged(r, body)
        default:
            // Counts, singletons, actions that read: as the real store has them, unless the
            // plan has written the singleton.
            if r.op.kind == .singletonGet, try overlayTouched(r) { return handle(r) }
            let answer = try await fetch(r.path, r.query, r.op.version, upstream)
            return Outcome(status: answer.status, body: answer.body, applied: false)
        }
    }

    /// The real store's page with the plan's rows in it: a changed row as it is now, a deleted
    /// one left out, and on the last page the rows the plan made that the list's filters take.
    private func merged(_ r: SandboxRequest, _ body: JSON) throws(APIError) -> Outcome {
        let enveloped = body["data"] != nil
        guard case .array(let items)? = enveloped ? body["data"] : body else { return Outcome(status: 200, body: body, applied: false) }
        let projected = r.query("include_fields") != nil || r.query("exclude_fields") != nil
        let included = r.query("include")?.split(separator: ",").map(String.init) ?? []
        return try state.withLock { s throws(APIError) in
            try s.transaction { s throws(APIError) -> Outcome in
                var out: [JSON] = []
                var dropped = 0
                for item in items {
                    guard case .object(let shown) = item, let id = shown["id"] else { out.append(item); continue }
                    if !projected {
                        var whole = shown
                        for name in included { whole[name] = nil }
                        try s.importShown(whole, view: r.view, parent: r.parentID)
                    }
                    switch try s.lastChange(r.entityName, id) {
                    case nil: out.append(item)
                    case .deleted?: dropped += 1
                    case .created?, .updated?:
                        guard let row = try s.viewRow(r, StoreState.key(id)) else { dropped += 1; continue }
                        out.append(.object(try s.project(try s.shown(row, r), r)))
                    }
                }
                var made = 0
                if Self.isLastPage(body, count: items.count, r) {
                    var query = try s.rowQuery(r)
                    query.page = .all
                    for row in try s.rows(r.entityName, query).items {
                        guard let id = row["id"], try s.wasCreated(r.entityName, id) else { continue }
                        out.append(.object(try s.project(try s.shown(row, r), r)))
                        made += 1
                    }
                }
                guard enveloped, case .object(var whole) = body else { return Outcome(status: out.isEmpty && r.isV2 ? 204 : 200, body: out.isEmpty && r.isV2 ? nil : .array(out), applied: false) }
                whole["data"] = .array(out)
                if case .object(var meta)? = whole["meta"], case .object(var pagination)? = meta["pagination"] {
                    pagination["total"] = .int((pagination["total"]?.intValue ?? 0) + Int64(made - dropped))
                    pagination["count"] = .int(Int64(out.count))
                    meta["pagination"] = .object(pagination)
                    whole["meta"] = .object(meta)
                }
                return Outcome(status: 200, body: .object(whole), applied: false)
            }
        }
    }

    /// The page is the list's last: v3 says so in its meta, v2 by a short page.
    static func isLastPage(_ body: JSON, count: Int, _ r: SandboxRequest) -> Bool {
        if let pagination = body["meta"]?["pagination"], let page = pagination["current_page"]?.intValue,
           let pages = pagination["total_pages"]?.intValue {
            return page >= pages
        }
        if let cursors = body["meta"]?["cursor_pagination"] { return cursors["links"]?["next"] == nil }
        if body["data"] != nil { return true }
        return count < (Int(r.query("limit") ?? "") ?? 50)
    }

    // MARK: What a write reads first

    /// Imports what the write's checks read: every row its path names (its parents, and the
    /// row itself for an update or delete), the rows its body refers to, and a batch's rows.
    private func importWhatWriteReads(_ r: SandboxRequest, _ upstream: any Upstream) async throws(APIError) {
        _ = try await importRouteReads(r, upstream)
        // A setting: as the store has it, so the plan shows what changes in it.
        if [.singletonUpsert, .singletonCreate, .singletonDelete].contains(r.op.kind), !(try overlayTouched(r)) {
            let answer = try await fetch(r.path, [], r.op.version, upstream)
            if answer.status == 200, let value = answer.body?["data"] ?? answer.body {
                try state.withLock { s throws(APIError) in
                    try s.transaction { s throws(APIError) in
                        let logging = s.logsChanges
                        s.logsChanges = false
                        defer { s.logsChanges = logging }
                        try s.setSingleton(r.path, value)
                    }
                }
            }
        }
        try await importPathRows(r, upstream)
        // The rows the query names (`channel_id=2`: the channel).
        for (name, value) in r.query where name.hasSuffix("_id") {
            let entity = EntityName(String(name.dropLast(3)))
            guard EntityCatalog.shared.entities[entity] != nil else { continue }
            for id in value.split(separator: ",") { try await importRow(of: entity, id: String(id), upstream) }
        }
        guard let view = EntityCatalog.shared.view(template: r.collectionTemplate) else { return }
        let entity = EntityCatalog.shared.entity(view.entity)
        var items: [JSONObject] = []
        switch r.body {
        case .object(let o)?: items = [o]
        case .array(let a)?: items = a.compactMap(\.objectValue)
        default: break
        }
        // A batch's rows by id, a page of them at a time, from the list it writes to.
        let ids = items.compactMap { $0["id"] }.map(StoreState.key) + (r.query("id:in")?.split(separator: ",").map(String.init) ?? [])
        if !ids.isEmpty, r.op.kind == .updateMany || r.op.kind == .deleteMany {
            var unknown: [String] = []
            for id in ids where !(try known(view.entity, .string(id))) { unknown.append(id) }
            for start in stride(from: 0, to: unknown.count, by: 50) {
                let chunk = unknown[start..<min(start + 50, unknown.count)]
                let answer = try await fetch(r.collectionPath, [("id:in", chunk.joined(separator: ",")), ("limit", "250")], r.op.version, upstream)
                guard answer.status == 200, case .array(let rows)? = answer.body?["data"] ?? answer.body else { continue }
                try importAll(rows, view: view, parent: r.parentID)
            }
        }
        // The rows the body names by reference (a product's brand and categories).
        for reference in entity.references {
            for item in items {
                let named: [JSON]
                switch item[reference.field] {
                case .array(let a)?: named = a
                case let value?: named = [value]
                case nil: named = []
                }
                for id in named where !Reference.namesNothing(id) { try await importRow(of: reference.target, id: StoreState.key(id), upstream) }
            }
        }
    }

    /// Every row the path names: its parents, and the row itself for an item operation.
    private func importPathRows(_ r: SandboxRequest, _ upstream: any Upstream) async throws(APIError) {
        let segments = r.path.split(separator: "/").map(String.init)
        let templates = r.op.path.split(separator: "/").map(String.init)
        guard segments.count == templates.count else { return }
        let itemOp = r.op.kind == .update || r.op.kind == .delete || r.op.kind == .get
        for i in templates.indices where templates[i].hasPrefix("{") && (i < templates.count - 1 || itemOp) {
            try await importItem("/" + segments[0...i].joined(separator: "/"), version: String(r.op.version), upstream)
        }
    }

    static let routeReads: [RouteRead] = {
        var reads: [RouteRead] = []
        for family in Hooks.families { reads += family.routeReads }
        return reads
    }()

    /// Reads the row behind each family route the request's path is, or lies under, once;
    /// whether there was one.
    private func importRouteReads(_ r: SandboxRequest, _ upstream: any Upstream) async throws(APIError) -> Bool {
        let segments = r.path.split(separator: "/")
        var matched = false
        for read in Self.routeReads {
            let template = read.template.split(separator: "/")
            guard segments.count >= template.count,
                  zip(template, segments).allSatisfy({ $0 == "{}" || $0 == $1 }),
                  let view = EntityCatalog.shared.view(template: read.view) else { continue }
            let depth = template.count
            let concrete = "/" + segments[..<depth].joined(separator: "/")
            matched = matched || segments.count == depth
            guard routesRead.withLock({ $0.insert(concrete).inserted }) else { continue }
            let answer = try await fetch(concrete, [], String(r.op.version), upstream)
            if answer.status == 200, case .object(let shown)? = answer.body?["data"] ?? answer.body {
                try importAll([.object(shown)], view: view, parent: nil)
            }
        }
        return matched
    }

    /// The top-level collection an entity is read from by id (`/v3/catalog/brands`).
    static func itemTemplate(of entity: EntityName) -> String? {
        let readable = EntityCatalog.shared.views.filter {
            $0.value.entity == entity && !$0.key.contains("{}") && StoreState.readableCollections.contains($0.key)
        }.keys.sorted()
        return readable.first { $0.hasPrefix("/v3/") } ?? readable.first
    }

    /// Imports a row by its entity and id, from the collection it is read from by id.
    private func importRow(of entity: EntityName, id: String, _ upstream: any Upstream) async throws(APIError) {
        guard let path = Self.itemTemplate(of: entity) else { return }
        try await importItem(path + "/" + id, version: String(Operation.version(of: path)), upstream)
    }

    /// Imports the row an item path names from the real store, unless the overlay knows it
    /// (imported, made, changed or deleted by the plan). A row the store does not have stays
    /// unknown: the overlay's own handler answers 404, as the store would.
    private func importItem(_ path: String, version: String, _ upstream: any Upstream) async throws(APIError) {
        let collection = PathShape.parent(path)
        guard let view = EntityCatalog.shared.view(template: PathShape.blank(collection)) else { return }
        let id = JSON.string(PathShape.last(path))
        guard !(try known(view.entity, id)) else { return }
        let answer = try await fetch(path, [], version, upstream)
        guard answer.status == 200, case .object(let shown)? = answer.body?["data"] ?? answer.body else { return }
        try importAll([.object(shown)], view: view, parent: Self.parentID(collection: collection, template: PathShape.blank(collection)) ?? view.boundParent)
    }

    /// The last id a concrete collection path names before its own segment.
    static func parentID(collection: String, template: String) -> JSON? {
        let t = template.split(separator: "/"), c = collection.split(separator: "/")
        guard t.count == c.count, let i = t.lastIndex(of: "{}") else { return nil }
        return .string(String(c[i]))
    }

    private func importAll(_ rows: [JSON], view: View, parent: JSON?) throws(APIError) {
        try state.withLock { s throws(APIError) in
            try s.transaction { s throws(APIError) in
                for case .object(let shown) in rows { try s.importShown(shown, view: view, parent: parent) }
            }
        }
    }

    private func known(_ entity: EntityName, _ id: JSON) throws(APIError) -> Bool {
        try state.withLock { s throws(APIError) in try s.transaction { s throws(APIError) in try s.knows(entity, id) } }
    }

    /// A path parameter of the request is the id of a row the plan made.
    private func namesPlannedRow(_ r: SandboxRequest) throws(APIError) -> Bool {
        let segments = r.path.split(separator: "/"), templates = r.op.path.split(separator: "/")
        guard segments.count == templates.count else { return false }
        let ids = zip(templates, segments).filter { $0.0.hasPrefix("{") }.map { String($0.1) }
        guard !ids.isEmpty else { return false }
        return try state.withLock { s throws(APIError) in
            try s.transaction { s throws(APIError) -> Bool in
                for id in ids where try s.wasCreated(nil, .string(id)) { return true }
                return false
            }
        }
    }

    /// The plan has written this singleton (the overlay holds only what the plan set).
    private func overlayTouched(_ r: SandboxRequest) throws(APIError) -> Bool {
        try state.withLock { s throws(APIError) in
            try s.transaction { s throws(APIError) in try s.singleton(r.path) != nil }
        }
    }

    /// A GET of the real store; one it could not answer stops the request (502), naming it.
    private func fetch(_ path: String, _ query: [(String, String)], _ version: some StringProtocol, _ upstream: any Upstream) async throws(APIError) -> UpstreamAnswer {
        let answer = await upstream.get(path, query: query, version: String(version))
        if let failure = answer.failure {
            throw APIError(status: 502, title: "The plan could not read GET \(path) from the real store: \(failure)")
        }
        return answer
    }
}

extension StoreState {
    /// Takes a row as the real store showed it through `view`, unless this store has it or the
    /// plan has changed it. Imports are not changes: the change log holds only the plan's.
    mutating func importShown(_ shown: JSONObject, view: View, parent: JSON?) throws(APIError) {
        guard let id = shown["id"], !Reference.namesNothing(id), !(try knows(view.entity, id)) else { return }
        let logging = logsChanges
        logsChanges = false
        defer { logsChanges = logging }
        _ = try insert(view.entity, view.shape.stored(shown), parent: parent, id: id, checked: false)
    }

    /// The overlay holds the row, or the plan made, changed or deleted it: the store's copy is
    /// not wanted any more.
    func knows(_ entity: EntityName, _ id: JSON) throws(APIError) -> Bool {
        if try exists(entity, id) { return true }
        return try lastChange(entity, id) != nil
    }

    /// What the plan last did to a row (nil: nothing; it is as the real store has it, or unknown).
    func lastChange(_ entity: EntityName, _ id: JSON) throws(APIError) -> ChangeAction? {
        let action = try sql { db in
            try String.fetchOne(db, sql: "SELECT action FROM changes WHERE entity = ? AND item = ? ORDER BY seq DESC LIMIT 1",
                                arguments: [entity.raw, StoreState.key(id)])
        }
        return action.flatMap(ChangeAction.init(rawValue:))
    }

    /// The plan made this row (`entity` nil: a row of any entity with this id).
    func wasCreated(_ entity: EntityName?, _ id: JSON) throws(APIError) -> Bool {
        try sql { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM changes WHERE item = ?1 AND (?2 IS NULL OR entity = ?2) AND action = 'created' LIMIT 1",
                              arguments: [StoreState.key(id), entity?.raw]) ?? false
        }
    }
}
