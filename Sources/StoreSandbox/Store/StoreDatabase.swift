import GRDB
import JSON
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The store's SQLite database, through GRDB: in memory by default, a file with `--db`, the
/// same code either way. A table per entity (made the first time a row is written), the
/// singletons, the change log and the store's counters.
///
/// An entity's table: `id` (an integer the store counts, or text), `parent` (the id of the row
/// it hangs on), `body` (the row as JSON text), and one typed, indexed `f_<field>` column per
/// declared column; unique keys are UNIQUE indexes. An array of references (`categories`) has a
/// side table `<entity>.<field>(owner, target)`, indexed both ways.
final class StoreDatabase: Sendable {
    let queue: DatabaseQueue
    let catalog: EntityCatalog
    static let format = "storescript-sandbox/2"
    /// Tables that exist, and those made by the transaction in progress (forgotten if it rolls back).
    private let tables: Mutex<(made: Set<String>, pending: Set<String>)>

    private init(queue: DatabaseQueue, catalog: EntityCatalog, tables: Set<String>) {
        (self.queue, self.catalog) = (queue, catalog)
        self.tables = Mutex((tables, []))
    }

    /// A new store in memory.
    static func inMemory(catalog: EntityCatalog = .shared) -> StoreDatabase {
        do {
            let queue = try DatabaseQueue(configuration: configuration())
            try queue.write { db in try createSchema(db) }
            return StoreDatabase(queue: queue, catalog: catalog, tables: [])
        } catch {
            // Nothing but memory can fail here.
            fatalError("the sandbox's in-memory database could not be made: \(error)")
        }
    }

    /// Opens `path`: a new (or empty) file gets the schema and `isNew`; a sandbox database of
    /// this format gets its store back. Anything else is refused, never changed.
    static func open(path: String, catalog: EntityCatalog = .shared) throws -> (StoreDatabase, isNew: Bool) {
        // Look before touching: opening for writing would change a file that is not ours.
        var st = stat()
        let exists = stat(path, &st) == 0 && st.st_size > 0
        if exists {
            var readOnly = Configuration()
            readOnly.readonly = true
            let format: String?
            do {
                let probe = try DatabaseQueue(path: path, configuration: readOnly)
                format = try probe.read { db -> String? in
                    guard try db.tableExists("meta") else { return nil }
                    return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'")
                }
                try probe.close()
            } catch {
                throw SandboxConfigurationError("--db \(path) is not a usable sandbox database (\(error)); it was left untouched: move it away or choose another path")
            }
            if format == "storescript-sandbox/1" {
                throw SandboxConfigurationError("--db \(path) was written by storescript 0.6 or earlier, whose sandbox kept rows by path; it was left untouched: move it away (the new sandbox starts with the demo store)")
            }
            guard format == Self.format else {
                throw SandboxConfigurationError("--db \(path) is a SQLite database but not a storescript sandbox; it was left untouched: choose another path")
            }
        } else {
            // The file holds what requests put there, private keys among them: only its owner
            // reads it (SQLite makes the WAL and SHM files with the database's mode).
            let fd = Glibc.open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        chmod(path, 0o600)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration())
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            }
        } catch {
            throw SandboxConfigurationError("cannot open --db \(path): \(error); choose another path")
        }
        for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
        // The seed is written in one transaction after the schema: a file killed in between has
        // the schema and no `seeded` mark, and is seeded now (no request was ever served from it).
        let (tables, seeded) = try queue.write { db -> (Set<String>, Bool) in
            if try !db.tableExists("meta") { try createSchema(db) }
            try db.execute(sql: Self.changesByRow)
            let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            let seeded = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'seeded'") != nil
            return (tables, seeded)
        }
        return (StoreDatabase(queue: queue, catalog: catalog, tables: tables), !seeded)
    }

    private static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "storescript.sandbox"
        config.prepareDatabase { db in
            db.add(function: RowQuery.matchFunction)
        }
        return config
    }

    private static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE singletons(path TEXT PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, item TEXT NOT NULL,
                                 action TEXT NOT NULL, before TEXT, after TEXT, at_ms INTEGER NOT NULL, request INTEGER NOT NULL);
            INSERT INTO meta(key, value) VALUES('format', '\(format)'), ('uuid_counter', '0');
            """)
        try db.execute(sql: changesByRow)
    }

    /// What happened to one row (an overlay asks for every row a plan reads or writes).
    private static let changesByRow = "CREATE INDEX IF NOT EXISTS changes_by_row ON changes(item, entity)"

    /// Marks the store seeded (in the seed's transaction).
    static func markSeeded(_ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES('seeded', '1')")
    }

    // MARK: Tables

    static func table(_ entity: EntityName) -> String { quote("e:" + entity.raw) }
    static func sideTable(_ entity: EntityName, _ field: String) -> String { quote("m:" + entity.raw + "." + field) }
    static func quote(_ identifier: String) -> String { "\"" + identifier.replacing("\"", with: "\"\"") + "\"" }

    func hasTable(_ entity: EntityName) -> Bool {
        let name = "e:" + entity.raw
        return tables.withLock { $0.made.contains(name) || $0.pending.contains(name) }
    }

    /// Makes the entity's table (and side tables and indexes) unless it exists.
    func ensureTable(_ entity: Entity, _ db: Database) throws {
        guard !hasTable(entity.name) else { return }
        let table = Self.table(entity.name)
        let id = entity.isCounted ? "id INTEGER PRIMARY KEY AUTOINCREMENT" : "id TEXT PRIMARY KEY NOT NULL"
        let columns = entity.allColumns.map { c -> String in
            switch c.kind {
            case .int, .bool, .time: "\(c.sqlName) INTEGER"
            case .real: "\(c.sqlName) REAL"
            case .text: "\(c.sqlName) TEXT"
            }
        }
        var sql = "CREATE TABLE \(table)(\(([id, "parent", "body TEXT NOT NULL"] + columns).joined(separator: ", ")));\n"
        let stem = "e:" + entity.name.raw
        sql += "CREATE INDEX \(Self.quote(stem + "/parent")) ON \(table)(parent);\n"
        for c in entity.allColumns {
            let collate = c.kind == .text ? " COLLATE NOCASE" : ""
            sql += "CREATE INDEX \(Self.quote(stem + "/" + c.field)) ON \(table)(\(c.sqlName)\(collate));\n"
        }
        for key in entity.unique {
            let collate = key.ignoringCase ? " COLLATE NOCASE" : ""
            let columns = (key.perParent ? ["parent"] : []) + key.fields.map { "f_" + $0 + collate }
            sql += "CREATE UNIQUE INDEX \(Self.quote(stem + "/unique/" + key.fields.joined(separator: "+"))) ON \(table)(\(columns.joined(separator: ", "))) WHERE \(key.partialClause);\n"
        }
        for reference in entity.references where reference.many {
            let side = Self.sideTable(entity.name, reference.field)
            sql += "CREATE TABLE \(side)(owner NOT NULL, target NOT NULL, PRIMARY KEY(owner, target)) WITHOUT ROWID;\n"
            sql += "CREATE INDEX \(Self.quote("m:" + entity.name.raw + "." + reference.field + "/target")) ON \(side)(target);\n"
        }
        if case .counted(let first) = entity.ids, first > 1 {
            sql += "INSERT INTO sqlite_sequence(name, seq) VALUES('\(("e:" + entity.name.raw).replacing("'", with: "''"))', \(first - 1));\n"
        }
        try db.execute(sql: sql)
        tables.withLock { _ = $0.pending.insert(stem) }
    }

    /// The transaction in progress committed: its tables stay.
    func committed() { tables.withLock { t in t.made.formUnion(t.pending); t.pending = [] } }

    /// The transaction in progress rolled back: its tables are gone.
    func rolledBack() { tables.withLock { $0.pending = [] } }

    /// Keeps only the pending tables that `existing` still has (a savepoint rolled back).
    func forgetMissing(_ existing: Set<String>) { tables.withLock { $0.pending.formIntersection(existing) } }

    /// Tables that exist, by entity (for the snapshot).
    var entityTables: [EntityName] {
        tables.withLock { t in t.made.union(t.pending).filter { $0.hasPrefix("e:") }.map { EntityName(String($0.dropFirst(2))) } }.sorted()
    }
}

extension UniqueKey {
    /// The rows the key holds for: none of its fields null or exempt. The UNIQUE index is partial
    /// on it, and a check repeats it word for word so that SQLite can use the index.
    var partialClause: String {
        fields.map { f in "f_\(f) IS NOT NULL" + exempt.sorted().map { " AND f_\(f) != '\($0.replacing("'", with: "''"))'" }.joined() }
            .joined(separator: " AND ")
    }
}
