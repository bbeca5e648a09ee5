import GRDB
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// A sandbox kept in SQLite (WAL, through GRDB) so it survives restarts. Every change a
/// request applies is written before the answer goes out.
final class SandboxDatabase: Sendable {
    let pool: DatabasePool
    static let format = "storescript-sandbox/1"

    private init(pool: DatabasePool) { self.pool = pool }

    /// Opens `path`: a new file gets the schema (and nil: the caller seeds it); an existing
    /// sandbox database gets its store back. Anything else is refused, never replaced.
    static func open(path: String) throws -> (SandboxDatabase, StoreState?) {
        // Look before touching: opening a pool switches the file to WAL, which would change a
        // file that is not ours.
        var st = stat()
        let isNew = stat(path, &st) != 0 || st.st_size == 0
        if !isNew {
            var readOnly = Configuration()
            readOnly.readonly = true
            let format: String?
            do {
                let queue = try DatabaseQueue(path: path, configuration: readOnly)
                format = try queue.read { db -> String? in
                    guard try db.tableExists("meta") else { return nil }
                    return try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'format'")
                }
                try queue.close()
            } catch {
                throw SandboxConfigurationError("--db \(path) is not a usable sandbox database (\(error)); it was left untouched: move it away or choose another path")
            }
            guard format == SandboxDatabase.format else {
                throw SandboxConfigurationError("--db \(path) is a SQLite database but not a storescript sandbox; it was left untouched: choose another path")
            }
        }
        // The file holds what requests put there, private keys among them: only its owner
        // reads it (and the WAL and SHM files, which SQLite makes with the database's mode).
        if isNew {
            let fd = Glibc.open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
        }
        chmod(path, 0o600)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path)
        } catch {
            throw SandboxConfigurationError("cannot open --db \(path): \(error); choose another path")
        }
        for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
        let database = SandboxDatabase(pool: pool)
        if isNew {
            try database.createSchema()
            return (database, nil)
        }
        // The seed is written in one transaction after the schema: a file killed in between
        // has the schema and nothing else, and is seeded now (no request was ever served from it).
        if try pool.read({ db in try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM collections) + (SELECT COUNT(*) FROM singletons)") ?? 0 }) == 0 {
            return (database, nil)
        }
        return (database, try database.load())
    }

    private func createSchema() throws {
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE collections(path TEXT PRIMARY KEY, template TEXT NOT NULL, next_id INTEGER NOT NULL);
                CREATE TABLE resources(collection TEXT NOT NULL, id TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
                                       PRIMARY KEY(collection, id));
                CREATE INDEX resources_order ON resources(collection, position);
                CREATE TABLE singletons(path TEXT PRIMARY KEY, body TEXT NOT NULL);
                INSERT INTO meta(key, value) VALUES('format', '\(SandboxDatabase.format)'), ('uuid_counter', '0');
                """)
        }
    }

    private func load() throws -> StoreState {
        try pool.read { db in
            var s = StoreState()
            for row in try Row.fetchAll(db, sql: "SELECT path, template, next_id FROM collections") {
                let path: String = row["path"], template: String = row["template"]
                s.withCollection(path, template: template) { $0.nextID = row["next_id"] }
            }
            let rows = try Row.fetchCursor(db, sql: "SELECT collection, id, body FROM resources ORDER BY collection, position")
            while let row = try rows.next() {
                let collection: String = row["collection"], id: String = row["id"], body: String = row["body"]
                guard case .object(let o) = try JSON.parse(body) else { continue }
                s.collections[collection]?.insert(id, o)
            }
            for row in try Row.fetchAll(db, sql: "SELECT path, body FROM singletons") {
                s.singletons[row["path"]] = try JSON.parse(row["body"] as String)
            }
            s.uuidCounter = UInt64(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'uuid_counter'") ?? "0") ?? 0
            for path in s.collections.keys { s.collections[path]!.pending = [:] }
            s.dirtySingletons = []
            return s
        }
    }

    /// Writes what changed since the last flush, in one transaction, and forgets it.
    func flush(_ s: inout StoreState) throws {
        let dirty = s.collections.filter { !$0.value.pending.isEmpty }
        guard !dirty.isEmpty || !s.dirtySingletons.isEmpty else { return }
        let templates = s.byTemplate.reduce(into: [String: String]()) { m, entry in for p in entry.value { m[p] = entry.key } }
        let singletons = s.dirtySingletons.map { ($0, s.singletons[$0]) }
        let uuidCounter = s.uuidCounter
        try pool.write { db in
            for (path, collection) in dirty {
                try db.execute(sql: "INSERT INTO collections(path, template, next_id) VALUES(?, ?, ?) ON CONFLICT(path) DO UPDATE SET next_id = excluded.next_id",
                               arguments: [path, templates[path] ?? path, collection.nextID])
                // New items in the collection's order, so positions keep it; then removals.
                let upserts = collection.order.compactMap { id in collection.pending[id].flatMap { $0.map { (id, $0) } } }
                let removals = collection.pending.filter { $0.value == nil }.map { ($0.key, JSONObject?.none) }
                for (id, object) in upserts.map({ ($0.0, Optional($0.1)) }) + removals {
                    if let object {
                        try db.execute(sql: """
                            INSERT INTO resources(collection, id, position, body)
                            VALUES(?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM resources WHERE collection = ?), ?)
                            ON CONFLICT(collection, id) DO UPDATE SET body = excluded.body
                            """, arguments: [path, id, path, JSON.object(object).text])
                    } else {
                        try db.execute(sql: "DELETE FROM resources WHERE collection = ? AND id = ?", arguments: [path, id])
                    }
                }
            }
            for (path, value) in singletons {
                if let value {
                    try db.execute(sql: "INSERT INTO singletons(path, body) VALUES(?, ?) ON CONFLICT(path) DO UPDATE SET body = excluded.body",
                                   arguments: [path, value.text])
                } else {
                    try db.execute(sql: "DELETE FROM singletons WHERE path = ?", arguments: [path])
                }
            }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'uuid_counter'", arguments: [String(uuidCounter)])
        }
        for path in dirty.keys { s.collections[path]!.pending = [:] }
        s.dirtySingletons = []
    }
}
