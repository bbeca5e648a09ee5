import GRDB
import JSON

/// Everything the sandbox store holds, and the transaction a request works in. Every handler
/// runs on it synchronously, under the sandbox's lock, inside one transaction: what a request
/// changes is committed when it answers, or not at all (a 207 batch commits the items it applied).
struct StoreState {
    let database: StoreDatabase
    /// The store's clock: wall time, moved by tests (`/__sandbox/time`).
    var clock = SandboxClock()
    /// How long the store's slow work takes (theme jobs, certificate issuance).
    var timing = SandboxConfiguration.Timing()
    /// The connection of the transaction in progress.
    private(set) var connection: Database?
    /// The request whose changes the change log is recording (its sequence in the request log).
    var request = 0
    /// Off while the demo store is seeded: the change log starts empty.
    var logsChanges = true
    /// The least id a counted row made here takes: 1 in a store of its own; in an overlay of a
    /// real store, far above its ids, so a row the plan makes never takes one the store has.
    var firstMadeID: Int64 = 1
    /// Where this store's UUIDs start: 0, the same sequence every run; an overlay's are drawn
    /// at random, so they never repeat the real store's (made by the same sequence).
    var uuidSpace: UInt64 = 0
    /// Webhook callbacks to post once the transaction commits (the sandbox takes them).
    var outbox: [Callback] = []
    /// The store's hash, as callbacks name their producer (`stores/HASH`).
    var storeHash = "sandbox"
    /// Webhooks may point at loopback http destinations (a sandbox started for tests).
    var loopbackHooks = false

    init(database: StoreDatabase = .inMemory()) { self.database = database }

    var catalog: EntityCatalog { database.catalog }

    // MARK: Transactions

    /// Runs `body` in a transaction (or in the one in progress): committed if it returns,
    /// rolled back if it throws.
    mutating func transaction<T>(_ body: (inout StoreState) throws(APIError) -> T) throws(APIError) -> T {
        if connection != nil { return try body(&self) }
        var result: Result<T, APIError>?
        do {
            try database.queue.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                connection = db
                defer { connection = nil }
                result = Result { () throws(APIError) in try body(&self) }
                if case .success = result {
                    try db.execute(sql: "COMMIT")
                    database.committed()
                } else {
                    try db.execute(sql: "ROLLBACK")
                    database.rolledBack()
                }
            }
        } catch {
            database.rolledBack()
            outbox = []
            throw APIError(status: 500, title: "The sandbox database failed: \(error)")
        }
        guard case .success(let value) = result! else {
            outbox = []
            return try result!.get()
        }
        return value
    }

    /// The callbacks committed transactions left to post.
    mutating func takeOutbox() -> [Callback] {
        defer { outbox = [] }
        return outbox
    }

    /// Runs `body` so that, if it throws, none of its changes stay (one item of a batch).
    mutating func attempt<T>(_ body: (inout StoreState) throws(APIError) -> T) throws(APIError) -> T {
        try sql { db in try db.execute(sql: "SAVEPOINT item") }
        let pending = outbox.count
        do throws(APIError) {
            let value = try body(&self)
            try sql { db in try db.execute(sql: "RELEASE item") }
            return value
        } catch {
            try sql { db in
                try db.execute(sql: "ROLLBACK TO item; RELEASE item")
                try database.recheckTables(db)
            }
            outbox.removeSubrange(pending...)
            throw error
        }
    }

    /// Runs SQL on the transaction's connection; a failure is the API's 500 (a duplicate the
    /// checks missed, its 409).
    func sql<T>(_ body: (Database) throws -> T) throws(APIError) -> T {
        guard let db = connection else { preconditionFailure("the sandbox store was read outside a transaction") }
        do {
            return try body(db)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw APIError.conflict("The change conflicts with a row the store holds: \(error.message ?? "a constraint failed")")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(status: 500, title: "The sandbox database failed: \(error)")
        }
    }

    // MARK: Counters and singletons

    /// A deterministic UUID-shaped id (the counter is kept with the store).
    mutating func uuid() throws(APIError) -> String {
        let counter = try sql { db -> UInt64 in
            let n = UInt64(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'uuid_counter'") ?? "0") ?? 0
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'uuid_counter'", arguments: [String(n + 1)])
            return n + 1
        }
        var r = SeededRandom(seed: (counter &+ uuidSpace) &* 0x2545F4914F6CDD1D)
        func hex(_ n: Int) -> String {
            var s = ""
            for _ in 0..<n { s += String(r.next() % 16, radix: 16) }
            return s
        }
        return "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))"
    }

    /// A singleton (`/v3/settings/catalog`, `/v3/sites/1/certificate`), by its concrete path.
    func singleton(_ path: String) throws(APIError) -> JSON? {
        try sql { db in try String.fetchOne(db, sql: "SELECT body FROM singletons WHERE path = ?", arguments: [path]) }
            .map { text throws(APIError) in try Self.decode(text) }
    }

    mutating func setSingleton(_ path: String, _ value: JSON?) throws(APIError) {
        let before = try singleton(path)
        try sql { db in
            if let value {
                try db.execute(sql: "INSERT INTO singletons(path, body) VALUES(?, ?) ON CONFLICT(path) DO UPDATE SET body = excluded.body",
                               arguments: [path, value.text])
            } else {
                try db.execute(sql: "DELETE FROM singletons WHERE path = ?", arguments: [path])
            }
        }
        if !path.hasPrefix("/__sandbox/") {
            try log(EntityName(path), id: .string(path), action: value == nil ? .deleted : (before == nil ? .created : .updated),
                    before: before?.objectValue, after: value?.objectValue)
        }
    }

    static func decode(_ text: String) throws(APIError) -> JSON {
        do { return try JSON.parse(text) } catch { throw APIError(status: 500, title: "The sandbox database holds a row that is not JSON: \(error)") }
    }

    static func decodeObject(_ text: String) throws(APIError) -> JSONObject {
        guard case .object(let o) = try decode(text) else { throw APIError(status: 500, title: "The sandbox database holds a row that is not an object") }
        return o
    }

    // MARK: The snapshot

    /// The store as one JSON document (`/__sandbox/state`): each entity's rows in order, the singletons.
    func snapshot() throws(APIError) -> JSON {
        var entities = JSONObject()
        for name in database.entityTables {
            let rows = try self.rows(name)
            if !rows.isEmpty { entities[name.raw] = .array(rows.map { .object($0) }) }
        }
        let singles = try sql { db in try Row.fetchAll(db, sql: "SELECT path, body FROM singletons ORDER BY path").map { ($0[0] as String, $0[1] as String) } }
        var singletons = JSONObject()
        for (path, body) in singles { singletons[path] = try Self.decode(body) }
        return .object(JSONObject([("entities", .object(entities)), ("singletons", .object(singletons))]))
    }
}

extension StoreDatabase {
    /// After a savepoint rolled back: tables it made are gone.
    func recheckTables(_ db: Database) throws {
        let existing = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        forgetMissing(existing)
    }
}

extension StoreState {
    /// `categories` → `category`, `brands` → `brand`: what a collection's items are called.
    static func singular(_ plural: String) -> String {
        if plural.hasSuffix("ies") { return plural.dropLast(3) + "y" }
        if plural.hasSuffix("uses") { return String(plural.dropLast(2)) }  // statuses
        if plural.hasSuffix("tus") || plural.hasSuffix("ss") { return plural }  // status, address (not menus)
        if plural.hasSuffix("sses") || plural.hasSuffix("xes") { return String(plural.dropLast(2)) }
        return plural.hasSuffix("s") ? String(plural.dropLast()) : plural
    }

    /// An id as text: `42`, or a UUID.
    static func key(_ id: JSON) -> String { id.intValue.map(String.init) ?? id.stringValue ?? "" }
}
