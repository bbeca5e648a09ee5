import GRDB
import JSON

/// What a change did to a row.
enum ChangeAction: String, Sendable {
    case created, updated, deleted
}

/// One entry of the change log: every create, update and delete the store applies, in the
/// transaction that applies it (so a rolled-back request leaves none). Webhooks are delivered
/// from it; a plan of what a script would change can be read from it.
struct Change: Sendable {
    let sequence: Int64
    let entity: EntityName
    let id: String
    let action: ChangeAction
    let before: JSONObject?
    let after: JSONObject?
    let atMs: Int64
    /// The request that made it (its sequence in the request log; 0: the store's own work).
    let request: Int

    var json: JSON {
        var o = JSONObject([("seq", .int(sequence)), ("entity", .string(entity.raw)), ("id", .string(id)),
                            ("action", .string(action.rawValue)), ("at_ms", .int(atMs)), ("request", .int(Int64(request)))])
        o["before"] = before.map { .object($0) } ?? .null
        o["after"] = after.map { .object($0) } ?? .null
        return Redaction.redact(.object(o))
    }
}

extension StoreState {
    /// Appends a change (unless the entity is internal bookkeeping or the store is being seeded).
    mutating func log(_ entity: EntityName, id: JSON, action: ChangeAction, before: JSONObject?, after: JSONObject?) throws(APIError) {
        guard logsChanges, catalog.entities[entity]?.isInternal != true else { return }
        let now = clock.nowMs, request = self.request
        let sequence = try sql { db -> Int64 in
            try db.execute(sql: "INSERT INTO changes(entity, item, action, before, after, at_ms, request) VALUES(?, ?, ?, ?, ?, ?, ?)",
                           arguments: [entity.raw, StoreState.key(id), action.rawValue, before.map { JSON.object($0).text },
                                       after.map { JSON.object($0).text }, now, request])
            return db.lastInsertedRowID
        }
        let change = Change(sequence: sequence, entity: entity, id: StoreState.key(id), action: action, before: before, after: after,
                            atMs: now, request: request)
        try changed(change)
    }

    /// The change log after `sequence`, oldest first, at most `limit` entries.
    func changes(after sequence: Int64, limit: Int = 1000) throws(APIError) -> [Change] {
        let rows = try sql { db in
            try Row.fetchAll(db, sql: "SELECT seq, entity, item, action, before, after, at_ms, request FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                             arguments: [sequence, limit])
        }
        var out: [Change] = []
        for row in rows {
            let before: String? = row[4], after: String? = row[5]
            out.append(Change(sequence: row[0], entity: EntityName(row[1] as String), id: row[2],
                              action: ChangeAction(rawValue: row[3]) ?? .updated,
                              before: try before.map { text throws(APIError) in try Self.decodeObject(text) },
                              after: try after.map { text throws(APIError) in try Self.decodeObject(text) },
                              atMs: row[6], request: row[7]))
        }
        return out
    }
}
