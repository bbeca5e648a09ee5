#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import LuaKit

/// The Swift half of `state`: named durable stores, one SQLite file each (WAL), under the state
/// directory. Keys and values arrive and leave as bytes (the Lua half, state.lua, encodes
/// values so that they come back type for type); `begin`/`commit`/`rollback` are statements on
/// the store's connection, so a transaction may span calls that yield (bindings) without a
/// Swift frame waiting across them. A transaction belongs to the task that began it: another
/// task's reads and writes wait for it to end (`busy`, `await`) instead of joining it. Two
/// processes share a store through SQLite's locks: writes take the lock at BEGIN IMMEDIATE and
/// wait for it up to ten seconds.
///
/// Stores belong to a store: by default they live in `ROOT/stores/IDENTITY/` (ROOT the state
/// root, IDENTITY the store's hash and API origin), so runs for different stores never share
/// one; `--state-dir` names the directory instead.
public final class StateStores {
    let directory: String
    /// The store whose stores these are (nil: no store configured), for `state.owner`.
    let owner: StoreIdentity?
    /// Where storescript 0.5 kept what now lives in `directory` (one directory for every store,
    /// or a profile's under `--profiles`): a store found there is refused, never silently shared.
    let earlier: [String]
    private var open: [String: DatabaseQueue] = [:]
    private weak var scheduler: Scheduler?
    /// The task whose transaction holds each store, and the tasks waiting for it to end.
    private var holders: [String: Int] = [:]
    private var waiting: [String: [Scheduler.Wakeup]] = [:]
    /// The stores a transaction deleted from: their log is emptied when it commits.
    private var deletedInTransaction: Set<String> = []

    /// The largest value a store keeps (encoded): SQLite refuses a blob over 1e9 bytes by
    /// crashing GRDB, and three copies of one pass through memory on the way.
    public static let maxValueBytes = 64 << 20

    /// The same stores, copied to a new temporary directory (a plan's state, which reads what
    /// the store's holds and changes only the copy).
    func throwawayCopy() -> StateStores {
        let files = FileManager.default
        let copy = files.temporaryDirectory.appendingPathComponent("storescript-plan-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try? files.createDirectory(atPath: copy, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in (try? files.contentsOfDirectory(atPath: directory)) ?? [] {
            try? files.copyItem(atPath: directory + "/" + name, toPath: copy + "/" + name)
        }
        return StateStores(directory: copy, owner: owner, earlier: [], scheduler: scheduler)
    }

    init(directory: String, owner: StoreIdentity?, earlier: [String] = [], scheduler: Scheduler? = nil) {
        self.directory = directory
        self.owner = owner
        self.earlier = earlier
        self.scheduler = scheduler
    }

    /// The stores of `owner`: `explicit` (`--state-dir`) as given, else the owner's directory
    /// under the state root (`local` for runs that name no store).
    convenience init(explicit: String?, owner: StoreIdentity?, profile: String?, scheduler: Scheduler?) {
        if let explicit {
            self.init(directory: explicit, owner: owner, scheduler: scheduler)
            return
        }
        let root = StateStores.root()
        self.init(directory: "\(root)/" + (owner.map { "stores/\($0.name)" } ?? "local"), owner: owner,
                  earlier: [root] + (profile.map { ["\(root)/\($0)"] } ?? []), scheduler: scheduler)
    }

    /// The state root (`Directories.state`), or one below the working directory without HOME.
    public static func root() -> String { Directories.state ?? "./.local/state/storescript" }

    func store(_ name: String) throws -> DatabaseQueue {
        if let q = open[name] { return q }
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw LuaError(.argument, "state.open: argument #1 (name) must be letters, digits, '-', '_' or '.', got \(name)")
        }
        let path = "\(directory)/\(name).db"
        try refuseEarlier(name, path)
        if let why = Directories.make(directory) { throw LuaError(.runtime, "state.open: \(why)") }
        // The journal of a renewal holds private keys: the files are the owner's alone, those an
        // earlier version made readable included.
        for file in [path, path + "-wal", path + "-shm"] { try makePrivate(file) }
        let old = umask(0o077)
        defer { umask(old) }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.allowsUnsafeTransactions = true
        config.journalMode = .wal
        // Deleted rows are overwritten, not left in free pages (a finished renewal's key).
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        // Two processes opening a new store at once: switching it to WAL is refused (busy) to the
        // second, and SQLite's busy timeout does not cover that pragma, so the open is retried.
        var attempt = 0
        while true {
            do {
                let queue = try DatabaseQueue(path: path, configuration: config)
                try queue.writeWithoutTransaction { db in
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS entries(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
                    // Keys and values are blobs since 0.6 (every byte kept); older rows were text.
                    if try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 < 1 {
                        try db.execute(sql: "UPDATE entries SET key = CAST(key AS BLOB), value = CAST(value AS BLOB) WHERE typeof(key) = 'text'")
                        try db.execute(sql: "PRAGMA user_version = 1")
                    }
                }
                open[name] = queue
                return queue
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 200 {
                attempt += 1
                usleep(50_000)
            } catch {
                throw LuaError(.runtime, "state.open: \(path): \(error)")
            }
        }
    }

    /// `file` readable or writable by others is made the owner's alone, or refused with the
    /// command that does it.
    private func makePrivate(_ file: String) throws {
        var st = stat()
        guard stat(file, &st) == 0, st.st_mode & 0o077 != 0 else { return }
        if chmod(file, 0o600) != 0 {
            throw LuaError(.runtime, "state.open: \(file) is readable by others and cannot be made private (\(String(cString: strerror(errno)))): "
                + "run chmod 600 '\(file)'")
        }
    }

    /// A store this run would make anew while an earlier version's file of that name waits
    /// in a directory every store shared: refused with what was found and how to move it.
    private func refuseEarlier(_ name: String, _ path: String) throws {
        guard access(path, F_OK) != 0,
              let found = earlier.map({ "\($0)/\(name).db" }).first(where: { (file: String) in access(file, F_OK) == 0 }) else { return }
        let whose = owner.map { "store \($0.name)" } ?? "runs that name no store"
        throw LuaError(.runtime, """
            state.open: found \(found), kept by an earlier storescript where every store's runs shared it; \
            it is not used, so that no store reads another's journal. The state of \(whose) lives in \
            \(directory): if the file is this store's, move it there (mkdir -p '\(directory)' && mv '\(found)'* \
            '\(directory)/'); if it is another store's, move it to that store's directory (a run for that \
            store prints it: storescript run --profile NAME -e 'print(state.open("\(name)").path)').
            """)
    }

    /// Folds a store's write-ahead log into its file and empties it, so that what was deleted
    /// (a finished renewal's key, overwritten in the file by secure_delete) is not left in old
    /// log frames either. After a delete commits, and at the end of a run.
    private func checkpoint(_ queue: DatabaseQueue) {
        _ = try? queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    public func close() {
        for (_, queue) in open { checkpoint(queue) }
        open = [:]
    }

    private var currentTask: Int { scheduler?.current?.id ?? 0 }

    /// Pushes the host table state.lua wraps. [-0, +1]
    func push(_ lua: LuaState) throws {
        try lua.newTable()
        if let owner {
            try lua.push(owner.name)
            try lua.rawSet(-2, field: "owner")
        }
        lua.push(Int64(StateStores.maxValueBytes))
        try lua.rawSet(-2, field: "max_value_bytes")
        try lua.setFunctions(-1, prefix: "state", [
            ("open", { [self] call in
                let name = try call.string(1, "name")
                _ = try store(name)
                try call.push("\(directory)/\(name).db")
                return 1
            }),
            ("busy", { [self] call in
                // Another task's transaction holds the store.
                let holder = holders[try call.string(1, "name")]
                call.push(holder != nil && holder != currentTask)
                return 1
            }),
            ("held", { [self] call in
                call.push(holders[try call.string(1, "name")] == currentTask)
                return 1
            }),
            ("await", { [self] call in
                let name = try call.string(1, "name")
                guard let holder = holders[name], holder != currentTask else { return 0 }
                if let scheduler, let me = scheduler.current, scheduler.waitsFor(holder: holder, task: me) {
                    throw LuaError(.runtime, "state: the transaction on \(name) belongs to a task that waits for this one "
                        + "(they would wait for each other forever); use the store before the transaction, or after")
                }
                guard let scheduler else { return 0 }
                return try scheduler.suspend(call) { [self] wakeup in waiting[name, default: []].append(wakeup) }
            }),
            ("get", { [self] call in
                let (q, key) = (try store(try call.string(1, "name")), try call.bytes(2, "key"))
                let value = try sql(call) {
                    try q.writeWithoutTransaction { try Data.fetchOne($0, sql: "SELECT value FROM entries WHERE key = ?", arguments: [Data(key)]) }
                }
                guard let value else { call.pushNil(); return 1 }
                if let room = call.state.memoryRoom, value.count > room {
                    throw LuaError(.memory, "store:get: the value of that key (\(value.count) bytes) does not fit in what --max-memory leaves")
                }
                try call.push(bytes: [UInt8](value))
                return 1
            }),
            ("set", { [self] call in
                let (q, key, value) = (try store(try call.string(1, "name")), try call.bytes(2, "key"), try call.bytes(3, "value"))
                guard value.count <= StateStores.maxValueBytes else {
                    throw LuaError(.argument, "store:set: the value is \(value.count) bytes; a store keeps values up to \(StateStores.maxValueBytes)")
                }
                try sql(call) {
                    try q.writeWithoutTransaction { db in
                        try db.execute(sql: "INSERT INTO entries(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                       arguments: [Data(key), Data(value)])
                    }
                }
                return 0
            }),
            ("delete", { [self] call in
                let name = try call.string(1, "name")
                let (q, key) = (try store(name), try call.bytes(2, "key"))
                try sql(call) { try q.writeWithoutTransaction { try $0.execute(sql: "DELETE FROM entries WHERE key = ?", arguments: [Data(key)]) } }
                if holders[name] == nil { checkpoint(q) } else { deletedInTransaction.insert(name) }
                return 0
            }),
            ("keys", { [self] call in
                let q = try store(try call.string(1, "name"))
                let prefix = call.isNoneOrNil(2) ? [] : try call.bytes(2, "prefix")
                let keys = try sql(call) {
                    try q.writeWithoutTransaction { db in
                        try Data.fetchAll(db, sql: "SELECT key FROM entries WHERE substr(key, 1, ?) = ? ORDER BY key",
                                          arguments: [prefix.count, Data(prefix)])
                    }
                }
                try call.push(.table(LuaTable(array: keys.map { .string(LuaString(bytes: [UInt8]($0))) })))
                return 1
            }),
            ("execute", { [self] call in
                // begin, commit, rollback: the statements of state.lua's transaction().
                let name = try call.string(1, "name")
                let q = try store(name)
                let statement = try call.string(2, "statement")
                let sqlText = ["begin": "BEGIN IMMEDIATE", "commit": "COMMIT", "rollback": "ROLLBACK"][statement]
                guard let sqlText else { throw LuaError(.argument, "state: unknown statement \(statement)") }
                defer { if statement != "begin" { release(name) } }
                try sql(call) { try q.writeWithoutTransaction { try $0.execute(sql: sqlText) } }
                if statement == "begin" { holders[name] = currentTask }
                if statement != "begin", deletedInTransaction.remove(name) != nil, statement == "commit" { checkpoint(q) }
                return 0
            }),
        ])
    }

    /// The transaction on `name` has ended: the tasks waiting for it run again.
    private func release(_ name: String) {
        holders[name] = nil
        for wakeup in waiting.removeValue(forKey: name) ?? [] { wakeup.succeed() }
    }

    private func sql<T>(_ call: LuaCall, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as LuaError { throw e } catch {
            throw LuaError(.runtime, "\(call.name): \(error)")
        }
    }
}
