#if canImport(Glibc)
import Glibc
#endif
import GRDB
import LuaKit

/// The Swift half of `state`: named durable stores, one SQLite file each (WAL), under the state
/// directory. Values arrive and leave as JSON text (the Lua half, state.lua, encodes them);
/// `begin`/`commit`/`rollback` are statements on the store's connection, so a transaction may
/// span calls that yield (bindings) without a Swift frame waiting across them. Two processes
/// share a store through SQLite's locks: writes take the lock at BEGIN IMMEDIATE and wait for
/// it up to ten seconds.
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

    init(directory: String, owner: StoreIdentity?, earlier: [String] = []) {
        self.directory = directory
        self.owner = owner
        self.earlier = earlier
    }

    /// The stores of `owner`: `explicit` (`--state-dir`) as given, else the owner's directory
    /// under the state root (`local` for runs that name no store).
    convenience init(explicit: String?, owner: StoreIdentity?, profile: String?) {
        if let explicit {
            self.init(directory: explicit, owner: owner)
            return
        }
        let root = StateStores.root()
        self.init(directory: "\(root)/" + (owner.map { "stores/\($0.name)" } ?? "local"), owner: owner,
                  earlier: [root] + (profile.map { ["\(root)/\($0)"] } ?? []))
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
        // The journal of a renewal holds private keys: the files are the owner's alone.
        let old = umask(0o077)
        defer { umask(old) }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.allowsUnsafeTransactions = true
        config.journalMode = .wal
        // Two processes opening a new store at once: switching it to WAL is refused (busy) to the
        // second, and SQLite's busy timeout does not cover that pragma, so the open is retried.
        var attempt = 0
        while true {
            do {
                let queue = try DatabaseQueue(path: path, configuration: config)
                try queue.writeWithoutTransaction { db in
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS entries(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
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

    /// Pushes the host table state.lua wraps. [-0, +1]
    func push(_ lua: LuaState) throws {
        try lua.newTable()
        if let owner {
            try lua.push(owner.name)
            try lua.rawSet(-2, field: "owner")
        }
        try lua.setFunctions(-1, prefix: "state", [
            ("open", { [self] call in
                let name = try call.string(1, "name")
                _ = try store(name)
                try call.push("\(directory)/\(name).db")
                return 1
            }),
            ("get", { [self] call in
                let (q, key) = (try store(try call.string(1, "name")), try call.string(2, "key"))
                let text = try sql(call) { try q.writeWithoutTransaction { try String.fetchOne($0, sql: "SELECT value FROM entries WHERE key = ?", arguments: [key]) } }
                if let text { try call.push(text) } else { call.pushNil() }
                return 1
            }),
            ("set", { [self] call in
                let (q, key, value) = (try store(try call.string(1, "name")), try call.string(2, "key"), try call.string(3, "value"))
                try sql(call) {
                    try q.writeWithoutTransaction { db in
                        try db.execute(sql: "INSERT INTO entries(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                       arguments: [key, value])
                    }
                }
                return 0
            }),
            ("delete", { [self] call in
                let (q, key) = (try store(try call.string(1, "name")), try call.string(2, "key"))
                try sql(call) { try q.writeWithoutTransaction { try $0.execute(sql: "DELETE FROM entries WHERE key = ?", arguments: [key]) } }
                return 0
            }),
            ("keys", { [self] call in
                let q = try store(try call.string(1, "name"))
                let prefix = try call.optionalString(2, "prefix") ?? ""
                let keys = try sql(call) {
                    try q.writeWithoutTransaction { db in
                        try String.fetchAll(db, sql: "SELECT key FROM entries WHERE substr(key, 1, ?) = ? ORDER BY key", arguments: [prefix.utf8.count, prefix])
                    }
                }
                try call.push(.table(LuaTable(array: keys.map { .string(LuaString($0)) })))
                return 1
            }),
            ("execute", { [self] call in
                // begin, commit, rollback: the statements of state.lua's transaction().
                let q = try store(try call.string(1, "name"))
                let statement = try call.string(2, "statement")
                let sqlText = ["begin": "BEGIN IMMEDIATE", "commit": "COMMIT", "rollback": "ROLLBACK"][statement]
                guard let sqlText else { throw LuaError(.argument, "state: unknown statement \(statement)") }
                try sql(call) { try q.writeWithoutTransaction { try $0.execute(sql: sqlText) } }
                return 0
            }),
        ])
    }

    private func sql<T>(_ call: LuaCall, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as LuaError { throw e } catch {
            throw LuaError(.runtime, "\(call.name): \(error)")
        }
    }
}
