import JSON
import StoreAPI

/// How any route behaves when no family says more: a collection's rows are listed, counted,
/// read, made, changed and deleted through the view's entity; singletons are read and
/// replaced; actions answer their success status. So no operation of the catalog is a dead end.
extension StoreState {
    mutating func handleGenerically(_ r: SandboxRequest) throws(APIError) -> Outcome {
        switch r.op.kind {
        case .singletonGet, .singletonCreate, .singletonUpsert, .singletonDelete:
            return try handleSingleton(r)
        case .action:
            let status = r.op.successStatus
            return .ok(status == 204 ? nil : envelope(r, r.op.method == .GET ? .array([]) : .object(JSONObject())),
                       status: status, applied: r.op.method != .GET)
        default:
            break
        }
        try checkParents(r)
        let name = r.entityName
        switch r.op.kind {
        case .list, .listAll:
            return try list(r)
        case .count:
            let total = try count(name, try rowQuery(r))
            return .ok(.object(JSONObject([("count", .int(Int64(total)))])))
        case .get:
            guard let row = try viewRow(r, r.itemID) else { throw notFound(r) }
            return .ok(envelope(r, .object(try project(try shown(row, r), r))))
        case .create where r.op.arrayBody:
            // A collection made in batches (`POST /v3/customers` takes an array).
            return try eachItem(r, try arrayBody(r)) { s, item throws(APIError) in try s.shown(try s.create(item, r), r) }
        case .create:
            let created = try create(try objectBody(r), r)
            return .ok(envelope(r, .object(try shown(created, r))), status: r.op.successStatus, applied: true)
        case .update:
            guard let row = try viewRow(r, r.itemID) else { throw notFound(r) }
            let updated = try change(row, with: try objectBody(r), r)
            return .ok(envelope(r, .object(try shown(updated, r))), status: r.op.successStatus, applied: true)
        case .delete:
            guard let row = try viewRow(r, r.itemID) else { throw notFound(r) }
            try delete(name, row["id"] ?? .string(r.itemID))
            return .ok(nil, status: 204, applied: true)
        case .createMany:
            return try createMany(r)
        case .updateMany:
            return try updateMany(r)
        case .deleteMany:
            return try deleteMany(r)
        default:
            throw notFound(r)
        }
    }

    /// Makes a row from a body in the route's names: stamped, with the fields the answer must
    /// have, under the parent the path (or `parent`) names.
    mutating func create(_ body: JSONObject, _ r: SandboxRequest, parent: JSON? = nil) throws(APIError) -> JSONObject {
        var fields = body
        fields["id"] = nil
        Self.fillRequired(&fields, for: r.op)
        var stored = r.view.shape.stored(fields)
        touch(&stored, created: true, entity(r.entityName))
        return try insert(r.entityName, stored, parent: parent ?? r.parentID)
    }

    /// A row with the body's fields (in the route's names) written over it, stamped.
    mutating func change(_ row: JSONObject, with body: JSONObject, _ r: SandboxRequest) throws(APIError) -> JSONObject {
        var row = row
        for (k, v) in r.view.shape.stored(body) where k != "id" { row[k] = v }
        touch(&row, entity(r.entityName))
        return try update(r.entityName, row)
    }

    // MARK: Lists

    /// The list's query from the request: the parent the path names (none for a store-wide
    /// list), filters and sort in the store's names, the page or cursor asked for.
    func rowQuery(_ r: SandboxRequest) throws(APIError) -> RowQuery {
        var query = RowQuery()
        let everyParent = r.isStoreWideBatch || r.op.kind == .listAll
        query.parent = everyParent ? nil : r.parentID
        let shape = r.view.shape
        for (name, value) in r.query {
            if name == "keyword" { query.keyword = value; continue }
            guard var filter = RowQuery.filter(name, value) else { continue }
            filter.field = shape.storedName(filter.field)
            query.filters.append(filter)
        }
        if let sortQuery = r.query("sort") {
            // v3 says `sort=name&direction=desc`; v2 `sort=name:desc`.
            let parts = sortQuery.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            query.sort = RowQuery.isFieldName(parts[0]) ? shape.storedName(parts[0]) : nil
            query.descending = (parts.count > 1 ? parts[1] : r.query("direction")) == "desc"
        } else {
            query.descending = r.query("direction") == "desc"
        }
        let limit = pageRequest(r).limit
        if r.takesCursors, let after = r.query("after") {
            query.page = .after(after, limit: limit)
        } else if r.takesCursors, let before = r.query("before") {
            query.page = .before(before, limit: limit)
        } else if r.op.pagination == .cursor {
            query.page = .after(nil, limit: limit)
        } else if r.op.pagination == .page {
            let (limit, page) = pageRequest(r)
            query.page = .offset(limit: limit, offset: (page - 1) * limit)
        }
        return query
    }

    /// A list: a page of rows (or all of them), projected and shown as the route shows them,
    /// with `meta.pagination` and, where the file documents cursors, `meta.cursor_pagination`.
    func list(_ r: SandboxRequest) throws(APIError) -> Outcome {
        let query = try rowQuery(r)
        let page = try rows(r.entityName, query)
        if page.items.isEmpty && BodySchemaTable.entry(for: r.op)?.emptyIsNoContent == true { return .ok(nil, status: 204) }
        let data = JSON.array(try page.items.map { row throws(APIError) in .object(try project(try shown(row, r), r)) })
        var meta = JSONObject()
        let limit = pageRequest(r).limit
        switch query.page {
        case .offset(let limit, let offset):
            let total = page.total ?? page.items.count
            meta["pagination"] = pagination(total: total, count: page.items.count, limit: limit, page: offset / limit + 1)
            if r.takesCursors {
                meta["cursor_pagination"] = cursorPagination(count: page.items.count, limit: limit, start: page.cursors.start, end: page.cursors.end,
                                                             more: offset + page.items.count < total, hasPrevious: offset > 0)
            }
        case .after(let cursor, _):
            meta["cursor_pagination"] = cursorPagination(count: page.items.count, limit: limit, start: page.cursors.start, end: page.cursors.end,
                                                         more: page.more, hasPrevious: cursor != nil)
        case .before:
            meta["cursor_pagination"] = cursorPagination(count: page.items.count, limit: limit, start: page.cursors.start, end: page.cursors.end,
                                                         more: true, hasPrevious: page.more)
        case .all:
            // A v3 list the file gives no paging still says it is one whole page (clients read it).
            meta["pagination"] = pagination(total: page.items.count, count: page.items.count, limit: max(page.items.count, 1), page: 1)
        }
        return .ok(envelope(r, data, meta: meta))
    }

    // MARK: Singletons

    mutating func handleSingleton(_ r: SandboxRequest) throws(APIError) -> Outcome {
        switch r.op.kind {
        case .singletonGet:
            // Settings and the like always exist: until set, they read as the official schema's shape.
            guard let value = try singleton(r.path) ?? Self.unsetSingleton(r.op) else { throw APIError.notFound() }
            return .ok(envelope(r, Redaction.redact(value)))
        case .singletonDelete:
            guard try singleton(r.path) != nil else { throw APIError.notFound() }
            try setSingleton(r.path, nil)
            return .ok(nil, status: 204, applied: true)
        default:
            var value = r.body ?? .object(JSONObject())
            if r.op.kind == .singletonUpsert, case .object(let new) = value,
               case .object(var merged)? = try singleton(r.path) ?? Self.unsetSingleton(r.op) {
                for (k, v) in new { merged[k] = v }
                value = .object(merged)
            }
            try setSingleton(r.path, value)
            return .ok(r.op.successStatus == 204 ? nil : envelope(r, Redaction.redact(value)), status: r.op.successStatus, applied: true)
        }
    }
}

extension SandboxRequest {
    /// The operation documents `after`/`before` cursors (products, customers, orders, ...).
    var takesCursors: Bool { op.pagination == .cursor || op.queryParameters.contains { $0.name == "after" } }
}
