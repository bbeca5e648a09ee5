import GRDB
import JSON

/// Which rows of an entity a list reads — under which parent, through which filters, in what
/// order, which page — as one SQL query over the entity's table: declared columns compare as
/// their types over their indexes (`date_modified:min` as instants, `sort=price` as numbers),
/// an array of references through its side table (`categories:in`), any other field through
/// the body's JSON with the sandbox's filter rules (`Filters`).
struct RowQuery {
    enum Op: String, Sendable { case eq, `in`, notIn = "not_in", min, max, greater, less, like }

    struct Filter {
        var field: String
        var op: Op
        var value: String
    }

    enum Page {
        case all
        case offset(limit: Int, offset: Int)
        /// Rows after (or before) a cursor, as `meta.cursor_pagination` gives them.
        case after(String?, limit: Int)
        case before(String, limit: Int)
    }

    /// nil: rows under every parent.
    var parent: JSON?
    var filters: [Filter] = []
    /// `keyword`: name, sku or description contains it, any case.
    var keyword: String?
    var sort: String?
    var descending = false
    var page = Page.all
    /// Conditions a family adds in SQL (inventory items: variants of products that track inventory).
    var extra: [(sql: String, arguments: [DatabaseValue])] = []

    /// `field=v`, `field:in=a,b`, v2's `min_field` and `max_field`; nil for a parameter that is
    /// not a filter (paging, `include`).
    static func filter(_ name: String, _ value: String) -> Filter? {
        guard !Filters.skipped.contains(name), name != "after", name != "before", name != "keyword" else { return nil }
        var parts = name.split(separator: ":", maxSplits: 1).map(String.init)
        for (prefix, bound) in [("min_", "min"), ("max_", "max")] where parts.count == 1 && name.hasPrefix(prefix) {
            parts = [String(name.dropFirst(prefix.count)), bound]
        }
        guard let field = parts.first, isFieldName(field) else { return nil }
        let op = parts.count > 1 ? Op(rawValue: parts[1]) : .eq
        // An operator the store does not know is ignored, as the API ignores what it does not know.
        return op.map { Filter(field: field, op: $0, value: value) }
    }

    /// A name a filter or sort can give (`date_modified`, `custom-url`); anything else is not a
    /// field of any row and is ignored, as the API ignores what it does not know.
    static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
        }
    }

    // MARK: SQL

    /// The WHERE clause and its arguments.
    func conditions(_ entity: Entity, _ s: StoreState) -> (String, [DatabaseValue]) {
        var clauses: [String] = [], arguments: [DatabaseValue] = []
        if let parent, let parentEntity = entity.parent?.entity {
            clauses.append("parent = ?")
            arguments.append(s.key(s.entity(parentEntity), parent) ?? .null)
        }
        for filter in filters {
            let (clause, args) = condition(filter, entity, s)
            clauses.append(clause)
            arguments += args
        }
        for (sql, args) in extra {
            clauses.append(sql)
            arguments += args
        }
        if let keyword, !keyword.isEmpty {
            let pattern = "%" + Self.escapeLike(keyword) + "%"
            let fields = ["name", "sku", "description"].map { f -> String in
                if let c = entity.column(f) { return "\(c.sqlName) LIKE ? ESCAPE '\\'" }
                return "json_extract(body, '$.\(f)') LIKE ? ESCAPE '\\'"
            }
            clauses.append("(" + fields.joined(separator: " OR ") + ")")
            arguments += Array(repeating: pattern.databaseValue, count: fields.count)
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }

    static func escapeLike(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    private func condition(_ filter: Filter, _ entity: Entity, _ s: StoreState) -> (String, [DatabaseValue]) {
        let values = filter.op == .in || filter.op == .notIn ? filter.value.split(separator: ",").map(String.init) : [filter.value]
        // An array of references: through its side table.
        if let reference = entity.references.first(where: { $0.many && $0.field == filter.field }) {
            let target = s.entity(reference.target)
            let keys = values.compactMap { s.key(target, $0) }
            let side = StoreDatabase.sideTable(entity.name, reference.field)
            let list = Array(repeating: "?", count: max(keys.count, 1)).joined(separator: ", ")
            let inner = "id IN (SELECT owner FROM \(side) WHERE target IN (\(list)))"
            let args = keys.isEmpty ? [DatabaseValue.null] : keys
            return (filter.op == .notIn ? "NOT " + inner : inner, args)
        }
        let column: (sql: String, kind: Column.Kind)?
        if filter.field == "id" {
            column = ("id", entity.isCounted ? .int : .text)
        } else if let parent = entity.parent, parent.field == filter.field {
            // The field naming the parent is the parent column (`product_id` of a variant).
            column = ("parent", s.entity(parent.entity).isCounted ? .int : .text)
        } else {
            column = entity.column(filter.field).map { ($0.sqlName, $0.kind) }
        }
        guard let (sql, kind) = column else {
            let path = "$.\"" + filter.field.replacing("\"", with: "\\\"") + "\""
            return ("sbx_match(json_extract(body, ?), json_type(body, ?), ?, ?)",
                    [path.databaseValue, path.databaseValue, filter.op.rawValue.databaseValue, filter.value.databaseValue])
        }
        let typed = values.map { Self.typed($0, kind) }
        switch filter.op {
        case .eq, .in, .notIn:
            let known = typed.compactMap { $0 }
            if known.isEmpty { return (filter.op == .notIn ? "1" : "0", []) }
            let list = Array(repeating: "?", count: known.count).joined(separator: ", ")
            // Text compares without case, as the API's database does (and as the column's index is kept).
            let collate = kind == .text ? " COLLATE NOCASE" : ""
            return filter.op == .notIn ? ("(\(sql) IS NULL OR \(sql)\(collate) NOT IN (\(list)))", known) : ("\(sql)\(collate) IN (\(list))", known)
        case .min, .max, .greater, .less:
            // A bound that is not of the field's type is ignored, as the API ignores it.
            guard let bound = typed[0] else { return ("1", []) }
            let comparison = [.min: ">=", .max: "<=", .greater: ">", .less: "<"][filter.op]!
            return ("\(sql) \(comparison) ?", [bound])
        case .like:
            return ("\(sql) LIKE ? ESCAPE '\\'", ["%" + Self.escapeLike(filter.value) + "%"].map(\.databaseValue))
        }
    }

    /// A query value as the column's type; nil when it is not one.
    static func typed(_ value: String, _ kind: Column.Kind) -> DatabaseValue? {
        switch kind {
        case .int: Int64(value)?.databaseValue ?? Double(value)?.databaseValue
        case .real: Double(value)?.databaseValue
        case .text: value.databaseValue
        case .bool: ["true": 1, "1": 1, "false": 0, "0": 0][value].map { Int64($0).databaseValue }
        case .time: Instant.seconds(value)?.databaseValue
        }
    }

    /// How rows are ordered: `key` in ORDER BY and in the cursor's comparison (its
    /// `arguments` bound at each use), read back as the cursor's value.
    struct Order {
        let key: String
        let arguments: [DatabaseValue]
        /// A declared column the key reads as it is, so its index orders the rows; its nulls
        /// sort first, as SQLite sorts them, and a cursor compares them by hand.
        let nullableColumn: String?
    }

    /// The sort key: the sort field (typed where declared, text without case), nulls first;
    /// nil: creation order.
    func order(_ entity: Entity) -> Order? {
        guard let sort else { return nil }
        if sort == "id" { return Order(key: entity.isCounted ? "rowid" : "id", arguments: [], nullableColumn: nil) }
        if let c = entity.column(sort) {
            return Order(key: c.sqlName + (c.kind == .text ? " COLLATE NOCASE" : ""), arguments: [], nullableColumn: c.sqlName)
        }
        let path = "$.\"" + sort.replacing("\"", with: "\\\"") + "\""
        return Order(key: "IFNULL(json_extract(body, ?), -1e308) COLLATE NOCASE", arguments: [path.databaseValue], nullableColumn: nil)
    }

    /// The condition for rows past `cursor` in the list's order.
    static func past(_ cursor: String, descending: Bool, order: Order?) throws(APIError) -> (String, [DatabaseValue]) {
        guard let position = Cursor(cursor) else {
            throw APIError(status: 400, title: "The cursor is not one this store gave", errors: [("after", "invalid cursor \(cursor)")])
        }
        let comparison = descending ? "<" : ">"
        let row = position.row.databaseValue
        guard let order, order.key != "rowid" else { return (" AND rowid \(comparison) ?", [row]) }
        guard let column = order.nullableColumn else {
            return (" AND (\(order.key), rowid) \(comparison) (?, ?)", order.arguments + [position.value, row])
        }
        // Nulls come first: past a null, the other nulls after it and (ascending) every value;
        // past a value, the values after it and (descending) every null.
        switch (position.value.isNull, descending) {
        case (true, false): return (" AND (\(column) IS NOT NULL OR rowid > ?)", [row])
        case (true, true): return (" AND \(column) IS NULL AND rowid < ?", [row])
        case (false, false): return (" AND (\(order.key), rowid) > (?, ?)", [position.value, row])
        case (false, true): return (" AND ((\(order.key), rowid) < (?, ?) OR \(column) IS NULL)", [position.value, row])
        }
    }

    // MARK: The filter rules as an SQL function

    /// `sbx_match(value, json_type, op, operand)`: one filter over a body field, by `Filters.test`.
    static let matchFunction = DatabaseFunction("sbx_match", argumentCount: 4, pure: true) { args in match(args) }

    // A function of its own, not the closure's body: swiftc 6.3.1 crashes optimizing that
    // closure (CopyPropagation) when the body is inline.
    private static func match(_ args: [DatabaseValue]) -> Bool {
        guard let type = String.fromDatabaseValue(args[1]) else { return true } // absent: ignored
        guard let op = String.fromDatabaseValue(args[2]), let operand = String.fromDatabaseValue(args[3]) else { return true }
        return Filters.test(value(args[0], jsonType: type), op, operand)
    }

    /// A body field as SQLite's `json_extract` and `json_type` give it.
    private static func value(_ stored: DatabaseValue, jsonType type: String) -> JSON {
        switch type {
        case "null": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "integer": return Int64.fromDatabaseValue(stored).map { .int($0) } ?? .null
        case "real": return Double.fromDatabaseValue(stored).map { .double($0) } ?? .null
        case "text": return String.fromDatabaseValue(stored).map { .string($0) } ?? .null
        default:
            guard let text = String.fromDatabaseValue(stored) else { return .null }
            do { return try JSON.parse(text) } catch { return .null }
        }
    }
}

extension StoreState {
    /// The rows a query selects (its page), with how many match in all (`total`, nil for a
    /// cursor page) and, for a cursor page, whether more lie beyond it.
    func rows(_ name: EntityName, _ query: RowQuery) throws(APIError) -> (items: [JSONObject], total: Int?, more: Bool, cursors: (start: String?, end: String?)) {
        guard database.hasTable(name) else { return ([], 0, false, (nil, nil)) }
        let entity = entity(name)
        let (whereClause, whereArguments) = query.conditions(entity, self)
        let order = query.order(entity)
        let sortArguments = order?.arguments ?? []
        let table = StoreDatabase.table(name)
        var arguments = whereArguments
        var clause = whereClause
        var descending = query.descending
        var limit = -1, offset = 0
        var total: Int?
        var cursorPage = false
        switch query.page {
        case .all:
            break
        case .offset(let l, let o):
            (limit, offset) = (l, o)
            total = try count(table, whereClause, whereArguments)
        case .after(let cursor, let l):
            (limit, cursorPage) = (l + 1, true)
            if let cursor {
                let (more, args) = try RowQuery.past(cursor, descending: descending, order: order)
                clause += more
                arguments += args
            }
        case .before(let cursor, let l):
            (limit, cursorPage) = (l + 1, true)
            descending.toggle()
            let (more, args) = try RowQuery.past(cursor, descending: descending, order: order)
            clause += more
            arguments += args
        }
        let direction = descending ? " DESC" : ""
        let orderBy = (order.map { "\($0.key)\(direction), " } ?? "") + "rowid\(direction)"
        let sql = "SELECT body, rowid, \(order?.key ?? "NULL") FROM \(table) WHERE \(clause) ORDER BY \(orderBy) LIMIT \(limit) OFFSET \(offset)"
        let fetched = try self.sql { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(sortArguments + arguments + sortArguments))
                .map { ($0[0] as String, $0[1] as Int64, $0[2] as DatabaseValue) }
        }
        var page = fetched
        var more = false
        if cursorPage, case .after(_, let l) = query.page, page.count > l { (more, page) = (true, Array(page.prefix(l))) }
        if cursorPage, case .before(_, let l) = query.page {
            if page.count > l { (more, page) = (true, Array(page.prefix(l))) }
            page.reverse()
        }
        let items = try page.map { text, _, _ throws(APIError) in try Self.decodeObject(text) }
        let cursors = (page.first.map { Cursor(row: $0.1, value: $0.2).text }, page.last.map { Cursor(row: $0.1, value: $0.2).text })
        return (items, total, more, cursors)
    }

    func count(_ name: EntityName, _ query: RowQuery) throws(APIError) -> Int {
        guard database.hasTable(name) else { return 0 }
        let (clause, arguments) = query.conditions(entity(name), self)
        return try count(StoreDatabase.table(name), clause, arguments)
    }

    private func count(_ table: String, _ clause: String, _ arguments: [DatabaseValue]) throws(APIError) -> Int {
        try sql { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM \(table) WHERE \(clause)"), arguments: StatementArguments(arguments)) } ?? 0
    }
}

/// A position in a list: the row's sort value and its row number, as opaque text (base64 of
/// `id:7` when the list is in creation order, as the API's own cursors read).
struct Cursor {
    let row: Int64
    let value: DatabaseValue

    init(row: Int64, value: DatabaseValue) { (self.row, self.value) = (row, value) }

    init?(_ text: String) {
        let decoded = String(decoding: Base64.decode(text), as: UTF8.self)
        if decoded.hasPrefix("id:"), let row = Int64(decoded.dropFirst(3)) {
            (self.row, self.value) = (row, .null)
            return
        }
        guard case .array(let parts)? = try? JSON.parse(decoded), parts.count == 2, let row = parts[1].intValue else { return nil }
        self.row = row
        switch parts[0] {
        case .int(let i): value = i.databaseValue
        case .double(let d): value = d.databaseValue
        case .string(let s): value = s.databaseValue
        default: value = .null
        }
    }

    var text: String {
        switch value.storage {
        case .null: return Base64.encode(Array("id:\(row)".utf8))
        case .int64(let i): return Base64.encode(JSON.array([.int(i), .int(row)]).serialized())
        case .double(let d): return Base64.encode(JSON.array([.double(d), .int(row)]).serialized())
        case .string(let s): return Base64.encode(JSON.array([.string(s), .int(row)]).serialized())
        case .blob: return Base64.encode(Array("id:\(row)".utf8))
        }
    }
}
