import GRDB
import JSON

/// Rows of entities, read and written through their declarations: ids made as declared, the
/// parent's id written where declared, unique keys and references checked before a write (with
/// the API's words; the UNIQUE indexes are the guarantee), and on delete every declared relation
/// followed — children and referrers cascade, arrays are pulled, a row in use refuses. Every
/// write lands in the change log.
extension StoreState {
    func entity(_ name: EntityName) -> Entity { catalog.entity(name) }

    /// An id as the entity keeps it, from a path segment or a body value; nil when it cannot
    /// name a row of the entity (`abc` for a counted id).
    func key(_ entity: Entity, _ value: JSON) -> DatabaseValue? {
        if entity.isCounted {
            switch value {
            case .int(let i): return i.databaseValue
            case .double(let d): return d == d.rounded() && abs(d) < 9e15 ? Int64(d).databaseValue : nil
            case .string(let s): return Int64(s)?.databaseValue
            default: return nil
            }
        }
        switch value {
        case .string(let s): return s.databaseValue
        case .int(let i): return String(i).databaseValue
        default: return nil
        }
    }

    func key(_ entity: Entity, _ text: String) -> DatabaseValue? { key(entity, .string(text)) }

    /// An id as the entity's rows hold it: an integer for a counted id (`"42"` → 42).
    func normalized(_ entity: Entity, _ value: JSON) -> JSON {
        guard let key = key(entity, value) else { return value }
        return Self.id(key)
    }

    static func id(_ value: DatabaseValue) -> JSON {
        switch value.storage {
        case .int64(let i): .int(i)
        case .string(let s): .string(s)
        case .double(let d): .double(d)
        default: .null
        }
    }

    // MARK: Reads

    func row(_ name: EntityName, _ id: JSON) throws(APIError) -> JSONObject? {
        let entity = entity(name)
        guard let key = key(entity, id), database.hasTable(name) else { return nil }
        return try sql { db in try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM \(StoreDatabase.table(name)) WHERE id = ?"), arguments: [key]) }
            .map { text throws(APIError) in try Self.decodeObject(text) }
    }

    func exists(_ name: EntityName, _ id: JSON) throws(APIError) -> Bool {
        let entity = entity(name)
        guard let key = key(entity, id), database.hasTable(name) else { return false }
        return try sql { db in try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM \(StoreDatabase.table(name)) WHERE id = ?"), arguments: [key]) } ?? false
    }

    /// The id of the row's parent (nil: no such row, or none).
    func parent(of name: EntityName, _ id: JSON) throws(APIError) -> JSON? {
        let entity = entity(name)
        guard let key = key(entity, id), database.hasTable(name) else { return nil }
        let value = try sql { db in try DatabaseValue.fetchOne(db.cachedStatement(sql: "SELECT parent FROM \(StoreDatabase.table(name)) WHERE id = ?"), arguments: [key]) }
        return value.map(Self.id).flatMap { $0 == .null ? nil : $0 }
    }

    /// Rows in creation order: every one, or those under `parent`.
    func rows(_ name: EntityName, parent: JSON? = nil) throws(APIError) -> [JSONObject] {
        var query = RowQuery()
        query.parent = parent
        return try rows(name, query).items
    }

    /// Rows whose `field` (a declared column) is `value`.
    func rows(_ name: EntityName, where field: String, is value: JSON, op: RowQuery.Op = .eq, parent: JSON? = nil) throws(APIError) -> [JSONObject] {
        var query = RowQuery()
        query.parent = parent
        query.filters = [RowQuery.Filter(field: field, op: op, value: value.stringValue ?? value.text)]
        return try rows(name, query).items
    }

    func count(_ name: EntityName, parent: JSON? = nil) throws(APIError) -> Int {
        var query = RowQuery()
        query.parent = parent
        return try count(name, query)
    }

    // MARK: Writes

    /// Makes a row: its id (counted, a UUID, or `id` where the creator names it), its parent's
    /// id where the entity declares a field for it, after the unique keys and references are
    /// checked. Returns the row as stored.
    @discardableResult
    /// `checked: false` takes the row as it is (an overlay importing what the real store holds).
    mutating func insert(_ name: EntityName, _ fields: JSONObject, parent: JSON? = nil, id given: JSON? = nil, checked: Bool = true) throws(APIError) -> JSONObject {
        let entity = entity(name)
        var parentID = parent
        if parentID == nil, let field = entity.parent?.field, let named = fields[field], !Reference.namesNothing(named) { parentID = named }
        if let named = parentID, let above = entity.parent?.entity { parentID = normalized(self.entity(above), named) }
        let id: JSON
        switch entity.ids {
        case .counted:
            id = given ?? .null
        case .uuid:
            if let given { id = given } else { id = .string(try uuid()) }
        case .given:
            guard let given, key(entity, given) != nil else { throw APIError(status: 500, title: "A \(entity.noun) needs an id") }
            id = given
        }
        var row = JSONObject()
        row["id"] = id
        for (k, v) in fields where k != "id" { row[k] = v }
        if let field = entity.parent?.field, let parentID { row[field] = parentID }
        if checked {
            try checkUnique(entity, row, parent: parentID, except: nil)
            try checkReferences(entity, row, before: nil)
        }
        let table = StoreDatabase.table(name)
        let columns = entity.allColumns
        let stored = try sql { db -> JSONObject in
            try database.ensureTable(entity, db)
            var row = row
            // The next id first, so that the body holds it.
            if id == .null { row["id"] = .int(try madeID(name, db)) }
            let sqlColumns = ["id", "parent", "body"] + columns.map(\.sqlName)
            let placeholders = Array(repeating: "?", count: sqlColumns.count).joined(separator: ", ")
            var arguments: [DatabaseValue] = [key(entity, row["id"]!)!, parentKey(entity, parentID), JSON.object(row).text.databaseValue]
            arguments += columns.map { Self.columnValue($0, row[$0.field]) }
            try db.cachedStatement(sql: "INSERT INTO \(table)(\(sqlColumns.joined(separator: ", "))) VALUES(\(placeholders))")
                .execute(arguments: StatementArguments(arguments))
            try writeSideTables(entity, row, db, replacing: false)
            return row
        }
        try log(name, id: stored["id"]!, action: .created, before: nil, after: stored)
        return stored
    }

    /// The id the entity's next counted row will take (rows made in between take it first).
    func nextID(_ name: EntityName) throws(APIError) -> Int64 {
        let entity = entity(name)
        return try sql { db in
            try database.ensureTable(entity, db)
            return try madeID(name, db)
        }
    }

    /// A store of its own counts each entity's ids; an overlay counts one sequence for all from
    /// `firstMadeID`, so a planned id names one row whatever its entity (apply maps it alone).
    /// Every id it makes is given out here (a family takes ids before it inserts their rows).
    private func madeID(_ name: EntityName, _ db: Database) throws -> Int64 {
        guard firstMadeID > 1 else { return try Self.nextID(name, db) }
        let given = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_made_id'") ?? 0
        let id = max(given + 1, firstMadeID)
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES('last_made_id', ?)", arguments: [String(id)])
        return id
    }

    private static func nextID(_ name: EntityName, _ db: Database) throws -> Int64 {
        let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = ?"), arguments: ["e:" + name.raw]) ?? 0
        return last + 1
    }

    private func parentKey(_ entity: Entity, _ parentID: JSON?) -> DatabaseValue {
        guard let parentID, let parent = entity.parent else { return .null }
        return key(self.entity(parent.entity), parentID) ?? .null
    }

    /// Writes `row` (which names its id) over the stored one, after the checks; returns it.
    @discardableResult
    mutating func update(_ name: EntityName, _ row: JSONObject) throws(APIError) -> JSONObject {
        let entity = entity(name)
        guard let id = row["id"], let before = try self.row(name, id) else { throw APIError.notFound("No \(entity.noun) with id \(row["id"].map(Self.key) ?? "?")") }
        var row = row
        let parentID = try parent(of: name, id)
        if let field = entity.parent?.field, let parentID { row[field] = parentID }
        guard row != before else { return row }
        try checkUnique(entity, row, parent: parentID, except: id)
        try checkReferences(entity, row, before: before)
        let table = StoreDatabase.table(name)
        let columns = entity.allColumns
        try sql { db in
            try write(entity, row, table: table, columns: columns, db)
            try writeSideTables(entity, row, db, replacing: true)
        }
        try log(name, id: id, action: .updated, before: before, after: row)
        return row
    }

    private func write(_ entity: Entity, _ row: JSONObject, table: String, columns: [Column], _ db: Database) throws {
        let sets = (["body = ?"] + columns.map { "\($0.sqlName) = ?" }).joined(separator: ", ")
        var arguments: [DatabaseValue] = [JSON.object(row).text.databaseValue]
        arguments += columns.map { Self.columnValue($0, row[$0.field]) }
        arguments.append(key(entity, row["id"]!)!)
        try db.cachedStatement(sql: "UPDATE \(table) SET \(sets) WHERE id = ?").execute(arguments: StatementArguments(arguments))
    }

    private func writeSideTables(_ entity: Entity, _ row: JSONObject, _ db: Database, replacing: Bool) throws {
        let owner = key(entity, row["id"]!)!
        for reference in entity.references where reference.many {
            let side = StoreDatabase.sideTable(entity.name, reference.field)
            if replacing { try db.cachedStatement(sql: "DELETE FROM \(side) WHERE owner = ?").execute(arguments: [owner]) }
            let target = self.entity(reference.target)
            for value in row[reference.field]?.arrayValue ?? [] where !Reference.namesNothing(value) {
                guard let t = key(target, value) else { continue }
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO \(side)(owner, target) VALUES(?, ?)").execute(arguments: [owner, t])
            }
        }
    }

    /// Deletes the row and follows every relation to it; nil when there is no such row.
    @discardableResult
    mutating func delete(_ name: EntityName, _ id: JSON) throws(APIError) -> JSONObject? {
        try delete(name, id, depth: 0)
    }

    private mutating func delete(_ name: EntityName, _ id: JSON, depth: Int) throws(APIError) -> JSONObject? {
        guard depth < 64 else { throw APIError(status: 500, title: "The delete cascades deeper than 64 levels") }
        let entity = entity(name)
        guard let row = try row(name, id), let key = key(entity, id) else { return nil }
        let referrers = catalog.referrers[name] ?? []
        for (other, reference) in referrers {
            guard case .refuse = reference.onDelete else { continue }
            if let user = try referring(other, reference, to: key).first {
                let why = reference.inUse ?? "is in use by \(self.entity(other).noun)"
                throw APIError.conflict("The \(entity.noun) \(Self.key(id)) \(why) \(Self.key(user["id"] ?? .null)); delete or change that first",
                                        [(reference.field, "names \(entity.noun) \(Self.key(id))")])
            }
        }
        try sql { db in
            try db.cachedStatement(sql: "DELETE FROM \(StoreDatabase.table(name)) WHERE id = ?").execute(arguments: [key])
            for reference in entity.references where reference.many {
                try db.cachedStatement(sql: "DELETE FROM \(StoreDatabase.sideTable(name, reference.field)) WHERE owner = ?").execute(arguments: [key])
            }
        }
        try log(name, id: row["id"] ?? id, action: .deleted, before: row, after: nil)
        for child in catalog.children[name] ?? [] where database.hasTable(child) {
            guard case .cascade = self.entity(child).parent?.onDelete ?? .cascade else { continue }
            let ids = try sql { db in try DatabaseValue.fetchAll(db.cachedStatement(sql: "SELECT id FROM \(StoreDatabase.table(child)) WHERE parent = ?"), arguments: [key]) }
            for childID in ids { _ = try delete(child, Self.id(childID), depth: depth + 1) }
        }
        for (other, reference) in referrers {
            switch reference.onDelete {
            case .cascade:
                for user in try referring(other, reference, to: key) { _ = try delete(other, user["id"] ?? .null, depth: depth + 1) }
            case .pull:
                for var user in try referring(other, reference, to: key) {
                    if reference.many {
                        user[reference.field] = .array((user[reference.field]?.arrayValue ?? []).filter { self.key(entity, $0) != key })
                    } else {
                        user[reference.field] = user[reference.field]?.stringValue != nil ? "" : 0
                    }
                    try update(other, user)
                }
            case .refuse, .keep:
                break
            }
        }
        return row
    }

    /// The rows of `other` whose `reference` names `key`.
    private func referring(_ other: EntityName, _ reference: Reference, to key: DatabaseValue) throws(APIError) -> [JSONObject] {
        guard database.hasTable(other) else { return [] }
        let table = StoreDatabase.table(other)
        let sql = reference.many
            ? "SELECT body FROM \(table) WHERE id IN (SELECT owner FROM \(StoreDatabase.sideTable(other, reference.field)) WHERE target = ?) ORDER BY rowid"
            : "SELECT body FROM \(table) WHERE f_\(reference.field) = ? ORDER BY rowid"
        return try self.sql { db in try String.fetchAll(db.cachedStatement(sql: sql), arguments: [key]) }.map { text throws(APIError) in try Self.decodeObject(text) }
    }

    // MARK: Checks

    /// A duplicate of a unique key is refused with the entity's and the field's names.
    func checkUnique(_ entity: Entity, _ row: JSONObject, parent: JSON?, except id: JSON?) throws(APIError) {
        guard database.hasTable(entity.name) else { return }
        for unique in entity.unique {
            let values = unique.fields.map { Self.columnValue(entity.column($0) ?? Column($0, .text), row[$0]) }
            if values.contains(where: { $0.isNull || unique.exempt.contains(String.fromDatabaseValue($0) ?? "") }) { continue }
            let collate = unique.ignoringCase ? " COLLATE NOCASE" : ""
            var conditions = unique.fields.map { "f_\($0) = ?\(collate)" } + [unique.partialClause]
            var arguments = values
            if unique.perParent {
                conditions.append("parent IS ?")
                arguments.append(parentKey(entity, parent))
            }
            if let id, let key = key(entity, id) {
                conditions.append("id != ?")
                arguments.append(key)
            }
            let sql = "SELECT 1 FROM \(StoreDatabase.table(entity.name)) WHERE \(conditions.joined(separator: " AND ")) LIMIT 1"
            let taken = try self.sql { db in try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)) } ?? false
            if taken {
                let field = unique.fields.last!
                let title = "The \(entity.noun) \(field.replacingUnderscores) is a duplicate"
                throw APIError(status: unique.status, title: title, errors: [(field, title)])
            }
        }
    }

    /// A reference to a row that does not exist is refused (fields that did not change are not re-checked).
    func checkReferences(_ entity: Entity, _ row: JSONObject, before: JSONObject?) throws(APIError) {
        for reference in entity.references {
            guard let status = reference.refusedWith, let value = row[reference.field], value != before?[reference.field] else { continue }
            let values = reference.many ? (value.arrayValue ?? []) : [value]
            for v in values where !Reference.namesNothing(v) {
                // A row may name itself's siblings in the same entity (a category's parent).
                if try !exists(reference.target, v) {
                    let target = self.entity(reference.target).noun
                    throw APIError(status: status, title: "The \(entity.noun) names \(target) \(Self.key(v)), which does not exist",
                                   errors: [(reference.field, "no \(target) with id \(Self.key(v))")])
                }
            }
        }
    }

    /// A body value as its column keeps it.
    static func columnValue(_ column: Column, _ value: JSON?) -> DatabaseValue {
        guard let value else { return .null }
        switch column.kind {
        case .int:
            if let i = value.intValue { return i.databaseValue }
            if let s = value.stringValue, let i = Int64(s) { return i.databaseValue }
            return .null
        case .real:
            if let d = value.doubleValue { return d.databaseValue }
            if let s = value.stringValue, let d = Double(s) { return d.databaseValue }
            return .null
        case .text:
            if let s = value.stringValue { return s.databaseValue }
            if let i = value.intValue { return String(i).databaseValue }
            return .null
        case .bool:
            if let b = value.boolValue { return (b ? 1 : 0).databaseValue }
            if let i = value.intValue { return (i != 0 ? 1 : 0).databaseValue }
            return .null
        case .time:
            if let s = value.stringValue { return Instant.seconds(s)?.databaseValue ?? .null }
            if let i = value.intValue { return i.databaseValue }
            return .null
        }
    }
}
