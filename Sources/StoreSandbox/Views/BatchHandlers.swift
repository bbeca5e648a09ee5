import JSON
import StoreAPI

/// Batches: each item applied in a savepoint of its own, so one that fails leaves nothing
/// behind; the answer holds what was applied and each failure beside it (207), or, when
/// every item failed, the first failure.
extension StoreState {
    /// Applies `body` to each item; a failure is the item's.
    mutating func eachItem(_ r: SandboxRequest, _ items: [JSONObject],
                           _ body: (inout StoreState, JSONObject) throws(APIError) -> JSONObject) throws(APIError) -> Outcome {
        if let limit = r.op.batchLimit, items.count > limit {
            throw APIError(status: 413, title: "The batch is limited to \(limit) items; this one has \(items.count)")
        }
        var done: [JSON] = [], failures = r.rejected
        for item in items {
            do throws(APIError) {
                done.append(.object(try attempt { s throws(APIError) in try body(&s, item) }))
            } catch {
                failures.append(Self.failure(error, item))
            }
        }
        return batchOutcome(r, done, failures)
    }

    /// One item's failure as a batch lists it: `{status, title, errors}` and what names the item.
    static func failure(_ error: APIError, _ item: JSONObject) -> JSON {
        var failure = JSONObject([("status", .int(Int64(error.status))), ("title", .string(error.title))])
        failure["errors"] = .object(JSONObject(error.errors.map { ($0.0, .string($0.1)) }))
        for k in ["id", "sku", "name", "email"] { if let v = item[k] { failure[k] = v } }
        return .object(failure)
    }

    /// Store-wide creation: each item names what it hangs on (a metafield's `resource_id`, a
    /// category's `tree_id`, as the nested form's path names it).
    mutating func createMany(_ r: SandboxRequest) throws(APIError) -> Outcome {
        let ownerField = r.facts.ownerField
        let parentEntity = entity(r.entityName).parent?.entity
        return try eachItem(r, try arrayBody(r)) { s, item throws(APIError) in
            let field = item["resource_id"] != nil ? "resource_id" : ownerField
            guard let owner = item[field] ?? item[s.entity(r.entityName).parent?.field ?? field], !Reference.namesNothing(owner) else {
                throw APIError.invalid("Each item needs a \(field)", [(field, "required")])
            }
            if let parentEntity, try !s.exists(parentEntity, owner) {
                throw APIError.invalid("No \(s.entity(parentEntity).noun) with id \(Self.key(owner))", [(field, "does not exist")])
            }
            return try s.shown(try s.create(item, r, parent: owner), r)
        }
    }

    /// Each item names its row by `id` (ids are store-wide, so the store-wide form needs no owner).
    mutating func updateMany(_ r: SandboxRequest) throws(APIError) -> Outcome {
        let name = r.entityName
        let parent = r.isStoreWideBatch ? nil : r.parentID
        return try eachItem(r, try arrayBody(r)) { s, item throws(APIError) in
            guard let id = item["id"], !Reference.namesNothing(id) else {
                throw APIError.invalid("Each item needs an id", [("id", "required")])
            }
            guard let row = try s.row(name, id) else { throw APIError.notFound("No \(s.entity(name).noun) with id \(Self.key(id))") }
            if let parent, try s.parent(of: name, id).map(Self.key) != Self.key(parent) {
                throw APIError.notFound("No \(s.entity(name).noun) with id \(Self.key(id))")
            }
            return try s.shown(try s.change(row, with: item, r), r)
        }
    }

    /// Deletes the rows `id:in` (or a body of ids) names, or those the filters select.
    mutating func deleteMany(_ r: SandboxRequest) throws(APIError) -> Outcome {
        var ids: [JSON] = []
        if let list = r.query("id:in") { ids += list.split(separator: ",").map { .string(String($0)) } }
        if case .array(let a)? = r.body { ids += a.filter { $0.intValue != nil || $0.stringValue != nil } }
        var query = try rowQuery(r)
        query.page = .all
        if query.filters.isEmpty && query.keyword == nil && ids.isEmpty {
            // Where the operation takes no filter at all (`DELETE /v2/orders`), it deletes everything.
            let takesNoFilter = r.op.queryParameters.isEmpty && !r.op.deleteHasBody
            guard takesNoFilter || Hooks.all.unfilteredDeletes.contains(r.op.route) else {
                throw APIError.invalid("A filter is required to delete many", [("filter", "give id:in or another filter")])
            }
        }
        let name = r.entityName
        let victims: [JSON]
        if ids.isEmpty {
            victims = try rows(name, query).items.compactMap { $0["id"] }
        } else {
            query.filters = [RowQuery.Filter(field: "id", op: .in, value: ids.map(Self.key).joined(separator: ","))]
            victims = try rows(name, query).items.compactMap { $0["id"] }
        }
        var removed = 0
        for id in victims where try delete(name, id) != nil { removed += 1 }
        return .ok(nil, status: 204, applied: removed > 0)
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
}
