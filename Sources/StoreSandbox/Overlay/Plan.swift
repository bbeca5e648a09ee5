import JSON
import StoreAPI

/// One write a plan recorded: the request as the script sent it, what the overlay answered,
/// and (through the change log, by its sequence) the rows it changed.
struct PlannedWrite: Sendable {
    let sequence: Int
    /// The entity the write's route shows (its other changes are the store's follow-on).
    let entity: EntityName?
    let method: String
    let path: String
    let query: [(String, String)]
    let body: JSON?
    let status: Int
    /// The files it uploaded (name, size, checksum): a plan file holds no file, so apply
    /// cannot send it.
    let files: [JSON]
}

extension Sandbox {
    func recordPlanned(_ r: SandboxRequest, _ outcome: Outcome) {
        let entity = EntityCatalog.shared.view(template: r.collectionTemplate)?.entity
        let write = PlannedWrite(sequence: r.sequence, entity: entity, method: r.op.method.rawValue, path: r.path, query: r.query, body: r.body,
                                 status: outcome.status, files: r.files.map(\.summary))
        planned.withLock { $0.append(write) }
    }

    /// The plan so far, as JSON: `summary` (per entity, how many rows are created, changed and
    /// deleted), `objects` (each row once: what it was and what it becomes, the fields that
    /// change), and `writes` (the requests in order, each with the rows it changed, their
    /// `before` and `after`), for `apply`.
    public func plan() -> JSON {
        let writes = planned.withLock { $0 }
        let changes: [Change] = state.withLock { s in
            (try? s.transaction { s throws(APIError) -> [Change] in
                var all: [Change] = [], after: Int64 = 0
                while true {
                    let page = try s.changes(after: after, limit: 1000)
                    all += page
                    guard let last = page.last else { return all }
                    after = last.sequence
                }
            }) ?? []
        }
        var byRequest: [Int: [Change]] = [:]
        for change in changes { byRequest[change.request, default: []].append(change) }
        let writeList: [JSON] = writes.map { w in
            var o = JSONObject([("method", .string(w.method)), ("path", .string(w.path))])
            o["entity"] = w.entity.map { .string(Self.resourceName($0)) } ?? .null
            o["query"] = .array(w.query.map { .array([.string($0.0), .string($0.1)]) })
            o["body"] = w.body ?? .null
            o["status"] = .int(Int64(w.status))
            if !w.files.isEmpty { o["files"] = .array(w.files) }
            o["changes"] = .array((byRequest[w.sequence] ?? []).map(Self.planEntry))
            return Redaction.redact(.object(o))
        }
        let objects = Self.coalesced(changes)
        var summary: [String: (created: Int, updated: Int, deleted: Int)] = [:]
        for object in objects {
            let entity = object["entity"]?.stringValue ?? ""
            var counts = summary[entity] ?? (0, 0, 0)
            switch object["action"]?.stringValue {
            case "created": counts.created += 1
            case "deleted": counts.deleted += 1
            default: counts.updated += 1
            }
            summary[entity] = counts
        }
        let summaryList: [JSON] = summary.keys.sorted().map { entity in
            let c = summary[entity]!
            return .object(JSONObject([("entity", .string(entity)), ("created", .int(Int64(c.created))),
                                       ("changed", .int(Int64(c.updated))), ("deleted", .int(Int64(c.deleted)))]))
        }
        return .object(JSONObject([("summary", .array(summaryList)), ("objects", .array(objects)), ("writes", .array(writeList))]))
    }

    /// What a plan calls an entity: its declared name, or for one made from a catalog path
    /// (`/v2/orders/{}/shipments`) the singular of its last segment, with its parent's
    /// (`order shipment`).
    static func resourceName(_ entity: EntityName) -> String {
        guard entity.raw.hasPrefix("/") else { return entity.raw }
        // Path segments that are ids (a singleton's path is concrete) name nothing.
        let words = entity.raw.split(separator: "/").filter { $0 != "{}" && $0 != "v2" && $0 != "v3" && Int($0) == nil }
            .map { StoreState.singular(String($0)) }
        return words.suffix(2).joined(separator: " ")
    }

    /// Fields that change on their own with any write, left out of what a plan shows.
    static let incidentalFields: Set<String> = ["date_modified", "date_last_imported", "updated_at", "last_modified"]

    static func planEntry(_ c: Change) -> JSON {
        let (before, after) = changedFields(c.before, c.after)
        return Redaction.redact(.object(JSONObject([("entity", .string(resourceName(c.entity))), ("id", .string(c.id)),
                                                    ("action", .string(c.action.rawValue)), ("before", before), ("after", after)])))
    }

    /// Each row once: its first `before` and its last `after`; a row made and deleted by the
    /// same plan, or changed back, is no change.
    static func coalesced(_ changes: [Change]) -> [JSON] {
        var order: [String] = []
        var first: [String: Change] = [:], last: [String: Change] = [:]
        for c in changes {
            let key = c.entity.raw + "\u{0}" + c.id
            if first[key] == nil { first[key] = c; order.append(key) }
            last[key] = c
        }
        var out: [JSON] = []
        for key in order {
            let a = first[key]!, b = last[key]!
            let action: ChangeAction
            switch (a.before == nil, b.after == nil) {
            case (true, true): continue
            case (true, false): action = .created
            case (false, true): action = .deleted
            case (false, false): action = .updated
            }
            let (before, after) = changedFields(a.before, b.after)
            if action == .updated, before.objectValue?.count == 0 { continue }
            var o = JSONObject([("entity", .string(resourceName(a.entity))), ("id", .string(a.id)), ("action", .string(action.rawValue))])
            if let name = (b.after ?? a.before)?["name"] ?? (b.after ?? a.before)?["sku"] ?? (b.after ?? a.before)?["email"] { o["name"] = name }
            o["before"] = before
            o["after"] = after
            out.append(Redaction.redact(.object(o)))
        }
        return out
    }

    /// The fields that differ (a created row: all of `after`; a deleted one: all of `before`).
    static func changedFields(_ before: JSONObject?, _ after: JSONObject?) -> (JSON, JSON) {
        guard let before else { return (.null, after.map { .object($0) } ?? .null) }
        guard let after else { return (.object(before), .null) }
        var b = JSONObject(), a = JSONObject()
        for key in Set(before.keys).union(after.keys).sorted() where !incidentalFields.contains(key) && before[key] != after[key] {
            b[key] = before[key] ?? .null
            a[key] = after[key] ?? .null
        }
        return (.object(b), .object(a))
    }
}
